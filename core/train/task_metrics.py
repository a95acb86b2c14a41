"""Scores for several labels per text (micro/macro-F1, per-label table, subset accuracy) and for a number per text
(MAE, RMSE, Pearson, Spearman, R²). scikit-learn and scipy do the counting."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def multilabel_report(truth: list[list[int]], probs: list[list[float]], labels: list[str],
                      thresholds: dict[str, float] | None = None, rows_name: str = "rows") -> dict[str, Any]:
    """Everything the Evaluate page and `core evaluate` show for a multi-label model, JSON-ready."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    limits = np.array([(thresholds or {}).get(name, 0.5) for name in labels])
    y_true = np.asarray(truth, dtype=int).reshape(-1, len(labels))
    y_pred = (np.asarray(probs, dtype=float).reshape(-1, len(labels)) >= limits).astype(int)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    per_class = {name: {"precision": float(precision[j]), "recall": float(recall[j]), "f1": float(f1[j]),
                        "support": int(support[j]), "predicted": int(y_pred[:, j].sum()),
                        "threshold": float(limits[j]), "matrix": _two_by_two(y_true[:, j], y_pred[:, j])}
                 for j, name in enumerate(labels)}
    unmeasured = [name for j, name in enumerate(labels) if support[j] == 0]
    warnings = ([f"No {rows_name} have the label{'s' if len(unmeasured) > 1 else ''} "
                 f"{', '.join(repr(u) for u in unmeasured)}, so {'its' if len(unmeasured) == 1 else 'their'} recall "
                 "cannot be measured."] if unmeasured else [])
    rows = int(len(y_true))
    return {"task": "multi-label", "labels": list(labels), "rows": rows,
            "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)) if rows else 0.0,
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)) if rows else 0.0,
            "subset_accuracy": float((y_true == y_pred).all(axis=1).mean()) if rows else 0.0,
            "per_class": per_class, "thresholds": {n: float(t) for n, t in zip(labels, limits, strict=True)},
            "co_occurrence": (y_true.T @ y_true).tolist(), "unmeasured": unmeasured, "warnings": warnings}


def _two_by_two(actual: np.ndarray, predicted: np.ndarray) -> list[list[int]]:
    """[[true negatives, false positives], [false negatives, true positives]] for one label."""
    return [[int(((actual == 0) & (predicted == 0)).sum()), int(((actual == 0) & (predicted == 1)).sum())],
            [int(((actual == 1) & (predicted == 0)).sum()), int(((actual == 1) & (predicted == 1)).sum())]]


def regression_report(true: list[float], predicted: list[float]) -> dict[str, Any]:
    """MAE, RMSE, Pearson, Spearman and R² of predicted against true numbers, JSON-ready (None where undefined)."""
    y, p = np.asarray(true, dtype=float), np.asarray(predicted, dtype=float)
    if not len(y):
        return {"task": "regression", "rows": 0, "mae": None, "rmse": None, "pearson": None, "spearman": None,
                "r2": None, "warnings": []}
    error = p - y
    total = float(((y - y.mean()) ** 2).sum())
    return {"task": "regression", "rows": int(len(y)), "mae": float(np.abs(error).mean()),
            "rmse": float(math.sqrt((error ** 2).mean())), "pearson": _correlation(y, p, "pearson"),
            "spearman": _correlation(y, p, "spearman"),
            "r2": float(1 - (error ** 2).sum() / total) if total > 0 else None,
            "true_range": [float(y.min()), float(y.max())], "warnings": []}


def _correlation(y: np.ndarray, p: np.ndarray, kind: str) -> float | None:
    # undefined when either side is constant (a model that answers one number for every text)
    if len(y) < 2 or np.ptp(y) == 0 or np.ptp(p) == 0:
        return None
    from scipy import stats

    value = (stats.pearsonr if kind == "pearson" else stats.spearmanr)(y, p)[0]
    return None if math.isnan(value) else float(value)


def epoch_scores(task: str, truth: list, answers: list[list[float]]) -> dict[str, float]:
    """The numbers shown live while training: micro- and macro-F1 (at 0.5), or MAE, RMSE and Spearman."""
    if task == "multi-label":
        labels = [str(j) for j in range(len(answers[0]))] if answers else []
        report = multilabel_report(truth, answers, labels)
        return {k: report[k] for k in ("micro_f1", "macro_f1", "subset_accuracy")}
    report = regression_report(truth, [a[0] for a in answers])
    return {"mae": report["mae"], "rmse": report["rmse"], "spearman": report["spearman"] or 0.0,
            "pearson": report["pearson"] or 0.0}
