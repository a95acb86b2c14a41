"""The label store's tables and the SQL behind it; every function runs inside a caller's transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping

from core.labels.records import LabelError, LabelRow, Undone, clean_label

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS label_projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    text_column TEXT NOT NULL,
    label_column TEXT,
    created_at REAL NOT NULL,
    task TEXT NOT NULL DEFAULT 'single-label',  -- 'single-label', 'multi-label' or 'regression' (core.labels.tasks)
    text_pair_column TEXT                        -- the second text's column, for pairs of texts
);
CREATE TABLE IF NOT EXISTS label_names (
    project_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (project_id, name)
);
CREATE TABLE IF NOT EXISTS label_rows (
    project_id INTEGER NOT NULL,
    "row" INTEGER NOT NULL,
    text TEXT NOT NULL,
    label TEXT,                   -- the label, a JSON list of labels, or a number (core.labels.tasks)
    updated_at REAL,
    version INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until REAL,
    text_pair TEXT,               -- the second text, for pairs
    PRIMARY KEY (project_id, "row")
);
CREATE INDEX IF NOT EXISTS label_rows_by_label ON label_rows (project_id, label);
CREATE TABLE IF NOT EXISTS label_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    session TEXT NOT NULL,
    kind TEXT NOT NULL,           -- 'set', 'bulk', 'rename' or 'remove'
    detail TEXT NOT NULL,         -- JSON: label names the action took from or added to the label set
    time REAL NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS label_actions_by_session ON label_actions (project_id, session, undone, id);
CREATE TABLE IF NOT EXISTS label_history (
    action_id INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    "row" INTEGER NOT NULL,
    old TEXT,
    new TEXT,
    time REAL NOT NULL,
    session TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS label_history_by_action ON label_history (action_id);
"""
ROW_COLUMNS = '"row", text, label, version, text_pair'


def require_project(db: sqlite3.Connection, project: int) -> None:
    if db.execute("SELECT 1 FROM label_projects WHERE id = ?", (project,)).fetchone() is None:
        raise LabelError(f"There is no labelling project number {project}.",
                         "Pick one from the list, or start a new one from a data file.")


def read_label_set(db: sqlite3.Connection, project: int) -> list[str]:
    rows = db.execute("SELECT name FROM label_names WHERE project_id = ? ORDER BY position, name", (project,))
    return [r[0] for r in rows]


def add_label_names(db: sqlite3.Connection, project: int, names: Iterable[str]) -> list[str]:
    """Append labels not yet in the set; returns the ones that were new."""
    current = read_label_set(db, project)
    new = [n for n in dict.fromkeys(names) if n not in current]
    top = db.execute("SELECT COALESCE(MAX(position), -1) FROM label_names WHERE project_id = ?",
                     (project,)).fetchone()[0]
    db.executemany("INSERT INTO label_names (project_id, name, position) VALUES (?, ?, ?)",
                   [(project, n, top + 1 + i) for i, n in enumerate(new)])
    return new


def restore_label_names(db: sqlite3.Connection, project: int, detail: dict) -> None:
    """Undo an action's change to the label set: labels it added go, labels it removed come back in place."""
    for name in detail.get("added", []):
        # a multi-label text holds it inside its list of labels
        in_use = db.execute("SELECT 1 FROM label_rows WHERE project_id = ? AND (label = ? OR (json_valid(label) AND "
                            "EXISTS (SELECT 1 FROM json_each(label) WHERE value = ?))) LIMIT 1",
                            (project, name, name)).fetchone()
        if not in_use:
            db.execute("DELETE FROM label_names WHERE project_id = ? AND name = ?", (project, name))
    for name, position in detail.get("removed", []):
        if name not in read_label_set(db, project):
            db.execute("UPDATE label_names SET position = position + 1 WHERE project_id = ? AND position >= ?",
                       (project, position))
            db.execute("INSERT INTO label_names (project_id, name, position) VALUES (?, ?, ?)",
                       (project, name, position))


def read_row(db: sqlite3.Connection, project: int, row: int) -> LabelRow:
    found = db.execute(f'SELECT {ROW_COLUMNS} FROM label_rows WHERE project_id = ? AND "row" = ?',
                       (project, row)).fetchone()
    if found is None:
        require_project(db, project)
        raise LabelError(f"Row {row} is not in this labelling project.", "Pick a row from the table.")
    return LabelRow(**dict(found))


def new_action(db: sqlite3.Connection, project: int, session: str, kind: str, detail: dict) -> int:
    cursor = db.execute("INSERT INTO label_actions (project_id, session, kind, detail, time) VALUES (?, ?, ?, ?, ?)",
                        (project, session, kind, json.dumps(detail, ensure_ascii=False), time.time()))
    return int(cursor.lastrowid)


def write_labels(db: sqlite3.Connection, project: int, action: int, session: str,
                  changes: Mapping[int, tuple[str | None, str | None]]) -> None:
    """Set rows to their new labels, bump their versions, free their claims and record each change."""
    now = time.time()
    db.executemany('UPDATE label_rows SET label = ?, updated_at = ?, version = version + 1, claimed_by = NULL, '
                   'claimed_until = NULL WHERE project_id = ? AND "row" = ?',
                   [(new, now, project, row) for row, (_, new) in changes.items()])
    db.executemany('INSERT INTO label_history (action_id, project_id, "row", old, new, time, session) '
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(action, project, row, old, new, now, session) for row, (old, new) in changes.items()])


def revert_rows(db: sqlite3.Connection, project: int, action: sqlite3.Row) -> Undone:
    history = db.execute('SELECT "row", old, new FROM label_history WHERE action_id = ?', (action["id"],)).fetchall()
    now, rows, kept = time.time(), [], []
    for change in history:
        # the row changes back only if it still holds what this action wrote
        cursor = db.execute('UPDATE label_rows SET label = ?, updated_at = ?, version = version + 1 '
                            'WHERE project_id = ? AND "row" = ? AND label IS ?',
                            (change["old"], now, project, change["row"], change["new"]))
        (rows if cursor.rowcount else kept).append(change["row"])
    log.info("Undid %s of session %s on project %s: %d rows back, %d kept", action["kind"], action["session"],
             project, len(rows), len(kept))
    return Undone(kind=action["kind"], rows=rows, kept=kept)


def row_filter(filter: str, label: str | None, search: str, label_condition: str = "label = ?") -> tuple[str, list]:
    """The SQL condition (after the project's) and its arguments for the table view's filters."""
    where, args = [], []
    if filter == "unlabelled":
        where.append("label IS NULL")
    elif filter == "labelled":
        where.append("label IS NOT NULL")
    elif filter != "all":
        raise LabelError(f"'{filter}' is not a row filter.", "Use all, unlabelled or labelled.")
    if label is not None:
        where.append(label_condition)
        args.append(clean_label(label))
    if search.strip():
        # instr, not LIKE: a search for '50%' or 'a_b' means those characters; pairs: either text
        where.append("(instr(lower(text), lower(?)) > 0 OR instr(lower(COALESCE(text_pair, '')), lower(?)) > 0)")
        args += [search.strip()] * 2
    return "".join(f" AND {w}" for w in where), args


def release_claim(db: sqlite3.Connection, project: int, row: int, session: str) -> None:
    db.execute('UPDATE label_rows SET claimed_by = NULL, claimed_until = NULL WHERE project_id = ? AND "row" = ? '
               "AND claimed_by = ?", (project, row, session))


def find_unlabelled(db: sqlite3.Connection, project: int, after: int, skip: set[int],
                     session: str | None) -> LabelRow | None:
    """First free row after `after`, then from the top; rows held by other tabs only when nothing else is left."""
    free = "(claimed_by IS NULL OR claimed_until < ? OR claimed_by = ?)"
    for held in (free, "1"):
        for part in ('"row" > ?', '"row" <= ?'):
            args = [project, after] + ([time.time(), session or ""] if held == free else [])
            found = first_not_skipped(db, f"{part} AND {held}", args, skip)
            if found:
                return found
    return None


def first_not_skipped(db: sqlite3.Connection, condition: str, args: list, skip: set[int]) -> LabelRow | None:
    # at most len(skip) candidates can be skipped ones, so one more is enough to find a row if there is one
    query = (f'SELECT {ROW_COLUMNS} FROM label_rows WHERE project_id = ? AND label IS NULL '
             f'AND {condition} ORDER BY "row" LIMIT ?')
    for found in db.execute(query, [*args, len(skip) + 1]):
        if found["row"] not in skip:
            return LabelRow(**dict(found))
    return None
