"""A run's data for several labels per text or a number per text: split, label set, targets, tokenized, weighed.

Single labels stay in core.train.prepare; this module is what changes when each row has a set of labels (multi-hot
targets, binary cross-entropy) or a score (targets normalised to mean 0 and spread 1, mean squared error).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from core.data.multilabel import label_set_names
from core.data.task_texts import TaskTexts, load_task_texts, prepare_task_rows, task_of, task_split
from core.errors import DataError
from core.train.config import TrainConfig

log = logging.getLogger(__name__)

PROBLEM_TYPES = {"single-label": "single_label_classification", "multi-label": "multi_label_classification",
                 "regression": "regression"}
MAX_POS_WEIGHT = 10.0  # a label on 1 row in 1,000 weighs at most this much more when present


def problem_type(task: str) -> str | None:
    """The model config's problem_type for a task; None for single labels (transformers' own default)."""
    return None if task == "single-label" else PROBLEM_TYPES[task]


def load_for_task(config: TrainConfig):
    return load_task_texts(config.data, config.text_column, config.label_column, config.text_pair_column,
                           config.task, config.label_columns, config.label_separator)


def prepare_task_data(config: TrainConfig, loaded: TaskTexts):
    """PreparedData for a multi-label or regression run (the same parts as single labels: train, val, test)."""
    from core.train.prepare import PreparedData

    method = getattr(config, "method", "fine-tune") or "fine-tune"
    if method != "fine-tune":
        raise DataError(f"The {method} method learns one label per text, but this data is {loaded.task} "
                        f"({loaded.task_reason[:1].lower() + loaded.task_reason[1:-1]}).",
                        "Choose the fine-tune method, or --task single-label to read the column as one label.")
    data = prepare_task_rows(loaded)
    test_share = 0.0 if config.test_data else config.test_fraction
    val_share = 0.0 if config.val_data else config.val_fraction
    train, val, test = task_split(data, val_share, test_share, config.seed)
    if config.val_data:
        val = _load_other(config.val_data, data)
    if config.test_data:
        test = _load_other(config.test_data, data)
    if data.task == "multi-label":
        labels = label_set_names(train.label_sets)
        val, test = _known_labels(val, labels), _known_labels(test, labels)
        scale = None
    else:
        labels = [data.label_column or "score"]
        scale = target_scale(train.scores)
    if len(val) == 0:
        raise DataError("No validation rows are left to measure the model on.",
                        "Give a validation file with the same columns, or raise the validation share.")
    log.info("%s run: %d labels, %d/%d/%d rows", data.task, len(labels), len(train), len(val), len(test))
    return PreparedData(train, val, labels, test if len(test) else None, task=data.task, target_scale=scale)


def _load_other(path: str, train: TaskTexts) -> TaskTexts:
    columns = train.label_columns if len(train.label_columns) > 1 else None
    other = load_task_texts(path, train.text_column, None if columns else train.label_column,
                            train.text_pair_column or "", train.task, columns, train.label_separator)
    if task_of(other) != train.task:
        raise DataError(f"{Path(path).name} must hold the same kind of labels as the training data ({train.task}).",
                        "Give a file with the same columns as the training data.")
    return prepare_task_rows(other)


def _known_labels(part: TaskTexts, labels: list[str]) -> TaskTexts:
    # a label the training rows never had cannot be answered: it leaves the row's set, the row stays
    known = set(labels)
    unknown = sorted({lab for s in part.label_sets for lab in s} - known)
    if unknown:
        log.warning("Labels that never occur in training are left out of held-out rows: %s", unknown)
        part.label_sets = [[lab for lab in s if lab in known] for s in part.label_sets]
    return part


def target_scale(scores: list[float]) -> tuple[float, float]:
    """(mean, standard deviation) of the training scores: the model learns (score - mean) / std."""
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    return mean, std if std > 1e-12 else 1.0


def targets(data: TaskTexts, labels: list[str], scale: tuple[float, float] | None) -> list:
    """What the model learns per row: multi-hot floats, or the normalised score."""
    if data.task == "multi-label":
        return [[1.0 if name in set(s) else 0.0 for name in labels] for s in data.label_sets]
    mean, std = scale
    return [(s - mean) / std for s in data.scores]


def tokenize_task(tokenizer: Any, data: TaskTexts, labels: list[str], scale, max_length: int):
    """Tokenized once as single labels are (core.train.prepare.tokenize, so texts are cut the same way), with
    float targets in place of class ids."""
    from core.train.prepare import tokenize

    placeholder = data.subset(range(len(data)))
    placeholder.labels = [labels[0]] * len(data)
    dataset = tokenize(tokenizer, placeholder, labels[:1], max_length)
    return dataset.remove_columns("labels").add_column("labels", targets(data, labels, scale))


def positive_weights(data: TaskTexts, labels: list[str]) -> list[float]:
    """BCE's pos_weight per label: the square root of (rows without / rows with), at most MAX_POS_WEIGHT, so a
    rare label is not drowned by the rows that lack it and a handful of rows do not drive the training."""
    rows = len(data.label_sets)
    weights = []
    for name in labels:
        have = sum(1 for s in data.label_sets if name in s)
        weights.append(min(MAX_POS_WEIGHT, math.sqrt(max(rows - have, 1) / max(have, 1))))
    return weights


def task_inputs(tokenizer: Any, prepared, config: TrainConfig) -> dict[str, Any]:
    """The `data` dict core.train.trainer.build_trainer takes, for a multi-label or regression run."""
    from core.train.task_loss import bce_loss

    def encode(part):
        return tokenize_task(tokenizer, part, prepared.labels, prepared.target_scale, config.max_length)

    weights = (positive_weights(prepared.train, prepared.labels)
               if prepared.task == "multi-label" and config.class_weights else None)
    return {"train": encode(prepared.train), "val": encode(prepared.val), "weights": weights,
            "loss": bce_loss(weights) if weights else None,  # else the model's own loss for its problem_type
            "best_metric": ("macro_f1", True) if prepared.task == "multi-label" else ("mae", False)}
