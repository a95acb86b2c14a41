"""Example texts Try offers to click: short ones, at least one per label, taking each label in turn, from the run's
validation rows (those the model got right first), else its data; for a model of pairs, pairs of texts."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import StudioError
from ui import loaders

EXAMPLES = 6  # example sentences offered, taking each label in turn
MOST_EXAMPLES = 12  # with more labels than EXAMPLES, still one per label, up to this many
SHORT = 110  # characters: a longer example is shortened at a word
PAIR_SHORT = 48  # characters of each text on a pair's button (the boxes get the whole texts)


def shorten(text: str, limit: int = SHORT) -> str:
    """The start of a long text, cut at a space when there is one (Chinese has none), marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.;:，。；：") + "…"


def _validation_rows(run_dir: str):
    import pandas as pd

    path = Path(run_dir) / "val_predictions.csv"
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None
    except (OSError, ValueError):
        return None


def _right_first(frame):
    if "predicted" in frame and "label" in frame:
        return frame.assign(wrong=frame["label"] != frame["predicted"]).sort_values("wrong", kind="stable")
    return frame


def _take_turns(groups: list[list]) -> list:
    """Each label's first example, then each one's second, and so on: every label shown before any twice."""
    wanted = max(EXAMPLES, min(len(groups), MOST_EXAMPLES))
    picked: list = []
    for i in range(wanted):
        for group in groups:
            if i < len(group) and len(picked) < wanted and group[i] not in picked:
                picked.append(group[i])
    return picked


@st.cache_data(max_entries=8, show_spinner=False)
def examples(run_dir: str, data: str, text_column: str | None) -> list[str]:
    """Short texts, at least one per label. Long texts are offered shortened, so every label has an example."""
    import pandas as pd

    frame = _validation_rows(run_dir)
    if frame is None or "text" not in frame:
        try:
            loaded = loaders.texts(data, text_column, None)
        except StudioError:
            return []
        frame = pd.DataFrame({"text": loaded.texts, "label": loaded.labels})
    frame = _right_first(frame[frame["text"].astype(str).str.strip().str.len() >= 8])
    groups = [_candidates(g["text"].astype(str).tolist()) for _, g in frame.groupby("label", sort=True)]
    return _take_turns(groups or [_candidates(frame["text"].astype(str).tolist())])


def _candidates(texts: list[str]) -> list[str]:
    """A label's examples: its short texts as they are, then its longer ones shortened, the shortest first."""
    short = [" ".join(x.split()) for x in texts if len(x) <= SHORT]
    long = sorted((x for x in texts if len(x) > SHORT), key=len)[:EXAMPLES]
    return (short + [shorten(x) for x in long])[:EXAMPLES]


@st.cache_data(max_entries=8, show_spinner=False)
def pair_examples(run_dir: str) -> list[tuple[str, str]]:
    """Pairs of texts from the run's validation rows, at least one per label, the shortest pairs first."""
    frame = _validation_rows(run_dir)
    if frame is None or not {"text", "text_pair", "label"} <= set(frame.columns):
        return []
    frame = frame[(frame["text"].str.strip() != "") & (frame["text_pair"].str.strip() != "")]
    frame = _right_first(frame.assign(size=frame["text"].str.len() + frame["text_pair"].str.len())
                         .sort_values("size", kind="stable"))
    groups = [list(zip(g["text"], g["text_pair"], strict=True))[:EXAMPLES] for _, g in frame.groupby("label")]
    return _take_turns(groups)


def pair_button(first: str, second: str) -> str:
    """A pair on one button: each text's start."""
    return f"{shorten(first, PAIR_SHORT)}  ·  {shorten(second, PAIR_SHORT)}"
