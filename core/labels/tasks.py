"""What a labelling project asks for: one label per text, several (or none), or a number; with one text or two.

Every task keeps its answer in the same `label_rows.label` cell, so undo, history, claims and conflicts work
alike for all of them:

- single-label: the label itself ('positive');
- multi-label: a JSON list in the label set's sort order ('["billing", "shipping"]'); '[]' means the text was
  looked at and has none of the labels, NULL that nobody has labelled it yet;
- regression: the number as text ('3.5').

This module turns a page's answer into that cell and back, reads a file's labels into cells when a project
starts, and writes the labelled rows back out so that core.data detects the same task when training reads them.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable

from core.data.multilabel import shown as shown_labels
from core.data.scores import as_number
from core.data.texts import LabelledTexts, label_names, label_sort_key
from core.labels.records import LabelError, clean_label

SINGLE, MULTI, SCORE = "single-label", "multi-label", "regression"
TASKS = (SINGLE, MULTI, SCORE)
DEFAULT_RANGE = (1.0, 5.0)  # a rating scale when no row has a score yet
SEPARATORS = re.compile(r"[;；,，、|\n]+")  # several labels typed in one cell: "billing; shipping" or "物流、价格"
# columns written for training, by what core.data detects: 'score' is named like a score, text_a/text_b as a pair
TEXT, SECOND, LABEL, SCORE_COLUMN = "text", "text_b", "label", "score"
PAIR_FIRST = "text_a"

# columns added after the first release: older workspaces get them on first open, every project single-label
MIGRATIONS = (("label_projects", "task", "TEXT NOT NULL DEFAULT 'single-label'"),
              ("label_projects", "text_pair_column", "TEXT"),
              ("label_rows", "text_pair", "TEXT"))


def migrate(db: sqlite3.Connection) -> None:
    """Add the task columns to a workspace database made before projects had a task."""
    for table, column, kind in MIGRATIONS:
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            try:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as error:  # another process added it a moment ago
                if "duplicate column" not in str(error):
                    raise


def check_task(task: str) -> str:
    if task not in TASKS:
        raise LabelError(f"A labelling project cannot have the task '{task}'.", f"Pick one of: {', '.join(TASKS)}.")
    return task


def project_task(db: sqlite3.Connection, project: int) -> str:
    found = db.execute("SELECT task FROM label_projects WHERE id = ?", (project,)).fetchone()
    return (found[0] if found else None) or SINGLE


# an answer as stored, and back ----------------------------------------------------------------------------------
def stored(task: str, value, row: int | None = None) -> str | None:
    """The label cell for an answer: a label, a list of labels (or 'a; b'), or a number (or '3.5'); None clears."""
    if task == MULTI:
        return _stored_labels(value)
    if task == SCORE:
        return _stored_score(value, row)
    return clean_label(value)


def _stored_labels(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = read(MULTI, value) if value.strip().startswith("[") else SEPARATORS.split(value)
    names = sorted({n for n in (clean_label(v) for v in value) if n}, key=label_sort_key)
    return json.dumps(names, ensure_ascii=False)


def _stored_score(value, row: int | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    number = float(value) if isinstance(value, int | float) else as_number(str(value).strip())
    if number is None:
        return None
    if math.isnan(number) or math.isinf(number):
        where = f"Text {row + 1} holds" if row is not None else "You typed"
        raise LabelError(f"{where} '{str(value).strip()[:40]}', which is not a number, so nothing was saved.",
                         "Type a number such as 4 or 3.5, or clear the cell.")
    return f"{number:g}"


def read(task: str, cell: str | None):
    """A stored cell as the page uses it: the label, the list of labels, or the number; None when unlabelled."""
    if cell is None:
        return None
    if task == MULTI:
        try:
            value = json.loads(cell)
        except ValueError:
            return [cell]  # a single label written before the project knew it had several
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if task == SCORE:
        number = as_number(cell)
        return None if number is None or math.isnan(number) else number
    return cell


def shown(task: str, cell: str | None) -> str | None:
    """A stored cell in words for tables and messages: 'billing; shipping', '3.5' or the label."""
    value = read(task, cell)
    if task == MULTI and value is not None:
        return shown_labels(value)
    if task == SCORE and value is not None:
        return f"{value:g}"
    return value


def label_names_in(task: str, cells: Iterable[str | None]) -> list[str]:
    """The labels the cells use: the label set a new project starts with (none for scores)."""
    if task == SCORE:
        return []
    if task == MULTI:
        return label_names(n for cell in cells for n in (read(MULTI, cell) or []))
    return label_names(cells)


# a file's labels taken over --------------------------------------------------------------------------------------
def file_cells(data: LabelledTexts, task: str) -> list[str | None]:
    """Each row's label cell for a new project; a blank cell stays unlabelled, to be looked at."""
    if task == MULTI:
        sets = getattr(data, "label_sets", None)
        if sets is not None:
            return [_stored_labels(s) if s else None for s in sets]
        return [_stored_labels(lab) if lab and lab.strip() else None for lab in data.labels]
    if task == SCORE:
        scores = getattr(data, "scores", None)
        if scores is not None:
            return [None if v is None else f"{v:g}" for v in scores]
        return [_stored_score(lab, i) for i, lab in enumerate(data.labels)]
    return [clean_label(lab) for lab in data.labels]


# per-task SQL ----------------------------------------------------------------------------------------------------
def multi_counts(db: sqlite3.Connection, project: int) -> tuple[dict[str, int], int]:
    """({label: texts with it}, texts labelled with none of the labels) for a multi-label project."""
    counts = {r[0]: r[1] for r in db.execute(
        "SELECT j.value, COUNT(*) FROM label_rows, json_each(label_rows.label) AS j "
        "WHERE project_id = ? AND label IS NOT NULL AND json_valid(label) GROUP BY j.value", (project,))}
    none = db.execute("SELECT COUNT(*) FROM label_rows WHERE project_id = ? AND label = '[]'", (project,)).fetchone()
    return counts, int(none[0])


def score_summary(db: sqlite3.Connection, project: int) -> dict:
    """The lowest and highest number among a regression project's labelled rows, how many differ, and how many
    have a fraction (then the slider moves in tenths, not whole steps)."""
    low, high, distinct, fractions = db.execute(
        "SELECT MIN(CAST(label AS REAL)), MAX(CAST(label AS REAL)), COUNT(DISTINCT CAST(label AS REAL)), "
        "SUM(CAST(label AS REAL) != ROUND(CAST(label AS REAL))) "
        "FROM label_rows WHERE project_id = ? AND label IS NOT NULL", (project,)).fetchone()
    return {"low": low, "high": high, "scores": int(distinct or 0), "fractions": int(fractions or 0)}


def score_range(low: float | None, high: float | None) -> tuple[float, float]:
    """The slider's range: the scores the project holds, else 1-5 (widened to hold a lone score)."""
    if low is None or high is None or low == high:
        base_low, base_high = DEFAULT_RANGE
        return (min(base_low, low if low is not None else base_low), max(base_high, high if high is not None
                                                                         else base_high))
    return float(low), float(high)


def multi_relabel(db: sqlite3.Connection, project: int, old: str, new: str | None) -> dict[int, tuple[str, str]]:
    """{row: (old cell, new cell)} for every text holding `old`: renamed to `new`, or taken off (None)."""
    changes = {}
    for row, cell in db.execute('SELECT "row", label FROM label_rows, json_each(label_rows.label) AS j '
                                "WHERE project_id = ? AND label IS NOT NULL AND json_valid(label) AND j.value = ?",
                                (project, old)):
        names = [n for n in read(MULTI, cell) if n != old] + ([new] if new else [])
        changes[int(row)] = (cell, _stored_labels(names))
    return changes


def label_condition(task: str) -> str:
    """The SQL that keeps the rows with one label, for the table view's label filter."""
    if task == MULTI:
        return "label IS NOT NULL AND json_valid(label) AND EXISTS (SELECT 1 FROM json_each(label) WHERE value = ?)"
    return "label = ?"


# handing the labels on ----------------------------------------------------------------------------------------------
def training_columns(task: str, pairs: bool) -> dict[str, str]:
    """The columns a training file is written with, named so that core.data detects the task and the pair."""
    return {"text": PAIR_FIRST if pairs else TEXT, "text_pair": SECOND if pairs else "",
            "label": SCORE_COLUMN if task == SCORE else LABEL}


def training_cells(task: str, cells: list[str | None]) -> list[str | None]:
    """Label cells as a training file holds them: several labels joined with ';', numbers as they are."""
    if task == MULTI:
        return [";".join(read(MULTI, c) or []) if c is not None else None for c in cells]
    return [shown(task, c) for c in cells]


def json_cells(task: str, cells: list[str | None]) -> list[str | None]:
    """Several labels as JSON lists ('["a;b", "c"]'): what core.data reads as several labels whatever they hold."""
    return [json.dumps(read(MULTI, c), ensure_ascii=False) if c is not None else None for c in cells]


def detected_task(path) -> str:
    """The task core.data detects in a written file, as `python -m core inspect-data` and training read it."""
    from core.data.task_texts import load_task_texts, task_of

    return task_of(load_task_texts(path))
