"""Hold out a validation part: stratified, so every label appears in both parts in its share."""

from __future__ import annotations

import logging
import math
from collections import Counter

from core.data.texts import LabelledTexts, label_sort_key
from core.errors import DataError

log = logging.getLogger(__name__)

NO_LABEL = "\x00unlabelled"  # its own stratum, so unprepared data still splits


def split_train_val(data: LabelledTexts, val_fraction: float = 0.2,
                    seed: int = 42) -> tuple[LabelledTexts, LabelledTexts]:
    """(train, validation); the same data and seed always give the same parts, each in file order."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, not {val_fraction}")
    strata = [NO_LABEL if lab is None else lab for lab in data.labels]
    _check_splittable(strata, val_fraction)
    from sklearn.model_selection import train_test_split  # heavy; only when splitting

    n_val = math.ceil(val_fraction * len(strata))
    train, val = train_test_split(list(range(len(strata))), test_size=n_val, random_state=seed, stratify=strata)
    log.info("Split %d rows into %d for training and %d for validation", len(strata), len(train), len(val))
    return data.subset(sorted(train)), data.subset(sorted(val))


def _check_splittable(strata: list[str], val_fraction: float) -> None:
    n = len(strata)
    if n < 2:
        raise DataError(f"There are too few rows to split: {n}.", "Add more rows.")
    counts = Counter(strata)
    lonely = sorted((k for k, c in counts.items() if c < 2), key=label_sort_key)
    if lonely:
        raise DataError(_lonely_message(lonely),
                        "Add at least one more row for each, or drop labels this small (the data report can "
                        "do it in one click).")
    n_val, k = math.ceil(val_fraction * n), len(counts)
    share = f"{val_fraction:.0%}"
    if n_val < k:
        raise DataError(f"With {n} rows and {share} held out, the validation part gets {n_val} rows, too few "
                        f"to hold one row of each of the {k} labels.", "Add more rows, or raise the validation share.")
    if n - n_val < k:
        raise DataError(f"With {n} rows and {share} held out, the training part keeps {n - n_val} rows, too few "
                        f"to hold one row of each of the {k} labels.", "Lower the validation share, or add more rows.")


def _lonely_message(lonely: list[str]) -> str:
    names = [f"'{k}'" if k != NO_LABEL else "'(no label)'" for k in lonely]
    if len(names) == 1:
        return (f"The label {names[0]} has only 1 row, so it cannot appear in both the training and the "
                "validation part.")
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return (f"The labels {listed} have only 1 row each, so they cannot appear in both the training and the "
            "validation part.")
