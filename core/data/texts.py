"""Texts and their labels as read from a file, and the rows of them a classifier can learn from."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from core.data.columns import NUMBER, detect_columns
from core.data.files import read_table
from core.data.table import Table
from core.data.tasks import check_pair_column, detect_pair_columns, pair_texts
from core.errors import DataError
from core.wording import counted

log = logging.getLogger(__name__)


@dataclass
class LabelledTexts:
    """Texts and their labels as read; labels keep their raw spelling so the report can find variants."""

    texts: list[str]
    labels: list[str | None]
    text_column: str
    label_column: str | None
    source: str
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # the codec that read the file: "utf-8", "gb18030", ...
    encoding_note: str | None = None  # how the bytes were read, when they were not plain UTF-8
    text_pairs: list[str] | None = None  # the second text of each row, for pair tasks; None for single texts
    text_pair_column: str | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Iterable[int]) -> LabelledTexts:
        picked = [int(i) for i in indices]
        pairs = None if self.text_pairs is None else [self.text_pairs[i] for i in picked]
        return replace(self, texts=[self.texts[i] for i in picked], labels=[self.labels[i] for i in picked],
                       warnings=list(self.warnings), text_pairs=pairs)


def load_texts(path: str | Path, text_column: str | None = None, label_column: str | None = None,
               text_pair_column: str | None = None, table: Table | None = None) -> LabelledTexts:
    """Read a file and pick its text, label and second-text columns (detected unless named; "" means none).

    `table`: the file as read already (core.data.files.read_table), so a caller that needs its other columns too
    reads it once."""
    table = table if table is not None else read_table(path)
    name = Path(path).name
    for wanted in (text_column, label_column):
        if wanted and wanted not in table.frame.columns:
            raise DataError(f"There is no column '{wanted}' in {name}.",
                            f"Pick one of its columns: {', '.join(map(str, table.frame.columns))}.")
    if text_column and text_column == label_column:
        raise DataError(f"'{text_column}' cannot be both the text and the label column.",
                        "Choose two different columns.")
    no_labels = label_column == ""
    pair = text_pair_column or None
    if text_pair_column is None and (found := detect_pair_columns(table.frame, text_column or None)):
        text_column, pair = text_column or found[0], found[1]
    frame = table.frame.drop(columns=[pair]) if pair in table.frame.columns else table.frame
    text, label = detect_columns(frame, text_column or None, label_column or None)
    if pair:
        check_pair_column(table.frame, pair, text, name)
    label = None if no_labels else label
    warnings = list(table.warnings)
    if label is None and not no_labels:
        warnings.append("No label column was found, so the rows are unlabelled.")
    texts = table.frame[text].to_numpy(dtype=object, na_value="").tolist()  # a table of strings: blank cells ""
    labels = _labels_of(table.frame[label]) if label else [None] * len(texts)
    pairs = pair_texts(table.frame[pair]) if pair else None
    return LabelledTexts(texts, labels, text, label, str(path), warnings, table.encoding, table.encoding_note,
                         pairs, pair)


def _labels_of(series: pd.Series) -> list[str | None]:
    # a blank cell and a cell of spaces both mean "no label"; each distinct cell is looked at once
    cells = series.to_numpy(dtype=object, na_value=None)
    spaces = {v for v in pd.unique(cells) if v is not None and not (isinstance(v, str) and v.strip())}
    return [None if v in spaces else v for v in cells] if spaces else cells.tolist()


def prepare_for_training(data: LabelledTexts) -> LabelledTexts:
    """Keep rows with a text and a label, labels stripped; at least two distinct labels must remain."""
    if data.label_column is None:
        raise DataError(f"{Path(data.source).name} has no label column, so there is nothing to learn from.",
                        "Choose the column that holds the labels, or label the texts on the Label page first.")
    keep = [i for i, (t, lab) in enumerate(zip(data.texts, data.labels)) if t.strip() and lab and lab.strip()]
    if not keep:
        raise DataError("No row has both a text and a label.",
                        "Check that the right columns are chosen as text and label.")
    prepared = data.subset(keep)
    prepared.labels = [lab.strip() for lab in prepared.labels]
    names = label_names(prepared.labels)
    if len(names) < 2:
        raise DataError(f"The file has only one label, '{names[0]}'. A classifier needs at least two.",
                        "Add rows with at least one other label, or choose a different label column.")
    prepared.warnings += _dropped_notes(data, len(data) - len(keep))
    return prepared


def _dropped_notes(data: LabelledTexts, dropped: int) -> list[str]:
    if not dropped:
        return []
    blank = sum(1 for t in data.texts if not t.strip())
    unlabelled = dropped - blank
    notes = [f"{counted(blank, 'row')} with a blank text {'was' if blank == 1 else 'were'} left out."] if blank else []
    if unlabelled > 0:
        notes.append(f"{counted(unlabelled, 'row')} without a label {'was' if unlabelled == 1 else 'were'} left out.")
    log.info("prepare_for_training left out %d of %d rows", dropped, len(data))
    return notes


def label_names(labels: Iterable[str | None]) -> list[str]:
    """Distinct labels in a stable order: numbers by value ("2" before "10"), words alphabetically."""
    return sorted({lab for lab in labels if lab is not None}, key=label_sort_key)


def label_sort_key(label: str) -> tuple:
    if NUMBER.fullmatch(label.strip()):
        return (0, float(label), label)
    parts = [(0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in re.split(r"([0-9]+)", label) if p]
    return (1, tuple(parts), label)
