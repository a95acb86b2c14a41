"""Pairs of texts: which second column goes with the text column, found by the names pair datasets use."""

from __future__ import annotations

import pandas as pd

from core.data.columns import column_key
from core.errors import DataError

# (first, second): the names GLUE, SNLI, QQP, MS MARCO and the Chinese LCQMC/AFQMC sets give their two texts
PAIR_NAMES = (("sentence1", "sentence2"), ("question1", "question2"), ("text_a", "text_b"), ("text1", "text2"),
              ("sentence_a", "sentence_b"), ("premise", "hypothesis"), ("query", "passage"), ("query", "document"),
              ("question", "passage"), ("claim", "evidence"), ("句子1", "句子2"), ("问题1", "问题2"),
              ("文本1", "文本2"), ("文本a", "文本b"))


def detect_pair_columns(frame: pd.DataFrame, text: str | None = None) -> tuple[str, str] | None:
    """(first text column, second text column) when the file's names say it holds pairs; None otherwise.

    Only a known pair of names counts (sentence1 with sentence2, ...), so a file of single texts is never
    read as pairs by accident; a second column blank in every row is not a pair column.
    """
    keys = {column_key(c): str(c) for c in frame.columns}
    for first, second in PAIR_NAMES:
        if first in keys and second in keys and (text is None or keys[first] == text):
            if _filled(frame[keys[second]]):
                return keys[first], keys[second]
    return None


def _filled(series: pd.Series) -> bool:
    return bool((series.fillna("").astype(str).str.strip() != "").any())


def check_pair_column(frame: pd.DataFrame, name: str, text: str, source: str) -> None:
    """A chosen second text column must exist, differ from the first and hold some text."""
    if name not in frame.columns:
        raise DataError(f"There is no column '{name}' in {source}.",
                        f"Pick one of its columns: {', '.join(map(str, frame.columns))}.")
    if name == text:
        raise DataError(f"'{name}' cannot be both the first and the second text.", "Choose two different columns.")
    if not _filled(frame[name]):
        raise DataError(f"The second text column '{name}' is blank in every row of {source}, so there are no pairs.",
                        "Choose the column that holds the second texts, or train on single texts (no pair column).")


def pair_texts(series: pd.Series) -> list[str]:
    """The second texts as strings; a blank cell stays an empty text (the row is kept, the check counts it)."""
    return [v if isinstance(v, str) else ("" if pd.isna(v) else str(v)) for v in series.tolist()]
