"""Which column holds the texts and which the labels: by name first (English and Chinese), else by the values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

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
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")  # "reviewText_2" -> review, Text, 2
SCORE_VALUES = 20  # a numeric column with fractions and more distinct values than this is a score, not labels


@dataclass
class _Profile:
    name: str
    rows: int
    mean_len: float
    numeric_share: float
    continuous: bool  # numbers with fractions and many distinct values: a score, never the labels
    values: pd.Series = field(repr=False)

    @cached_property
    def distinct(self) -> int:
        # counted only when the shape of the values decides (a column found by its name needs no count): hashing
        # a million texts is the dearest part of the look
        return int(self.values.nunique())


def detect_columns(frame: pd.DataFrame, text: str | None = None, label: str | None = None) -> tuple[str, str | None]:
    """(text column, label column or None): by name first, else by the shape of the values; given ones are kept."""
    by_name = {str(c): _profile(frame[c], c) for c in frame.columns}  # None for an empty column
    profiles = [p for p in by_name.values() if p is not None]
    if label is None:
        label = _by_name({n: p for n, p in by_name.items() if p is None or not p.continuous}, LABEL_NAMES,
                         LABEL_PARTS, exclude=text)
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
    values = series.dropna() if series.hasnans else series  # a million texts are copied only when some are missing
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    stripped = values.str.strip()
    filled = stripped != ""
    if not filled.all():
        values, stripped = values[filled], stripped[filled]
    if values.empty:
        return None
    is_number = stripped.str.fullmatch(NUMBER.pattern)
    share = float(is_number.mean())
    profile = _Profile(str(name), len(values), float(values.str.len().mean()), share, False, values)
    if share > 0.9:
        numbers = pd.to_numeric(stripped[is_number], errors="coerce")
        profile.continuous = bool(profile.distinct > SCORE_VALUES and (numbers % 1 != 0).any())
    return profile


def column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def name_words(name: str) -> list[str]:
    """A column name's words, lower case: "reviewText" and "review_text" both give review, text."""
    return [w.lower() for w in WORD.findall(str(name))]


def names_a_column(name: str) -> bool:
    """Whether a header cell is a name this module knows (text, label, 评论, review_body, ...)."""
    return column_key(name) in KNOWN_NAMES or any(_has_part(name, part) for part in TEXT_PARTS + LABEL_PARTS)


def _has_part(name: str, part: str) -> bool:
    if CJK.match(part):  # Chinese names have no spaces between words: 情感标签 holds 标签
        return part in str(name)
    return any(word in (part, part + "s") for word in name_words(name))  # "context" does not hold "text"


def _by_name(profiles: dict[str, _Profile | None], names: tuple, parts: tuple, exclude: str | None,
             textual: bool = False) -> str | None:
    # an empty label column is still the label column (texts waiting to be labelled); a text column must hold text
    usable = [n for n, p in profiles.items() if n != exclude and not (textual and (p is None or p.numeric_share > 0.9))]
    for wanted in names:
        # "Text" and "text " both normalise to "text": the exact spelling wins, else the first in the file
        alike = [n for n in usable if column_key(n) == wanted]
        if alike:
            return next((n for n in alike if n == wanted), alike[0])
    for part in parts:
        for name in usable:
            if _has_part(name, part):
                return name
    return None


def _text_by_shape(profiles: list[_Profile], label: str | None) -> str | None:
    candidates = [p for p in profiles if p.name != label and p.numeric_share < 0.5]
    if not candidates:
        return None
    # texts are mostly distinct and the longest strings in the table
    return max(candidates, key=lambda p: (p.distinct >= 0.5 * p.rows, p.mean_len)).name


def _label_by_shape(profiles: list[_Profile], text: str) -> str | None:
    # a label column repeats a few values; an id or a second text column barely repeats at all
    candidates = [p for p in profiles
                  if p.name != text and not p.continuous and p.distinct <= max(2, min(0.5 * p.rows, 1000))]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.distinct < 2, p.distinct / p.rows)).name
