"""The data check's one-click fixes: each returns new LabelledTexts and leaves its input untouched."""

from __future__ import annotations

import pandas as pd

from core.data.counts import count_frame, spelling_groups, trainable_counts
from core.data.problems import MIN_CLASS_ROWS
from core.data.texts import LabelledTexts


def drop_blank_texts(data: LabelledTexts) -> LabelledTexts:
    """The data without rows whose text is empty or only spaces."""
    return data.subset(i for i, t in enumerate(data.texts) if t.strip())


def drop_duplicates(data: LabelledTexts) -> LabelledTexts:
    """One row per text: repeats go, and so do conflicting repeats.

    Of texts that occur with different labels the first labelled occurrence is kept: dropping every
    copy would silently lose texts, while keeping the first is predictable and the report has
    already told the user which texts disagree. Blank texts are left to `drop_blank_texts`.
    """
    frame = pd.DataFrame({"key": [t.strip() for t in data.texts], "unlabelled": [lab is None for lab in data.labels]})
    order = frame.sort_values("unlabelled", kind="stable")  # a labelled copy beats an unlabelled one
    keep = ~order.duplicated("key") | (order["key"] == "")
    return data.subset(sorted(order.index[keep]))


def merge_label_variants(data: LabelledTexts) -> LabelledTexts:
    """Every spelling of a label replaced by its most common spelling, stripped."""
    mapping = {}
    for spellings in spelling_groups(count_frame(data)).values():
        for spelling in spellings:
            mapping[spelling] = spellings[0].strip()
    merged = data.subset(range(len(data)))
    merged.labels = [mapping.get(lab, lab) if lab is not None else None for lab in data.labels]
    return merged


def drop_small_classes(data: LabelledTexts, min_rows: int = MIN_CLASS_ROWS) -> LabelledTexts:
    """The data without labels that have fewer than `min_rows` usable rows; unlabelled rows stay."""
    counts = trainable_counts(count_frame(data))
    small = {k for k, n in counts.items() if n < min_rows}
    return data.subset(i for i, lab in enumerate(data.labels) if lab is None or lab.strip() not in small)
