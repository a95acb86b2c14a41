"""The data of a run made ready for the Trainer: rows read and split, labels fixed, texts tokenized once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.data.split import split_train_val
from core.data.texts import LabelledTexts, label_names, load_texts, prepare_for_training
from core.errors import DataError
from core.train.config import TrainConfig

log = logging.getLogger(__name__)


@dataclass
class PreparedData:
    train: LabelledTexts
    val: LabelledTexts
    labels: list[str]


def prepare_data(config: TrainConfig) -> PreparedData:
    """Read the training file, hold out validation rows (or read the validation file), fix the label set."""
    data = prepare_for_training(load_texts(config.data, config.text_column, config.label_column))
    if config.val_data:
        train, val = data, _load_validation(config, data)
    else:
        train, val = split_train_val(data, config.val_fraction, config.seed)
    labels = label_names(train.labels)
    unknown = sorted(set(val.labels) - set(labels))
    if unknown:
        log.warning("Dropping validation rows whose labels never occur in training: %s", unknown)
        val = val.subset([i for i, lab in enumerate(val.labels) if lab in labels])
    if len(val) == 0:
        raise DataError("No validation rows are left to measure the model on.",
                        "Give a validation file with the same labels as the training data.")
    return PreparedData(train, val, labels)


def _load_validation(config: TrainConfig, train: LabelledTexts) -> LabelledTexts:
    # a validation file may name its columns differently (SST-2's dev file says 'content'): detect then
    try:
        raw = load_texts(config.val_data, train.text_column, train.label_column)
    except DataError:
        raw = load_texts(config.val_data)
    return prepare_for_training(raw)


def tokenize(tokenizer: Any, data: LabelledTexts, labels: list[str], max_length: int):
    """Tokenize once, unpadded; `length` lets the sampler group texts of similar length."""
    from datasets import Dataset

    encoded = tokenizer(data.texts, truncation=True, max_length=max_length)
    label_ids = {name: i for i, name in enumerate(labels)}
    columns = {key: encoded[key] for key in encoded.keys()}
    columns["labels"] = [label_ids[lab] for lab in data.labels]
    columns["length"] = [len(ids) for ids in encoded["input_ids"]]
    return Dataset.from_dict(columns)


def class_weights(data: LabelledTexts, labels: list[str]) -> list[float]:
    """Inverse-frequency weights (1.0 on balanced data) so rare labels count as much as common ones."""
    counts = [max(1, sum(1 for lab in data.labels if lab == name)) for name in labels]
    total = sum(counts)
    return [total / (len(labels) * c) for c in counts]
