"""A number per text (ratings, scores): telling a score column from a column of class ids, and reading it."""

from __future__ import annotations

import math
import re
from collections import Counter

from core.data.columns import column_key
from core.errors import DataError
from core.wording import counted, file_rows

# names a column of numbers to learn as a score goes by; a column named 'label' with 1..4 stays classes
SCORE_NAMES = ("score", "rating", "ratings", "stars", "star", "grade", "value", "target", "points", "similarity",
               "评分", "分数", "得分", "打分", "星级", "分值", "评分值", "星数", "相似度")
MANY_VALUES = 10  # at least this many distinct numbers (or any fraction) reads as a score whatever the name
NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def as_number(cell: str) -> float | None:
    """The number a cell holds ('4', '3.5', '４'); None for a blank cell; NaN for text."""
    if not cell:
        return None
    import unicodedata

    normal = unicodedata.normalize("NFKC", cell).strip()
    return float(normal) if NUMBER.fullmatch(normal) and math.isfinite(float(normal)) else math.nan


def score_reason(cells: list[str] | Counter, column: str) -> str | None:
    """Why the column reads as scores, in one sentence; None when it is better read as classes."""
    counts = cells if isinstance(cells, Counter) else Counter(cells)  # each distinct cell read once
    values = [(as_number(c), n) for c, n in counts.items() if c]
    numbers = [(v, n) for v, n in values if v is not None and not math.isnan(v)]
    numbered = sum(n for _, n in numbers)
    if numbered < 2 or numbered < 0.9 * sum(n for _, n in values):
        return None
    distinct = {v for v, _ in numbers}
    if len(distinct) < 3:
        return None  # 0/1: two classes
    span = f"{_plain(min(distinct))} to {_plain(max(distinct))}"
    named = any(column_key(column).startswith(name) or column_key(column).endswith(name) for name in SCORE_NAMES)
    if named:
        return f"the label column '{column}' holds numbers ({span}) and is named like a score"
    if any(not v.is_integer() for v in distinct):
        return f"the label column '{column}' holds numbers with fractions ({span})"
    if len(distinct) >= MANY_VALUES:
        return f"the label column '{column}' holds {len(distinct)} different numbers ({span})"
    return None


def read_scores(cells: list[str], column: str, source: str) -> list[float | None]:
    """Each row's number (None where blank); a cell of text is a DataError naming its rows."""
    values = [as_number(c) for c in cells]
    bad = [i for i, v in enumerate(values) if v is not None and math.isnan(v)]
    if bad:
        rows = file_rows(bad)
        raise DataError(f"The score column '{column}' of {source} must hold numbers, but "
                        f"{counted(len(bad), 'row')} ({rows}) hold{'s' if len(bad) == 1 else ''} text, "
                        f"for example '{cells[bad[0]]}'.",
                        "Write a number in those rows (or leave them blank to leave them out), or choose "
                        "another task: --task single-label reads the column as classes.")
    return values


def non_numeric_rows(cells: list[str]) -> list[int]:
    return [i for i, c in enumerate(cells) if c and math.isnan(as_number(c) or 0.0)]


def _plain(value: float) -> str:
    return f"{value:.4g}"
