"""A multi-label or regression model's answers: sigmoid per label or the number itself, and the table of them."""

from __future__ import annotations

from typing import Any

from core.data.multilabel import shown
from core.train.thresholds import decide

DECIMALS = 4


def activate(logits: Any, config: Any):
    """Probabilities from the model's raw outputs, the way its problem_type says: softmax over labels (one label),
    a sigmoid per label (several), or the raw output itself (a score: the saved model's scale is folded in)."""
    import torch

    kind = getattr(config, "problem_type", None)
    if kind == "multi_label_classification":
        return torch.sigmoid(logits)
    if kind == "regression":
        return logits
    return torch.softmax(logits, dim=-1)


def task_of_config(config: Any) -> str:
    return {"multi_label_classification": "multi-label", "regression": "regression"}.get(
        getattr(config, "problem_type", None), "single-label")


def task_table(task: str, texts: list[str], answers: list[list[float]], labels: list[str],
               pairs: list[str] | None = None, thresholds: dict[str, float] | None = None):
    """A DataFrame: text (and text_pair), then the labels over their thresholds and each label's probability, or
    the predicted number."""
    import pandas as pd

    table = pd.DataFrame({"text": texts})
    if pairs is not None:
        table["text_pair"] = pairs
    if task == "regression":
        table["predicted"] = [round(a[0], DECIMALS) for a in answers]
        return table
    table["predicted"] = [shown(decide(a, labels, thresholds or {})) for a in answers]
    table["confidence"] = [round(max(a), DECIMALS) if a else 0.0 for a in answers]
    for j, name in enumerate(labels):
        table[f"p({name})"] = [round(a[j], DECIMALS) for a in answers]
    return table


def task_fields(answers: Any, probs: list[float]) -> dict[str, Any]:
    """What a Prediction adds for its task: the labels over their thresholds, or the number."""
    task = getattr(answers, "task", "single-label")
    if task == "multi-label":
        return {"labels": decide(probs, answers.labels, getattr(answers, "thresholds", None) or {})}
    if task == "regression":
        return {"value": round(probs[0], DECIMALS)}
    return {}
