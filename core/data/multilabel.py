"""Several labels per text: read from one column (separated, or JSON lists) or from several 0/1 columns."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd

from core.errors import DataError
from core.wording import counted, file_rows

# the separators people put between tags, the Chinese full-width comma and enumeration comma included;
# the comma last: a single label is likelier to hold a comma ("good, but slow") than a ';' or '|'
SEPARATORS = (";", "|", "，", "、", "；", ",")
TRUE_CELLS = {"1", "1.0", "true", "yes", "y", "是", "x"}
FALSE_CELLS = {"0", "0.0", "false", "no", "n", "否", ""}


def cell_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None or pd.isna(value) else str(value).strip()


def json_labels(cell: str) -> list[str] | None:
    """The labels of a cell written as a JSON list ('["物流", "价格"]'); None when it is not one."""
    if not (cell.startswith("[") and cell.endswith("]")):
        return None
    try:
        value = json.loads(cell)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    return unique([str(v).strip() for v in value if str(v).strip()])


def unique(labels: list[str]) -> list[str]:
    return list(dict.fromkeys(labels))


def split_cell(cell: str, separator: str | None) -> list[str]:
    """A cell's labels: a JSON list, or parts between separators; a blank cell has none."""
    if not cell:
        return []
    found = json_labels(cell)
    if found is not None:
        return found
    if separator is None:
        return [cell]
    return unique([part.strip() for part in cell.split(separator) if part.strip()])


def filled_counts(cells: list[str] | Counter) -> dict[str, int]:
    """Each non-blank cell and how many rows hold it: a million rows of labels are a few cells, each looked at once."""
    counts = cells if isinstance(cells, Counter) else Counter(cells)
    return {c: n for c, n in counts.items() if c}


def find_separator(cells: list[str] | Counter) -> str | None:
    """The separator that turns the column's cells into a few labels repeated across rows; None when none does.

    A separator counts when it appears in at least 5% of the labelled cells (and twice) and splitting by it gives
    fewer distinct labels than there are distinct cells: tags repeat, whole sentences with a comma do not.
    """
    filled = filled_counts(cells)
    if not filled:
        return None
    rows = sum(filled.values())
    for separator in SEPARATORS:
        holding = sum(n for c, n in filled.items() if separator in c)
        if holding < max(2, 0.05 * rows):
            continue
        parts: Counter = Counter()
        for cell, n in filled.items():
            for part in cell.split(separator):
                if part.strip():
                    parts[part.strip()] += n
        repeated = sum(n for n in parts.values() if n > 1) / max(1, sum(parts.values()))
        if len(parts) < len(filled) and repeated >= 0.8:
            return separator
    return None


def holds_json_lists(cells: list[str] | Counter) -> bool:
    filled = filled_counts(cells)
    listed = sum(n for c, n in filled.items() if json_labels(c) is not None)
    return bool(filled) and listed >= 0.9 * sum(filled.values())


def zero_one_column(series: pd.Series) -> bool:
    """Whether a column holds only 0/1 (or true/false, yes/no) and at least one 1."""
    cells = {cell_text(v).casefold() for v in series.unique()}  # each distinct cell once
    return cells <= TRUE_CELLS | FALSE_CELLS and bool(cells & TRUE_CELLS)


def labels_from_columns(frame: pd.DataFrame, columns: list[str], source: str) -> list[list[str]]:
    """Each row's labels: the names of the 0/1 columns holding a 1 in it."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"There is no column '{missing[0]}' in {source}.",
                        f"Pick label columns among: {', '.join(map(str, frame.columns))}.")
    if len(columns) < 2:
        raise DataError("Several 0/1 label columns need at least two columns.",
                        "Name two or more columns, for example --label-columns 物流,质量,价格.")
    for column in columns:
        bad = [i for i, v in enumerate(frame[column].tolist())
               if cell_text(v).casefold() not in TRUE_CELLS | FALSE_CELLS]
        if bad:
            rows = file_rows(bad)
            raise DataError(f"The label column '{column}' should hold only 0 or 1, but {counted(len(bad), 'row')} "
                            f"of {source} ({rows}) hold{'s' if len(bad) == 1 else ''} something else, for example "
                            f"'{cell_text(frame[column].iloc[bad[0]])}'.",
                            "Write 1 where the label applies and 0 where it does not, or leave those columns out.")
    marks = {c: [cell_text(v).casefold() in TRUE_CELLS for v in frame[c].tolist()] for c in columns}
    return [[c for c in columns if marks[c][i]] for i in range(len(frame))]


def label_set_names(label_sets: list[list[str]]) -> list[str]:
    """Every label any row uses, in a stable order (numbers by value, words alphabetically)."""
    from core.data.texts import label_names

    return label_names(lab for labels in label_sets for lab in labels)


def shown(labels: list[str]) -> str:
    """A row's labels as one cell for tables and prediction files: '物流; 价格'."""
    return "; ".join(labels)
