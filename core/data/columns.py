"""Which column holds the texts and which the labels: by name first (English and Chinese), else by the values."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core.errors import DataError

# first match wins, so the most telling names come first
TEXT_NAMES = ("text", "texts", "sentence", "sentences", "content", "contents", "review", "reviews", "comment",
              "comments", "message", "messages", "body", "document", "tweet", "post", "utterance", "sms",
              "review_text", "text_a", "sentence1", "query", "question", "description", "title", "input",
              "文本", "内容", "评论", "句子", "评价", "正文", "文字", "留言", "语句", "问题", "标题")
LABEL_NAMES = ("label", "labels", "class", "category", "categories", "sentiment", "target", "label_name",
               "gold_label", "intent", "topic", "tag", "rating", "stars", "polarity", "y", "output",
               "标签", "类别", "分类", "情感", "类型", "极性", "评分")
# fallbacks when no name matches exactly: "review_body", "情感标签", ...
TEXT_PARTS = ("text", "sentence", "review", "comment", "content", "message", "文本", "内容", "评论", "句子", "评价")
LABEL_PARTS = ("label", "class", "category", "sentiment", "标签", "类别", "分类", "情感")
KNOWN_NAMES = frozenset(TEXT_NAMES + LABEL_NAMES + ("id", "idx", "index", "split", "source", "language", "lang"))

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class _Profile:
    name: str
    rows: int
    distinct: int
    mean_len: float
    numeric_share: float


def detect_columns(frame: pd.DataFrame, text: str | None = None, label: str | None = None) -> tuple[str, str | None]:
    """(text column, label column or None): by name first, else by the shape of the values; given ones are kept."""
    by_name = {str(c): _profile(frame[c], c) for c in frame.columns}  # None for an empty column
    profiles = [p for p in by_name.values() if p is not None]
    if label is None:
        label = _by_name(by_name, LABEL_NAMES, LABEL_PARTS, exclude=text)
    if text is None:
        text = _by_name(by_name, TEXT_NAMES, TEXT_PARTS, exclude=label, textual=True) or _text_by_shape(
            profiles, label)
    if text is None:
        raise DataError(f"None of the columns holds text; the columns are {', '.join(map(str, frame.columns))}.",
                        "Add a column with the texts to classify, for example one named 'text'.")
    if label is None:
        label = _label_by_shape(profiles, text)
    return text, label


def _profile(series: pd.Series, name: str) -> _Profile | None:
    values = series.dropna()
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    values = values[values.str.strip() != ""]
    if values.empty:
        return None
    numeric = float(values.str.strip().str.fullmatch(NUMBER.pattern).mean())
    return _Profile(str(name), len(values), int(values.nunique()), float(values.str.len().mean()), numeric)


def column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _by_name(profiles: dict[str, _Profile | None], names: tuple, parts: tuple, exclude: str | None,
             textual: bool = False) -> str | None:
    # an empty label column is still the label column (texts waiting to be labelled); a text column must hold text
    usable = {column_key(n): n for n, p in profiles.items()
              if n != exclude and not (textual and (p is None or p.numeric_share > 0.9))}
    for wanted in names:
        if wanted in usable:
            return usable[wanted]
    for part in parts:
        for normed, original in usable.items():
            if part in normed:
                return original
    return None


def _text_by_shape(profiles: list[_Profile], label: str | None) -> str | None:
    candidates = [p for p in profiles if p.name != label and p.numeric_share < 0.5]
    if not candidates:
        return None
    # texts are mostly distinct and the longest strings in the table
    return max(candidates, key=lambda p: (p.distinct >= 0.5 * p.rows, p.mean_len)).name


def _label_by_shape(profiles: list[_Profile], text: str) -> str | None:
    # a label column repeats a few values; an id or a second text column barely repeats at all
    candidates = [p for p in profiles if p.name != text and p.distinct <= max(2, min(0.5 * p.rows, 1000))]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.distinct < 2, p.distinct / p.rows)).name
