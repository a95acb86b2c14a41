"""Hold out a validation part, and optionally a test part: stratified, so every label appears in each part in its
share. Validation rows choose the best checkpoint; test rows are only scored once training has ended.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

from core.data.texts import LabelledTexts, label_sort_key
from core.errors import DataError

log = logging.getLogger(__name__)

NO_LABEL = "\x00unlabelled"  # its own stratum, so unprepared data still splits
TEST_SHARE_FROM_ROWS = 1_000  # from this many usable rows a test part costs training little
SUGGESTED_TEST_SHARE = 0.1


def suggested_test_fraction(rows: int) -> float:
    """The test share the Data page starts from: none for small data (every row is needed), 10% from 1,000 rows."""
    return SUGGESTED_TEST_SHARE if rows >= TEST_SHARE_FROM_ROWS else 0.0


def split_data(data: LabelledTexts, val_fraction: float = 0.2, test_fraction: float = 0.0,
               seed: int = 42) -> tuple[LabelledTexts, LabelledTexts, LabelledTexts]:
    """(train, validation, test), each in file order; both shares are of all rows. The test part is empty at 0.

    The test rows are set aside first, so the validation rows of a run without a test part stay what they were;
    val_fraction 0 (the validation rows come from their own file): only a test part is held out.
    """
    if not (0 <= test_fraction < 1 and 0 <= val_fraction < 1 and val_fraction + test_fraction > 0):
        raise ValueError(f"cannot hold out {val_fraction} for validation and {test_fraction} for testing")
    if not test_fraction:
        train, val = split_train_val(data, val_fraction, seed)
        return train, val, data.subset([])
    strata = _strata(data)
    _check_splittable(strata, val_fraction, test_fraction)
    from sklearn.model_selection import train_test_split  # heavy; only when splitting

    n_test, n_val = math.ceil(test_fraction * len(strata)), math.ceil(val_fraction * len(strata))
    rest, test = train_test_split(list(range(len(strata))), test_size=n_test, random_state=seed, stratify=strata)
    train, val = rest, []
    if n_val:
        try:
            train, val = train_test_split(rest, test_size=n_val, random_state=seed,
                                          stratify=[strata[i] for i in rest])
        except ValueError:  # a label of 3 rows that gave 2 to the test part cannot be split again
            raise DataError("A label has too few rows left after the test part to appear in both the training and "
                            "the validation part.",
                            "Lower the test share, or add more rows for the rarest labels.") from None
    log.info("Split %d rows into %d for training, %d for validation and %d for testing", len(strata), len(train),
             len(val), len(test))
    return data.subset(sorted(train)), data.subset(sorted(val)), data.subset(sorted(test))


def split_train_val(data: LabelledTexts, val_fraction: float = 0.2,
                    seed: int = 42) -> tuple[LabelledTexts, LabelledTexts]:
    """(train, validation); the same data and seed always give the same parts, each in file order."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, not {val_fraction}")
    strata = _strata(data)
    _check_splittable(strata, val_fraction)
    from sklearn.model_selection import train_test_split  # heavy; only when splitting

    n_val = math.ceil(val_fraction * len(strata))
    train, val = train_test_split(list(range(len(strata))), test_size=n_val, random_state=seed, stratify=strata)
    log.info("Split %d rows into %d for training and %d for validation", len(strata), len(train), len(val))
    return data.subset(sorted(train)), data.subset(sorted(val))


def _strata(data: LabelledTexts) -> list[str]:
    return [NO_LABEL if lab is None else lab for lab in data.labels]


def _check_splittable(strata: list[str], val_fraction: float, test_fraction: float = 0.0) -> None:
    n = len(strata)
    if n < 2:
        raise DataError(f"There are too few rows to split: {n}.", "Add more rows.")
    counts = Counter(strata)
    parts = 1 + bool(val_fraction) + bool(test_fraction)
    lonely = sorted((k for k, c in counts.items() if c < parts), key=label_sort_key)
    if lonely:
        more = "at least one more row" if parts == 2 else "more rows"
        raise DataError(_lonely_message(lonely, parts, val_fraction),
                        f"Add {more} for each, or drop labels this small (the data report can do it in one click)"
                        + (", or set the test share to 0." if test_fraction else "."))
    n_val, n_test, k = math.ceil(val_fraction * n), math.ceil(test_fraction * n), len(counts)
    held = f"{val_fraction + test_fraction:.0%}"
    if val_fraction and n_val < k:
        raise DataError(f"With {n} rows and {val_fraction:.0%} held out, the validation part gets {n_val} rows, too "
                        f"few to hold one row of each of the {k} labels.",
                        "Add more rows, or raise the validation share.")
    if test_fraction and n_test < k:
        raise DataError(f"With {n} rows and {test_fraction:.0%} kept for testing, the test part gets {n_test} rows, "
                        f"too few to hold one row of each of the {k} labels.",
                        "Add more rows, raise the test share, or set it to 0.")
    if n - n_val - n_test < k:
        raise DataError(f"With {n} rows and {held} held out, the training part keeps {n - n_val - n_test} rows, too "
                        f"few to hold one row of each of the {k} labels.",
                        "Lower the validation or test share, or add more rows.")


def _lonely_message(lonely: list[str], parts: int = 2, val_fraction: float = 0.2) -> str:
    names = [f"'{k}'" if k != NO_LABEL else "'(no label)'" for k in lonely]
    where = "each of the training, validation and test parts" if parts == 3 else \
        "both the training and the validation part" if val_fraction else "both the training and the test part"
    rows = "only 1 row" if parts == 2 else f"fewer than {parts} rows"
    if len(names) == 1:
        return f"The label {names[0]} has {rows}, so it cannot appear in {where}."
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return f"The labels {listed} have {rows} each, so they cannot appear in {where}."
