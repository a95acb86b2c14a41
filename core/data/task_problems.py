"""The data check's findings that belong to a task: pairs with a blank side, and what task the data holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.data.problems import Problem
from core.wording import counted

if TYPE_CHECKING:
    from core.data.check import DataReport
    from core.data.texts import LabelledTexts


def describe_task(report: DataReport, data: LabelledTexts) -> None:
    """Fill in the report's task, its reason and the pair counts."""
    report.text_pair_column = data.text_pair_column
    report.label_columns = [data.label_column] if data.label_column else []
    if data.text_pairs is not None:
        report.blank_pairs = sum(1 for t, p in zip(data.texts, data.text_pairs, strict=True)
                                 if t.strip() and not p.strip())
    pair = (f" Each row is a pair of texts: '{data.text_column}' and '{data.text_pair_column}', read together."
            if data.text_pair_column else "")
    report.task_reason = f"Each row has one label from the column '{data.label_column}'.{pair}".strip() \
        if data.label_column else pair.strip()
    if getattr(data, "task", "single-label") != "single-label":  # several labels, or a score
        from core.data.task_report import describe_other_task

        describe_other_task(report, data)
        report.task_reason = (report.task_reason + pair).strip()


def task_problems(report: DataReport, general: list[Problem] | None = None) -> list[Problem]:
    """The general findings (those that fit the task), then the task's own."""
    general = list(general or [])
    if report.task != "single-label":
        from core.data.task_report import other_task_problems

        general = other_task_problems(report, general)
    found = [_blank_pairs(report)]
    return general + [p for p in found if p is not None]


def _blank_pairs(report: DataReport) -> Problem | None:
    n = report.blank_pairs
    if not n:
        return None
    return Problem("warning", "blank_pairs",
                   f"{counted(n, 'row', 'has', 'have')} a blank second text ('{report.text_pair_column}'); "
                   f"{'it is' if n == 1 else 'they are'} kept and read as the first text alone.",
                   "Fill in the second texts, or drop those rows if a pair needs both sides.", n)
