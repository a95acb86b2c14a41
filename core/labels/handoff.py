"""Handing a project's labels on: a download (CSV or Excel) and a dataset to train on, written so that core.data
detects the same task in them (several labels joined with ';', numbers in a 'score' column, text_a/text_b for
pairs), and the Train step picks the right task without being told."""

from __future__ import annotations

import logging
from pathlib import Path

from core.labels import tasks
from core.labels.records import LabelError

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")


def labelled_table(store, project: int, cells=None):
    """The labelled rows: columns text (text_a and text_b for pairs) and label (score for numbers)."""
    import pandas as pd

    meta = store.get_project(project)
    frame = store.rows(project, filter="labelled")
    names = tasks.training_columns(meta.task, meta.pairs)
    table = {names["text"]: frame["text"].tolist()}
    if meta.pairs:
        table[names["text_pair"]] = [p if isinstance(p, str) else "" for p in frame["text_pair"]]
    table[names["label"]] = (cells or tasks.training_cells)(meta.task, frame["label"].tolist())
    return pd.DataFrame(table)


def export(store, project: int, path: str | Path, format: str | None = None) -> Path:
    path = Path(path)
    format = (format or path.suffix.lstrip(".") or "csv").lower()
    if format not in FORMATS:
        raise LabelError(f"Labels cannot be saved as '{format}'.", "Choose CSV or Excel (xlsx).")
    frame = labelled_table(store, project)
    _write_table(frame, path, format)
    log.info("Exported %d labelled rows of project %s to %s", len(frame), project, path)
    return path


def export_for_training(store, project: int) -> Path:
    """Save the labelled rows among the workspace's datasets.

    Several labels are joined with ';', unless core.data would not read them back as several (a label holding
    ';', or too few texts with two labels for the separator to show): then each cell is a JSON list.
    """
    from core.data.saved import save_upload

    meta = store.get_project(project)
    frame = labelled_table(store, project)
    if not len(frame):
        raise LabelError("No row is labelled yet, so there is nothing to train on.",
                         "Label some rows first; a classifier needs examples of at least two labels.")
    name = f"{meta.name} labelled.csv"
    path = save_upload(store.workspace, name, frame.to_csv(index=False).encode("utf-8"))
    if meta.task == tasks.MULTI and tasks.detected_task(path) != tasks.MULTI:
        path.unlink()
        frame = labelled_table(store, project, cells=tasks.json_cells)
        path = save_upload(store.workspace, name, frame.to_csv(index=False).encode("utf-8"))
    log.info("Project %s: %d labelled rows saved for training as %s (%s)", project, len(frame), path.name, meta.task)
    return path


def _write_table(frame, path: Path, format: str) -> None:
    """Write the table atomically (temp file + rename) so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.{format}")
    if format == "xlsx":
        frame.to_excel(tmp, index=False, engine="openpyxl")
    else:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)
