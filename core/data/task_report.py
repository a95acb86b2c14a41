"""The data check for several labels per text or a number per text: counts per label or a histogram of the
scores, and the findings that belong to those tasks (labels never used, rows with no label, a label on every
row). The general findings that count single labels (one label, rare classes, imbalance) make no sense there and
are left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.data.multilabel import label_set_names
from core.data.problems import MIN_CLASS_ROWS, Problem
from core.wording import counted, listed

if TYPE_CHECKING:
    from core.data.check import DataReport
    from core.data.task_texts import TaskTexts

# single-label counting: wrong for label sets (each set is not a class) and for numbers
NOT_FOR = {"multi-label": {"one_label", "small_classes", "imbalance", "label_variants", "unlabelled"},
           "regression": {"one_label", "small_classes", "imbalance", "label_variants"}}
HISTOGRAM_BINS = 20


def describe_other_task(report: DataReport, data: TaskTexts) -> None:
    """Fill in the report's task, its reason, the label columns and the task's counts."""
    report.task, report.task_reason = data.task, data.task_reason
    report.label_columns = list(data.label_columns)
    texts = [bool(t.strip()) for t in data.texts]
    if data.task == "multi-label":
        sets = [s for s, has_text in zip(data.label_sets, texts, strict=True) if has_text]
        used = label_set_names(sets)
        counts = {name: sum(1 for s in sets if name in s) for name in used}
        report.label_counts = counts
        report.small_classes, report.label_variants = [], {}  # single-label counts; rare labels go below
        named = [c for c in data.label_columns if len(data.label_columns) > 1]
        report.task_details = {
            "labels": used, "label_counts": counts, "no_label_rows": sum(1 for s in sets if not s),
            "labels_per_row": round(sum(len(s) for s in sets) / max(1, len(sets)), 3),
            "never_used": [c for c in named if c not in counts],
            "on_every_row": [n for n, c in counts.items() if sets and c == len(sets)],
            "rare_labels": [n for n, c in counts.items() if c < MIN_CLASS_ROWS],
            "separator": data.label_separator}
    else:
        scores = [v for v, has_text in zip(data.scores, texts, strict=True) if has_text and v is not None]
        report.label_counts, report.small_classes, report.label_variants = {}, [], {}
        report.task_details = _score_summary(scores)
        report.unlabelled = sum(1 for v, has_text in zip(data.scores, texts, strict=True) if has_text and v is None)


def _score_summary(scores: list[float]) -> dict:
    import numpy as np

    if not scores:
        return {"count": 0}
    values = np.asarray(scores, dtype=float)
    distinct = np.unique(values)
    if len(distinct) <= HISTOGRAM_BINS:  # ratings 1..5: one bar per value
        counts = [int((values == v).sum()) for v in distinct]
        edges = [float(v) for v in distinct]
    else:
        hist, bin_edges = np.histogram(values, bins=HISTOGRAM_BINS)
        counts, edges = [int(c) for c in hist], [float(e) for e in bin_edges]
    return {"count": len(values), "min": float(values.min()), "max": float(values.max()),
            "mean": float(values.mean()), "std": float(values.std()), "distinct": int(len(distinct)),
            "histogram": {"edges": edges, "counts": counts, "per_value": len(distinct) <= HISTOGRAM_BINS}}


def other_task_problems(report: DataReport, general: list[Problem]) -> list[Problem]:
    """The general findings that apply to this task, then the task's own."""
    kept = [p for p in general if p.code not in NOT_FOR.get(report.task, set())]
    checks = _multi_label_checks if report.task == "multi-label" else _score_checks
    own = [p for check in checks for p in [check(report)] if p is not None]
    return sorted(kept + own, key=lambda p: p.severity != "error")


def _never_used(report: DataReport) -> Problem | None:
    unused = report.task_details.get("never_used") or []
    if not unused:
        return None
    names = ", ".join(f"'{n}'" for n in unused)
    return Problem("warning", "labels_never_used",
                   f"The label column{'s' if len(unused) > 1 else ''} {names} {'is' if len(unused) == 1 else 'are'} "
                   "never 1, so the model cannot learn " + ("it." if len(unused) == 1 else "them."),
                   "Mark the rows those labels apply to, or leave those columns out.", len(unused))


def _no_label(report: DataReport) -> Problem | None:
    n = report.task_details.get("no_label_rows", 0)
    if not n:
        return None
    return Problem("warning", "no_label_rows",
                   f"{counted(n, 'row', 'has', 'have')} no label at all; {'it is' if n == 1 else 'they are'} kept "
                   "and teach the model that none of the labels applies.",
                   "If they are simply not labelled yet, label them or drop them before training.", n)


def _every_row(report: DataReport) -> Problem | None:
    everywhere = report.task_details.get("on_every_row") or []
    if not everywhere:
        return None
    names = ", ".join(f"'{n}'" for n in everywhere)
    return Problem("warning", "label_on_every_row",
                   f"Every row has the label {names}, so the model learns nothing about telling it apart.",
                   "Add rows without it, or leave that label out.", len(everywhere))


def _rare_labels(report: DataReport) -> Problem | None:
    rare = report.task_details.get("rare_labels") or []
    if not rare:
        return None
    named = listed([f"'{n}' ({report.label_counts[n]})" for n in rare])
    return Problem("warning", "rare_labels", f"Few rows have the label{'s' if len(rare) > 1 else ''} {named}.",
                   f"Add rows so that each label is on at least {MIN_CLASS_ROWS}.", len(rare))


def _one_score(report: DataReport) -> Problem | None:
    if report.task_details.get("distinct", 2) >= 2:
        return None
    return Problem("error", "one_score", "Every row has the same score, so there is nothing to learn.",
                   "Choose the column that holds the scores.", report.rows)


_multi_label_checks = (_never_used, _no_label, _every_row, _rare_labels)
_score_checks = (_one_score,)
