"""Whether a few labelled rows are enough for a quick or few-shot model, said in one plain sentence if not."""

from __future__ import annotations

from collections import Counter

from core.errors import DataError

MIN_PER_LABEL = 2  # a logistic regression (and SetFit's pairs) needs two texts of a label to learn it


def need_more_labels(texts: list[str], labels: list[str | None]) -> str | None:
    """None when the labelled rows can train a model; else a sentence saying how many more labels are needed."""
    counts = Counter(lab for lab in labels if lab)
    if not counts:
        return (f"Nothing is labelled yet; label at least {MIN_PER_LABEL} texts of each of two labels "
                f"({MIN_PER_LABEL * 2} labels at the least).")
    if len(counts) < 2:
        return (f"Only the label '{next(iter(counts))}' is used so far; label at least {MIN_PER_LABEL} texts "
                "with another label.")
    short = {name: MIN_PER_LABEL - n for name, n in sorted(counts.items()) if n < MIN_PER_LABEL}
    if short:
        which = ", ".join(f"'{name}' {n} more" for name, n in short.items())
        return f"Every label needs at least {MIN_PER_LABEL} labelled texts: label {which}."
    if len({t.strip() for t, lab in zip(texts, labels, strict=True) if lab}) < 2:
        return "All the labelled texts are the same text; label at least 2 different texts of each label."
    return None


def require_enough(texts: list[str], labels: list[str | None]) -> None:
    problem = need_more_labels(texts, labels)
    if problem:
        raise DataError(problem, "Label a few more rows on the Label page (or add them to the file), then start "
                                 "again.")
