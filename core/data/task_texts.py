"""What a dataset asks the model to learn (one label, several labels, or a number per text), and its rows read so.

`load_task_texts` is `load_texts` plus the task: detected from the label column's cells ("the label column holds
several labels separated by ';'"), or chosen (`--task`, `--label-columns A,B,C`, `--label-separator S`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.data.files import read_table
from core.data.multilabel import (
    cell_text,
    find_separator,
    holds_json_lists,
    label_set_names,
    labels_from_columns,
    shown,
    split_cell,
    zero_one_column,
)
from core.data.scores import read_scores, score_reason
from core.data.texts import LabelledTexts, load_texts, prepare_for_training
from core.errors import DataError
from core.wording import counted

TASKS = ("auto", "single-label", "multi-label", "regression")


@dataclass
class TaskTexts(LabelledTexts):
    """Rows of a multi-label or regression dataset: `labels` holds each row's labels as one readable cell
    ('物流; 价格') or its number as text, `label_sets` and `scores` what the model learns from."""

    task: str = "single-label"
    task_reason: str = ""
    label_sets: list[list[str]] | None = None  # multi-label: each row's labels (possibly none)
    scores: list[float | None] | None = None  # regression: each row's number (None where blank)
    label_columns: list[str] = field(default_factory=list)
    label_separator: str | None = None

    def subset(self, indices) -> TaskTexts:
        picked = [int(i) for i in indices]
        part = super().subset(picked)
        part.label_sets = None if self.label_sets is None else [self.label_sets[i] for i in picked]
        part.scores = None if self.scores is None else [self.scores[i] for i in picked]
        return part


def task_of(data: LabelledTexts) -> str:
    return getattr(data, "task", "single-label")


def split_columns(value: str | list[str] | None) -> list[str]:
    """'A,B,C' (or a list) as column names; '' or None as none."""
    if not value:
        return []
    items = value if isinstance(value, list) else str(value).replace("，", ",").split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def load_task_texts(path: str | Path, text_column: str | None = None, label_column: str | None = None,
                    text_pair_column: str | None = None, task: str = "auto",
                    label_columns: str | list[str] | None = None, separator: str | None = None) -> LabelledTexts:
    """Read a file with its task: plain LabelledTexts for single labels, TaskTexts for several labels or a score."""
    task = task or "auto"
    if task not in TASKS:
        raise DataError(f"The task '{task}' is unknown.", f"Pick one of: {', '.join(TASKS)}.")
    columns = split_columns(label_columns)
    name = Path(path).name
    if columns:
        if task not in ("auto", "multi-label"):
            raise DataError("Several label columns make a multi-label task.",
                            "Leave out --label-columns, or use --task multi-label.")
        table = read_table(path)
        data = load_texts(path, text_column, "", text_pair_column, table=table)
        frame = table.frame
        sets = labels_from_columns(frame, columns, name)
        reason = f"the labels come from {len(columns)} columns of 0/1 ({', '.join(columns)})"
        return _multi(data, sets, columns, None, reason)
    table = read_table(path)  # read once: the other columns are looked at too when they may hold the labels
    data = load_texts(path, text_column, label_column, text_pair_column, table=table)
    if task == "single-label" or label_column == "":
        return data
    frame = table.frame
    ones = data.label_column is None or zero_one_column(pd.Series(data.labels, dtype=object))
    if label_column is None and task in ("auto", "multi-label") and ones:
        found = _zero_one_columns(frame, data)
        if len(found) >= 2 and (data.label_column is None or data.label_column in found):
            return _multi(data, labels_from_columns(frame, found, name), found, None,
                          f"the columns {', '.join(found)} hold only 0 and 1, one per label")
    if data.label_column is None and label_column is None and task in ("auto", "regression"):
        data.label_column = _score_column(frame, data)  # scores with fractions are never taken for labels
        if data.label_column is None:
            return data
        data.warnings = [w for w in data.warnings if not w.startswith("No label column was found")]
        column = frame[data.label_column].tolist()
    elif data.label_column is None:
        return data
    else:
        column = data.labels
    chosen, reason, sep = _detect(_cell_counts(column), data.label_column, task, separator)
    if chosen == "single-label":
        return data
    cells = [cell_text(v) for v in column]
    if chosen == "multi-label":
        return _multi(data, [split_cell(c, sep) for c in cells], [data.label_column], sep, reason)
    if chosen == "regression":
        scores = read_scores(cells, data.label_column, name)
        return _as_task(data, "regression", reason, scores=scores, labels=[_number_text(v) for v in scores],
                        label_columns=[data.label_column])
    return data


def _cell_counts(values: list) -> Counter:
    """How many rows hold each cell, as text: the detection looks at each distinct cell once, not at every row."""
    counts: Counter = Counter()
    for value, n in Counter(values).items():
        counts[cell_text(value)] += n
    return counts


def _detect(cells: Counter, column: str, task: str, separator: str | None) -> tuple[str, str, str | None]:
    """(task, why, separator) for a label column's cells (each with how many rows hold it)."""
    if task == "regression":
        return task, f"the task was chosen: the numbers in '{column}' are learned as a score", None
    if task == "single-label":
        return task, "", None
    sep = separator or find_separator(cells)
    if task == "multi-label":
        why = f"separated by '{sep}'" if sep else "as JSON lists" if holds_json_lists(cells) else "one per row"
        return task, f"the task was chosen: the column '{column}' holds labels {why}", sep
    if separator:
        return "multi-label", f"the labels in '{column}' are separated by '{separator}', as chosen", separator
    if holds_json_lists(cells):
        return "multi-label", f"the label column '{column}' holds lists of labels (JSON)", None
    if sep:
        return "multi-label", f"the label column '{column}' holds several labels separated by '{sep}'", sep
    why = score_reason(cells, column)
    if why:
        return "regression", why, None
    return "single-label", "", None


def _score_column(frame, data: LabelledTexts) -> str | None:
    skip = {data.text_column, data.text_pair_column}
    return next((str(c) for c in frame.columns if c not in skip
                 and score_reason(_cell_counts(frame[c].tolist()), str(c))), None)


def _zero_one_columns(frame, data: LabelledTexts) -> list[str]:
    skip = {data.text_column, data.text_pair_column}
    return [str(c) for c in frame.columns if c not in skip and zero_one_column(frame[c])]


def _multi(data: LabelledTexts, sets: list[list[str]], columns: list[str], separator: str | None,
           reason: str) -> TaskTexts:
    return _as_task(data, "multi-label", reason, label_sets=sets, labels=[shown(s) if s else None for s in sets],
                    label_columns=columns, label_separator=separator,
                    label_column=columns[0] if len(columns) == 1 else ", ".join(columns))


def _as_task(data: LabelledTexts, task: str, reason: str, **values) -> TaskTexts:
    base = {f: getattr(data, f) for f in LabelledTexts.__dataclass_fields__}
    base.update({k: v for k, v in values.items() if k in base})
    extra = {k: v for k, v in values.items() if k not in base}
    return TaskTexts(**base, task=task, task_reason=reason[:1].upper() + reason[1:] + ".", **extra)


def _number_text(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def prepare_task_rows(data: LabelledTexts) -> LabelledTexts:
    """Rows a model can learn from, for any task: single labels as before; several labels: every row with a text
    (no label at all is an answer too), at least two labels in use; scores: rows with a text and a number."""
    task = task_of(data)
    if task == "single-label":
        return prepare_for_training(data)
    keep = [i for i, t in enumerate(data.texts) if t.strip() and (task != "regression" or data.scores[i] is not None)]
    if not keep:
        raise DataError("No row has both a text and a label.",
                        "Check that the right columns are chosen as text and label.")
    rows = data.subset(keep)
    if len(keep) < len(data):
        rows.warnings.append(f"{counted(len(data) - len(keep), 'row')} without a text or a score "
                             f"{'was' if len(data) - len(keep) == 1 else 'were'} left out.")
    if task == "multi-label" and len(label_set_names(rows.label_sets)) < 2:
        names = label_set_names(rows.label_sets)
        raise DataError(f"The rows use {'only the label ' + repr(names[0]) if names else 'no label at all'}; "
                        "a multi-label model needs at least two labels.",
                        "Check the label column and its separator, or choose --task single-label.")
    if task == "regression" and len({v for v in rows.scores}) < 2:
        raise DataError("Every row has the same score, so there is nothing to learn.",
                        "Choose the column that holds the scores.")
    return rows


def task_split(data: TaskTexts, val_fraction: float, test_fraction: float, seed: int):
    """(train, validation, test) for several labels or scores: random rows, each part in file order.

    Stratifying by label needs one label per row; with several (or a number) a random split keeps each part alike.
    """
    import random

    order = list(range(len(data)))
    random.Random(seed).shuffle(order)
    n_test = math.ceil(test_fraction * len(order)) if test_fraction else 0
    n_val = math.ceil(val_fraction * len(order)) if val_fraction else 0
    if len(order) - n_test - n_val < 2:
        raise DataError(f"There are too few rows ({len(order)}) to hold some out and still learn.", "Add more rows.")
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    return data.subset(sorted(train)), data.subset(sorted(val)), data.subset(sorted(test))
