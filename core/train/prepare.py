"""The data of a run made ready for the Trainer: rows read and split, labels fixed, texts tokenized once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.data.split import split_data
from core.data.texts import LabelledTexts, label_names, load_texts, prepare_for_training
from core.errors import DataError
from core.train.config import TrainConfig
from core.train.scale import capped_val_share, stratified_sample

log = logging.getLogger(__name__)


@dataclass
class PreparedData:
    train: LabelledTexts
    val: LabelledTexts     # chooses the best checkpoint
    labels: list[str]
    test: LabelledTexts | None = None  # scored once, after training; None when the run keeps no test part
    task: str = "single-label"  # or multi-label, regression (core.train.task_prepare)
    target_scale: tuple[float, float] | None = None  # regression: (mean, std) of the training scores
    sampled_from: int | None = None  # the rows of the whole file, when a stratified sample of it was trained on


def prepare_data(config: TrainConfig) -> PreparedData:
    """Read the training file, hold out validation and test rows (or read their files), fix the label set."""
    from core.train.task_prepare import load_for_task, prepare_task_data

    loaded = load_for_task(config)  # several labels or a score go their own way
    if getattr(loaded, "task", "single-label") != "single-label":
        return prepare_task_data(config, loaded)
    data = prepare_for_training(loaded)
    sampled_from = len(data) if config.sample_rows and len(data) > config.sample_rows else None
    data = stratified_sample(data, config.sample_rows, config.seed)  # "try it on a sample first"
    test_share = 0.0 if config.test_data else config.test_fraction
    val_share = 0.0 if config.val_data else capped_val_share(config.val_fraction, len(data), config.val_max_rows)
    train, val, test = split_data(data, val_share, test_share, config.seed) if val_share or test_share else (
        data, data.subset([]), data.subset([]))
    if config.val_data:
        val = _load_other(config.val_data, data)
    if config.test_data:
        test = _load_other(config.test_data, data)
    labels = label_names(train.labels)
    val = _known_only(val, labels, "validation")
    if len(val) == 0:
        raise DataError("No validation rows are left to measure the model on.",
                        "Give a validation file with the same labels as the training data.")
    test = _known_only(test, labels, "test")
    if (config.test_data or test_share) and len(test) == 0:
        raise DataError("No test rows are left to score the model on.",
                        "Give a test file with the same labels as the training data, or set the test share to 0.")
    return PreparedData(train, val, labels, test if len(test) else None, sampled_from=sampled_from)


def _known_only(part: LabelledTexts, labels: list[str], name: str) -> LabelledTexts:
    unknown = sorted(set(part.labels) - set(labels))
    if not unknown:
        return part
    log.warning("Dropping %s rows whose labels never occur in training: %s", name, unknown)
    return part.subset([i for i, lab in enumerate(part.labels) if lab in labels])


def _load_other(path: str, train: LabelledTexts) -> LabelledTexts:
    # a validation or test file may name its columns differently (SST-2's dev file says 'content'): detect then
    try:
        raw = load_texts(path, train.text_column, train.label_column, train.text_pair_column or "")
    except DataError:
        raw = load_texts(path, text_pair_column=None if train.text_pairs is not None else "")
    if (raw.text_pairs is None) != (train.text_pairs is None):
        kind = "pairs of texts" if train.text_pairs is not None else "single texts"
        raise DataError(f"{Path(path).name} must hold {kind}, as the training data does.",
                        "Give a file with the same columns as the training data.")
    return prepare_for_training(raw)


def tokenize(tokenizer: Any, data: LabelledTexts, labels: list[str], max_length: int):
    """Tokenize once, unpadded; `length` lets the sampler group texts of similar length."""
    from datasets import Dataset

    from core.train.long_texts import encode

    # pairs go in as the tokenizer's pair input: [CLS] first [SEP] second [SEP], cut from the longer side first
    encoded = encode(tokenizer, data.texts, data.text_pairs, max_length)  # cut as set_truncation said
    label_ids = {name: i for i, name in enumerate(labels)}
    columns = {key: encoded[key] for key in encoded.keys()}
    columns["labels"] = [label_ids[lab] for lab in data.labels]
    columns["length"] = [len(ids) for ids in encoded["input_ids"]]
    return Dataset.from_dict(columns)


MAX_WEIGHT_RATIO = 10.0  # the rarest label's weight is at most this many times the commonest's


def class_weights(data: LabelledTexts, labels: list[str]) -> list[float]:
    """Weights that lift rare labels without letting a handful of rows drive the training.

    The square root of inverse frequency (1,000 rows against 5 gives about 14:1, not 200:1), bounded to
    MAX_WEIGHT_RATIO between labels, then scaled so the average training row weighs 1: balanced data
    gets 1.0 for every label, and the loss keeps its usual size.
    """
    counts = [max(1, sum(1 for lab in data.labels if lab == name)) for name in labels]
    raw = [count ** -0.5 for count in counts]
    bound = min(raw) * MAX_WEIGHT_RATIO
    raw = [min(weight, bound) for weight in raw]
    scale = sum(counts) / sum(count * weight for count, weight in zip(counts, raw, strict=True))
    return [weight * scale for weight in raw]
