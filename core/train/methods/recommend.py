"""Which method to use for the labelled rows at hand, and why, from the rows per label.

SetFit's own results (8 labelled texts per label match full fine-tuning of far larger models on several
benchmarks) set the few-shot range; below a handful per label a model in seconds (quick) is the honest
start, and with a few hundred rows per label a full fine-tune learns most.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from core.train.methods.enough import need_more_labels

QUICK_UP_TO = 4        # rows in the rarest label: at most this many, quick
FEW_SHOT_UP_TO = 64    # at most this many, few-shot; more, fine-tune


@dataclass
class Recommendation:
    method: str | None     # None: too few labels for any method
    reason: str            # a key the pages translate: "tiny", "few", "enough", "too_few"
    rarest: int            # rows of the rarest label
    rarest_label: str | None
    problem: str | None = None  # for too_few: the sentence saying how many more labels are needed


def recommend(texts: list[str], labels: list[str | None]) -> Recommendation:
    counts = Counter(lab for lab in labels if lab)
    rarest_label, rarest = min(counts.items(), key=lambda kv: (kv[1], kv[0])) if counts else (None, 0)
    problem = need_more_labels(texts, labels)
    if problem:
        return Recommendation(None, "too_few", rarest, rarest_label, problem)
    if rarest <= QUICK_UP_TO:
        return Recommendation("quick", "tiny", rarest, rarest_label)
    if rarest <= FEW_SHOT_UP_TO:
        return Recommendation("few-shot", "few", rarest, rarest_label)
    return Recommendation("fine-tune", "enough", rarest, rarest_label)
