"""Accuracy, macro-F1, per-class scores and the confusion matrix (scikit-learn does the counting)."""

from __future__ import annotations

from typing import Any

import numpy as np


def headline_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """The two numbers shown while training: accuracy and macro-F1."""
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0))}


def trainer_metrics(eval_prediction: Any) -> dict[str, float]:
    """`compute_metrics` for the Hugging Face Trainer."""
    logits, labels = eval_prediction.predictions, eval_prediction.label_ids
    if isinstance(logits, tuple):  # some models also return hidden states
        logits = logits[0]
    return headline_metrics(labels, np.argmax(logits, axis=-1))


def full_report(y_true: list[int] | np.ndarray, y_pred: list[int] | np.ndarray, labels: list[str],
                rows_name: str = "rows") -> dict[str, Any]:
    """Everything the Evaluate page and `core evaluate` show, JSON-ready.

    Macro-F1 and the per-class table count the same labels: those among the true or the predicted labels
    (a label neither in the rows nor ever answered has no score to average). A label no row has is named
    in `warnings`; `rows_name` says which rows ("validation rows").
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    ids = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    seen = {int(i) for i in y_true} | {int(i) for i in y_pred}
    scored = [i for i in ids if i in seen]
    per_class = {labels[i]: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                             "support": int(support[i])} for i in scored}
    unmeasured = [labels[i] for i in ids if support[i] == 0]
    return {"accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
            "macro_f1": float(np.mean([f1[i] for i in scored])) if scored else 0.0, "labels": list(labels),
            "per_class": per_class,
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
            "rows": int(len(y_true)), "unmeasured": unmeasured,
            "warnings": [unmeasured_warning(unmeasured, rows_name, len(scored))] if unmeasured else []}


def unmeasured_warning(unmeasured: list[str], rows_name: str, scored: int) -> str:
    """The report's sentence for labels that no row has: their recall means nothing, and what macro-F1 averages."""
    names = ", ".join(f"'{name}'" for name in unmeasured)
    its = "its" if len(unmeasured) == 1 else "their"
    return (f"No {rows_name} are labelled {names}, so {its} recall cannot be measured; macro-F1 averages the "
            f"{scored} labels found among the true or predicted labels.")
