"""Counting a dataset for the data check: labels as spelled, trainable rows, repeats, token lengths."""

from __future__ import annotations

import operator
import random
from typing import Any

import numpy as np
import pandas as pd

from core.data.texts import LabelledTexts, label_sort_key

TOKEN_SAMPLE = 10_000  # token statistics of 10,000 random texts are within a percent of the whole


def count_frame(data: LabelledTexts) -> pd.DataFrame:
    """One row per text with the keys the checks compare by."""
    keys = [t.strip() for t in data.texts]  # a list comprehension: four times pandas' .str on objects
    frame = pd.DataFrame({"text": pd.Series(data.texts, dtype=object), "label": pd.Series(data.labels, dtype=object),
                          "text_key": pd.Series(keys, dtype=object)})
    frame["blank"] = np.fromiter(map(operator.not_, keys), dtype=bool, count=len(keys))  # "" once stripped
    if data.text_pairs is not None:  # a pair repeats only when both its texts do
        frame["text_key"] = frame["text_key"] + "\x1f" + pd.Series(data.text_pairs, dtype=object).str.strip()
        keys = frame["text_key"].tolist()
    frame["repeated"] = _repeated(keys)
    frame["label_key"] = _per_label(frame["label"], str.strip)
    frame["canon"] = _per_label(frame["label"], _canonical_key)
    return frame


def _repeated(keys: list[str]) -> np.ndarray:
    """Whether each row's key occurs more than once, told by the keys' hashes (one pass in C, eight bytes a row).

    A text that occurs once can be neither a repeat nor a conflict, so the exact comparisons of texts run only on
    the rows left; two texts that merely share a hash are compared there and not counted."""
    hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
    return pd.Series(hashes).duplicated(keep=False).to_numpy()


def _per_label(labels: pd.Series, change) -> pd.Series:
    # a million rows hold a few distinct labels: each is worked out once (a missing label stays missing)
    return labels.map({label: change(label) for label in labels.dropna().unique()})


def _canonical_key(label: str) -> str:
    # "Positive", "positive " and "POSITIVE" are one label spelled three ways
    return " ".join(label.split()).casefold()


def trainable_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per label as training will see them: a text, a label, whitespace stripped."""
    usable = frame.loc[~frame["blank"] & frame["label_key"].notna(), "label_key"]
    return {str(k): int(n) for k, n in usable.value_counts().items()}


def duplicates(frame: pd.DataFrame) -> int:
    filled = frame[~frame["blank"] & frame["repeated"]]
    return int(filled.duplicated(["text_key", "canon"]).sum())


def conflicts(frame: pd.DataFrame) -> int:
    labelled = frame[~frame["blank"] & frame["canon"].notna() & frame["repeated"]]
    return int((labelled.groupby("text_key")["canon"].nunique() > 1).sum())


def label_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["label"].dropna().value_counts()
    # most common first; equal counts in label order so the report never reshuffles
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], label_sort_key(kv[0])))
    return {str(k): int(n) for k, n in ordered}


def label_variants(frame: pd.DataFrame) -> dict[str, list[str]]:
    variants: dict[str, list[str]] = {}
    for spellings in spelling_groups(frame).values():
        if len(spellings) > 1:
            variants[spellings[0].strip()] = spellings
    return variants


def spelling_groups(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Canonical key -> raw spellings, most common (then first seen) first."""
    labelled = frame[frame["label"].notna()]
    counts = labelled.groupby(["canon", "label"], sort=False).size().reset_index(name="n")
    counts["order"] = range(len(counts))
    counts = counts.sort_values(["n", "order"], ascending=[False, True])
    return {str(k): [str(s) for s in g["label"]] for k, g in counts.groupby("canon", sort=False)}


def token_stats(texts: list[str], tokenizer: Any, max_length: int,
                filled: bool = False) -> tuple[dict[str, float] | None, float | None]:
    """Token lengths of (a sample of) the texts; `filled`: blank texts are left out already."""
    filled = texts if filled else [t for t in texts if t.strip()]
    if not filled:
        return None, None
    if len(filled) > TOKEN_SAMPLE:
        filled = random.Random(0).sample(filled, TOKEN_SAMPLE)
    lengths = np.array([len(ids) for ids in _encode(tokenizer, filled)])
    stats = {"mean": round(float(lengths.mean()), 1), "median": float(np.median(lengths)),
             "p95": float(np.percentile(lengths, 95)), "max": float(lengths.max())}
    return stats, round(float((lengths > max_length).mean()), 4)


def _encode(tokenizer: Any, texts: list[str]) -> list:
    try:  # one batch call, nothing cut, no warning per long text
        return tokenizer(texts, truncation=False, verbose=False, return_attention_mask=False,
                         return_token_type_ids=False)["input_ids"]
    except TypeError:  # a tokenizer that takes no options
        return tokenizer(texts)["input_ids"]
