"""The label store: every label is saved to the workspace database the moment it is given.

A labelling project copies a file's texts (and any labels it already has) into `workspace/studio.db`,
in tables of its own beside the run store's. A refresh, a closed tab or a restarted server loses
nothing, because nothing lives only in a page. Several tabs may label the same project at once:

- each change is one BEGIN IMMEDIATE transaction, so two writers never tear a row;
- each row has a version; a tab that passes the version it saw gets `LabelConflict` instead of
  silently overwriting a label someone else gave in the meantime;
- `next_unlabelled` hands each tab a different row, holding it for that tab for a few minutes;
- every change is appended to a history, so `undo` reverts one tab's last change and no one else's.

Connections are opened per call, as in the run store: Streamlit runs each session in its own thread.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from core.data.texts import LabelledTexts, label_names
from core.labels.queries import (
    SCHEMA,
    add_label_names,
    find_unlabelled,
    new_action,
    read_label_set,
    read_row,
    release_claim,
    require_project,
    restore_label_names,
    revert_rows,
    row_filter,
    write_labels,
)
from core.labels.records import (
    CLAIM_SECONDS,
    LabelConflict,
    LabelError,
    LabelRow,
    Progress,
    Project,
    Undone,
    clean_label,
)
from core.store.database import connect, database_path, transaction

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")


class LabelStore:
    """Labelling projects, their label sets and every row's label, in `workspace/studio.db`."""

    def __init__(self, workspace: str | Path) -> None:
        self.workspace = Path(workspace)
        self.path = database_path(self.workspace, SCHEMA)

    def _connect(self):
        return connect(self.path)

    def _transaction(self):
        """A write-locked transaction: read a row's version and write it without a race."""
        return transaction(self.path)

    # projects -----------------------------------------------------------------------------
    def create_project(self, name: str, data: LabelledTexts) -> Project:
        """Copy the texts, and any labels the file already has, into a new project."""
        name = (name or "").strip() or Path(data.source).stem or "Labelling"
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO label_projects (name, source, text_column, label_column, created_at) "
                                "VALUES (?, ?, ?, ?, ?)", (name, str(data.source), data.text_column or "text",
                                                           data.label_column, now))
            project_id = int(cursor.lastrowid)
            labels = [clean_label(lab) for lab in data.labels]
            db.executemany('INSERT INTO label_rows (project_id, "row", text, label, updated_at) VALUES (?, ?, ?, ?, ?)',
                           [(project_id, i, text or "", lab, now if lab else None)
                            for i, (text, lab) in enumerate(zip(data.texts, labels))])
            db.executemany("INSERT INTO label_names (project_id, name, position) VALUES (?, ?, ?)",
                           [(project_id, lab, i) for i, lab in enumerate(label_names(labels))])
        log.info("Created labelling project %s '%s' with %d rows", project_id, name, len(data))
        return self.get_project(project_id)

    def list_projects(self) -> list[Project]:
        """Every project, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM label_projects ORDER BY created_at DESC, id DESC").fetchall()
        return [Project(**dict(r)) for r in rows]

    def get_project(self, project: int) -> Project:
        with self._connect() as db:
            row = db.execute("SELECT * FROM label_projects WHERE id = ?", (int(project),)).fetchone()
        if row is None:
            raise LabelError(f"There is no labelling project number {project}.",
                             "Pick one from the list, or start a new one from a data file.")
        return Project(**dict(row))

    def delete_project(self, project: int) -> None:
        with self._transaction() as db:
            for table in ("label_history", "label_actions", "label_rows", "label_names"):
                db.execute(f"DELETE FROM {table} WHERE project_id = ?", (int(project),))
            db.execute("DELETE FROM label_projects WHERE id = ?", (int(project),))

    # the label set ------------------------------------------------------------------------
    def label_set(self, project: int) -> list[str]:
        """The project's labels in key order: the first nine get number keys 1-9."""
        with self._connect() as db:
            return read_label_set(db, int(project))

    def add_label(self, project: int, name: str) -> list[str]:
        """Add a label at the end of the set (a label already there stays where it is); returns the set."""
        name = self._label_name(name)
        with self._transaction() as db:
            require_project(db, int(project))
            add_label_names(db, int(project), [name])
            return read_label_set(db, int(project))

    def reorder_labels(self, project: int, names: list[str]) -> list[str]:
        """Put the named labels first, in this order (so they get keys 1, 2, ...); the rest keep theirs."""
        with self._transaction() as db:
            current = read_label_set(db, int(project))
            wanted = [n for n in dict.fromkeys(clean_label(n) for n in names) if n in current]
            order = wanted + [n for n in current if n not in wanted]
            db.executemany("UPDATE label_names SET position = ? WHERE project_id = ? AND name = ?",
                           [(i, int(project), n) for i, n in enumerate(order)])
            return order

    def rename_label(self, project: int, old: str, new: str, session: str = "") -> int:
        """Rename a label in the set and on every row with it (renaming onto an existing label merges the two).

        Returns how many rows changed; the whole rename is one change `undo` can revert.
        """
        old, new = clean_label(old), self._label_name(new)
        with self._transaction() as db:
            current = read_label_set(db, int(project))
            if old not in current:
                raise LabelError(f"There is no label '{old}' to rename.", f"The labels are: {', '.join(current)}.")
            if new == old:
                return 0
            position = current.index(old)
            detail = {"removed": [[old, position]], "added": [] if new in current else [new]}
            if new in current:
                db.execute("DELETE FROM label_names WHERE project_id = ? AND name = ?", (int(project), old))
            else:
                db.execute("UPDATE label_names SET name = ? WHERE project_id = ? AND name = ?",
                           (new, int(project), old))
            return self._relabel_all(db, int(project), old, new, session, "rename", detail)

    def remove_label(self, project: int, name: str, session: str = "") -> int:
        """Take a label out of the set; its rows become unlabelled. Returns how many; `undo` brings them back."""
        name = clean_label(name)
        with self._transaction() as db:
            current = read_label_set(db, int(project))
            if name not in current:
                raise LabelError(f"There is no label '{name}' to remove.", f"The labels are: {', '.join(current)}.")
            db.execute("DELETE FROM label_names WHERE project_id = ? AND name = ?", (int(project), name))
            detail = {"removed": [[name, current.index(name)]], "added": []}
            return self._relabel_all(db, int(project), name, None, session, "remove", detail)

    def _relabel_all(self, db: sqlite3.Connection, project: int, old: str, new: str | None, session: str,
                     kind: str, detail: dict) -> int:
        rows = [r[0] for r in db.execute('SELECT "row" FROM label_rows WHERE project_id = ? AND label = ?',
                                         (project, old))]
        action = new_action(db, project, session, kind, detail)
        write_labels(db, project, action, session, {row: (old, new) for row in rows})
        log.info("Project %s: %s '%s' -> '%s' on %d rows", project, kind, old, new, len(rows))
        return len(rows)

    @staticmethod
    def _label_name(name: str) -> str:
        cleaned = clean_label(name)
        if cleaned is None:
            raise LabelError("A label needs a name.", "Type a name for the label, for example 'positive'.")
        return cleaned

    # labelling ----------------------------------------------------------------------------
    def row(self, project: int, row: int) -> LabelRow:
        with self._connect() as db:
            return read_row(db, int(project), int(row))

    def set_label(self, project: int, row: int, label: str | None, expected_version: int | None = None,
                  session: str = "") -> int:
        """Give one row a label (None clears it) and return the row's new version.

        With `expected_version` (the version this tab read), a row someone else changed since raises
        LabelConflict, unless they chose the very same label.
        """
        label = clean_label(label)
        with self._transaction() as db:
            current = read_row(db, int(project), int(row))
            if current.label == label:
                release_claim(db, int(project), int(row), session)
                return current.version
            if expected_version is not None and current.version != expected_version:
                raise LabelConflict(current.row, current.label, current.version)
            detail = {"removed": [], "added": add_label_names(db, int(project), [label] if label else [])}
            action = new_action(db, int(project), session, "set", detail)
            write_labels(db, int(project), action, session, {current.row: (current.label, label)})
            return current.version + 1

    def bulk_set(self, project: int, labels: Mapping[int, str | None], session: str = "",
                 expected_versions: Mapping[int, int] | None = None) -> int:
        """Set many rows at once (table edits) as one change `undo` reverts; returns how many rows changed.

        With `expected_versions`, the first row someone else changed since raises LabelConflict and nothing is saved.
        """
        wanted = {int(r): clean_label(lab) for r, lab in labels.items()}
        expected = {int(r): int(v) for r, v in (expected_versions or {}).items()}
        with self._transaction() as db:
            changes = {}
            for row, label in wanted.items():
                current = read_row(db, int(project), row)
                if current.label == label:
                    continue
                if row in expected and current.version != expected[row]:
                    raise LabelConflict(row, current.label, current.version)
                changes[row] = (current.label, label)
            if changes:
                new_names = [lab for _, lab in changes.values() if lab]
                detail = {"removed": [], "added": add_label_names(db, int(project), new_names)}
                action = new_action(db, int(project), session, "bulk", detail)
                write_labels(db, int(project), action, session, changes)
        return len(changes)

    def undo(self, project: int, session: str) -> Undone | None:
        """Revert this session's last change not yet undone (None when there is nothing to undo).

        A row someone else has changed since keeps their label: undo never overwrites another tab's work.
        """
        with self._transaction() as db:
            action = db.execute("SELECT * FROM label_actions WHERE project_id = ? AND session = ? AND undone = 0 "
                                "ORDER BY id DESC LIMIT 1", (int(project), session)).fetchone()
            if action is None:
                return None
            db.execute("UPDATE label_actions SET undone = 1 WHERE id = ?", (action["id"],))
            undone = revert_rows(db, int(project), action)
            # after the rows, so a label the action added is dropped only once no row holds it
            restore_label_names(db, int(project), json.loads(action["detail"]))
            return undone

    def next_unlabelled(self, project: int, after: int | None = None, skip: Iterable[int] = (),
                        session: str | None = None) -> LabelRow | None:
        """The next row nobody has labelled, after `after` and then from the top; None when all are labelled.

        With a session, the row is held for that tab for CLAIM_SECONDS and other tabs are handed other
        rows; when only rows held by others are left, one of those is returned (not taken over).
        """
        skip = {int(r) for r in skip}
        start = -1 if after is None else int(after)
        with self._transaction() as db:
            if session:
                db.execute("UPDATE label_rows SET claimed_by = NULL, claimed_until = NULL "
                           "WHERE project_id = ? AND claimed_by = ?", (int(project), session))
            found = find_unlabelled(db, int(project), start, skip, session)
            if found and session:
                db.execute('UPDATE label_rows SET claimed_by = ?, claimed_until = ? WHERE project_id = ? AND "row" = ? '
                           "AND (claimed_by IS NULL OR claimed_until < ?)",
                           (session, time.time() + CLAIM_SECONDS, int(project), found.row, time.time()))
            return found

    # looking at it ------------------------------------------------------------------------
    def progress(self, project: int) -> Progress:
        with self._connect() as db:
            names = read_label_set(db, int(project))
            counts = {r["label"]: r["n"] for r in db.execute(
                "SELECT label, COUNT(*) AS n FROM label_rows WHERE project_id = ? GROUP BY label", (int(project),))}
        total = sum(counts.values())
        per_label = {name: counts.get(name, 0) for name in names}
        per_label.update({k: v for k, v in counts.items() if k is not None and k not in per_label})
        return Progress(labelled=total - counts.get(None, 0), total=total, per_label=per_label)

    def rows(self, project: int, filter: str = "all", label: str | None = None, search: str = "",
             limit: int | None = None, offset: int = 0):
        """The table view: columns row, text, label, version, updated_at.

        `filter` is "all", "unlabelled" or "labelled"; `label` keeps one label's rows; `search` keeps
        texts containing it (letter case ignored).
        """
        import pandas as pd

        where, args = row_filter(filter, label, search)
        query = (f'SELECT "row", text, label, version, updated_at FROM label_rows WHERE project_id = ?{where} '
                 'ORDER BY "row"')
        if limit is not None:  # one page of the table, read by SQL: 100,000 rows are never all loaded
            query += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        with self._connect() as db:
            records = [dict(r) for r in db.execute(query, [int(project), *args])]
        return pd.DataFrame(records, columns=["row", "text", "label", "version", "updated_at"])

    # handing it on ------------------------------------------------------------------------
    def to_labelled_texts(self, project: int, labelled_only: bool = True) -> LabelledTexts:
        """The project as training data (columns text and label)."""
        meta = self.get_project(project)
        frame = self.rows(project, filter="labelled" if labelled_only else "all")
        labels = [lab if isinstance(lab, str) else None for lab in frame["label"].tolist()]
        return LabelledTexts(texts=frame["text"].tolist(), labels=labels, text_column="text", label_column="label",
                             source=f"{meta.name} (labelled)")

    def export(self, project: int, path: str | Path, format: str | None = None) -> Path:
        """Write the labelled rows (text, label) as CSV (UTF-8) or Excel; the format follows the name if not given."""
        path = Path(path)
        format = (format or path.suffix.lstrip(".") or "csv").lower()
        if format not in FORMATS:
            raise LabelError(f"Labels cannot be saved as '{format}'.", "Choose CSV or Excel (xlsx).")
        data = self.to_labelled_texts(project)
        _write_table(data, path, format)
        log.info("Exported %d labelled rows of project %s to %s", len(data), project, path)
        return path

    def export_for_training(self, project: int) -> Path:
        """Save the labelled rows as a CSV among the workspace's datasets, ready to train on; returns its path."""
        from core.data.saved import save_texts

        data = self.to_labelled_texts(project)
        if not len(data):
            raise LabelError("No row is labelled yet, so there is nothing to train on.",
                             "Label some rows first; a classifier needs examples of at least two labels.")
        return save_texts(self.workspace, data, f"{self.get_project(project).name} labelled.csv")


# module-level shortcuts for pages that only hold the workspace ---------------------------------
def create_project(workspace: str | Path, name: str, data: LabelledTexts) -> Project:
    return LabelStore(workspace).create_project(name, data)


def export_for_training(workspace: str | Path, project: int) -> Path:
    return LabelStore(workspace).export_for_training(project)


# helpers that work inside a caller's transaction ------------------------------------------------
def _write_table(data: LabelledTexts, path: Path, format: str) -> None:
    """Write text and label columns atomically (temp file + rename) so a reader never sees half a file."""
    import pandas as pd

    frame = pd.DataFrame({"text": data.texts, "label": data.labels})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.{format}")
    if format == "xlsx":
        frame.to_excel(tmp, index=False, engine="openpyxl")
    else:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)
