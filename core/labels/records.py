"""What the label store hands out: projects, rows, progress, an undone change, and its errors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from core.errors import StudioError

NUMBER_KEYS = 9  # labels 1-9 get a number key on the Label page
CLAIM_SECONDS = 300.0  # long enough to read a long text; short enough that a closed tab frees its row soon


class LabelError(StudioError):
    """A labelling project, row or label that does not exist or cannot be used as asked."""

    kind = "labels"


class LabelConflict(LabelError):
    """Someone else changed a row after this tab read it; `label` and `version` are what it holds now."""

    kind = "label_conflict"

    def __init__(self, row: int, label: str | None, version: int) -> None:
        self.row, self.label, self.version = row, label, version
        said = f"labelled this row a moment ago as '{label}'" if label else "cleared this row's label a moment ago"
        super().__init__(f"Someone else {said}.", "Keep their label, or choose yours again to replace it.")


@dataclass
class Project:
    id: int
    name: str
    source: str
    text_column: str
    label_column: str | None
    created_at: float
    task: str = "single-label"  # or "multi-label" (several labels, or none) or "regression" (a number)
    text_pair_column: str | None = None  # set when every text comes with a second one (pairs)

    @property
    def pairs(self) -> bool:
        return bool(self.text_pair_column)


@dataclass
class LabelRow:
    """One text of a project as a tab sees it; pass `version` back to `set_label` to detect a clash."""

    row: int
    text: str
    label: str | None  # as stored: a label, a JSON list of labels or a number (core.labels.tasks.read)
    version: int
    text_pair: str | None = None  # the second text, for pairs


@dataclass
class Progress:
    labelled: int
    total: int
    per_label: dict[str, int] = field(default_factory=dict)  # in label-set order, zeros included
    task: str = "single-label"
    no_label: int = 0  # multi-label: texts looked at that have none of the labels
    scores: int = 0  # regression: how many different numbers are given
    low: float | None = None  # regression: the lowest and highest number given
    high: float | None = None
    fractions: int = 0  # regression: how many of the numbers given have a fraction

    @property
    def ready(self) -> bool:
        """Enough to train on: two labels in use, or two different numbers."""
        if self.task == "regression":
            return self.scores >= 2
        return sum(1 for n in self.per_label.values() if n) >= 2

    @property
    def share(self) -> float:
        return self.labelled / self.total if self.total else 0.0

    @property
    def done(self) -> bool:
        return self.labelled == self.total


@dataclass
class Undone:
    """What `undo` reverted: the rows it gave back their labels, and the rows it left because others changed them."""

    kind: str
    rows: list[int]
    kept: list[int]


def new_session_id() -> str:
    """An id for one browser tab, so undo and row claims know whose change is whose."""
    return uuid.uuid4().hex


def clean_label(label: str | None) -> str | None:
    """A label as stored: stripped; a blank label means 'no label'."""
    if label is None:
        return None
    label = str(label).strip()
    return label or None
