"""Quick and few-shot models learn one label per single text: any other data is refused before any work starts.

Checked when a run is made (core.runs.runner.check_data, so the command line and the Train page's Start both
say it at once), again in the run itself, and by the Train page as soon as such a method is picked.
"""

from __future__ import annotations

from core.errors import DataError

SINGLE_TEXT_METHODS = ("quick", "few-shot")
_WHAT = {"multi-label": "several labels per text", "regression": "a number per text, not labels",
         "pairs": "pairs of texts"}
_FIX = {"multi-label": "Choose the fine-tune method, which learns several labels per text.",
        "regression": "Choose the fine-tune method, which learns to predict a number.",
        "pairs": "Choose the fine-tune method, which reads both texts of a pair together."}


class MethodRefused(DataError):
    """A quick or few-shot run on data it cannot learn; `code` says which kind ("multi-label", "regression",
    "pairs"), for the pages' own wording."""

    def __init__(self, method: str, code: str) -> None:
        name = "Few-shot" if method == "few-shot" else "Quick"
        super().__init__(f"{name} models learn one label per single text, and this data holds {_WHAT[code]}.",
                         _FIX[code])
        self.method, self.code = method, code


def unsupported_kind(task: str | None, has_pairs: bool) -> str | None:
    """What a quick or few-shot model cannot learn in this data ("multi-label", "regression", "pairs"), or None."""
    if task in ("multi-label", "regression"):
        return task
    return "pairs" if has_pairs else None


def refusal(method: str, rows) -> MethodRefused | None:
    """The refusal for `rows` (LabelledTexts/TaskTexts or a prepared split) under `method`; None when it can learn."""
    if method not in SINGLE_TEXT_METHODS:
        return None
    kind = unsupported_kind(getattr(rows, "task", "single-label"), getattr(rows, "text_pairs", None) is not None)
    return MethodRefused(method, kind) if kind else None


def refuse_unsupported(method: str, rows) -> None:
    problem = refusal(method, rows)
    if problem is not None:
        raise problem
