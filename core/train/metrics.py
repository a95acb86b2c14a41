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


def full_report(y_true: list[int] | np.ndarray, y_pred: list[int] | np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Everything the Evaluate page and `core evaluate` show, JSON-ready."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    ids = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    per_class = {name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                        "support": int(support[i])} for i, name in enumerate(labels)}
    return {**headline_metrics(np.asarray(y_true), np.asarray(y_pred)), "labels": list(labels),
            "per_class": per_class,
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
            "rows": int(len(y_true))}
