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

from core.data.texts import LabelledTexts
from core.labels import tasks
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

class LabelStore:
    """Labelling projects, their label sets and every row's label, in `workspace/studio.db`."""

    def __init__(self, workspace: str | Path) -> None:
        self.workspace = Path(workspace)
        self.path = database_path(self.workspace, SCHEMA)
        with self._connect() as db:
            tasks.migrate(db)  # a workspace from before projects had a task: each of its projects is single-label

    def _connect(self):
        return connect(self.path)

    def _transaction(self):
        """A write-locked transaction: read a row's version and write it without a race."""
        return transaction(self.path)

    # projects -----------------------------------------------------------------------------
    def create_project(self, name: str, data: LabelledTexts, task: str | None = None) -> Project:
        """Copy the texts (and second texts, for pairs), and any labels the file already has, into a new project.

        `task`: single-label, multi-label or regression; by default the one core.data detected in the file.
        """
        name = (name or "").strip() or Path(data.source).stem or "Labelling"
        task = tasks.check_task(task or getattr(data, "task", tasks.SINGLE))
        pairs = data.text_pairs if data.text_pair_column and data.text_pairs is not None else None
        labels = tasks.file_cells(data, task)
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO label_projects (name, source, text_column, label_column, created_at, "
                                "task, text_pair_column) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (name, str(data.source), data.text_column or "text", data.label_column, now, task,
                                 data.text_pair_column if pairs is not None else None))
            project_id = int(cursor.lastrowid)
            db.executemany('INSERT INTO label_rows (project_id, "row", text, label, updated_at, text_pair) '
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           [(project_id, i, text or "", lab, now if lab else None, pairs[i] if pairs else None)
                            for i, (text, lab) in enumerate(zip(data.texts, labels))])
            db.executemany("INSERT INTO label_names (project_id, name, position) VALUES (?, ?, ?)",
                           [(project_id, lab, i) for i, lab in enumerate(tasks.label_names_in(task, labels))])
        log.info("Created %s labelling project %s '%s' with %d rows%s", task, project_id, name, len(data),
                 " of pairs" if pairs else "")
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
            if tasks.project_task(db, int(project)) == tasks.SCORE:
                raise LabelError("This project gives each text a number, so it has no label names.",
                                 "Give each text its number, or start a project with the task single-label.")
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
        if tasks.project_task(db, project) == tasks.MULTI:  # each text holding it keeps its other labels
            changes = tasks.multi_relabel(db, project, old, new)
        else:
            changes = {r[0]: (old, new) for r in db.execute(
                'SELECT "row" FROM label_rows WHERE project_id = ? AND label = ?', (project, old))}
        action = new_action(db, project, session, kind, detail)
        write_labels(db, project, action, session, changes)
        log.info("Project %s: %s '%s' -> '%s' on %d rows", project, kind, old, new, len(changes))
        return len(changes)

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

    def set_label(self, project: int, row: int, label, expected_version: int | None = None,
                  session: str = "") -> int:
        """Give one row its answer (None clears it) and return the row's new version.

        The answer is a label, a list of labels for multi-label (an empty list: none of them), or a number for
        regression (text that is not a number is a LabelError, and nothing is saved). With `expected_version`
        (the version this tab read), a row someone else changed since raises LabelConflict, unless they chose
        the very same answer.
        """
        with self._transaction() as db:
            task = tasks.project_task(db, int(project))
            label = tasks.stored(task, label, int(row))
            current = read_row(db, int(project), int(row))
            if current.label == label:
                release_claim(db, int(project), int(row), session)
                return current.version
            if expected_version is not None and current.version != expected_version:
                raise LabelConflict(current.row, tasks.shown(task, current.label), current.version)
            detail = {"removed": [], "added": add_label_names(db, int(project), _names(task, [label]))}
            action = new_action(db, int(project), session, "set", detail)
            write_labels(db, int(project), action, session, {current.row: (current.label, label)})
            return current.version + 1

    def bulk_set(self, project: int, labels: Mapping[int, str | None], session: str = "",
                 expected_versions: Mapping[int, int] | None = None) -> int:
        """Set many rows at once (table edits) as one change `undo` reverts; returns how many rows changed.

        With `expected_versions`, the first row someone else changed since raises LabelConflict and nothing is saved.
        """
        expected = {int(r): int(v) for r, v in (expected_versions or {}).items()}
        with self._transaction() as db:
            task = tasks.project_task(db, int(project))
            wanted = {int(r): tasks.stored(task, lab, int(r)) for r, lab in labels.items()}  # a bad number: no save
            changes = {}
            for row, label in wanted.items():
                current = read_row(db, int(project), row)
                if current.label == label:
                    continue
                if row in expected and current.version != expected[row]:
                    raise LabelConflict(row, tasks.shown(task, current.label), current.version)
                changes[row] = (current.label, label)
            if changes:
                new_names = _names(task, [lab for _, lab in changes.values()])
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
        """How many texts are labelled, and how many hold each label (multi-label: a text counts for each of its)."""
        with self._connect() as db:
            task = tasks.project_task(db, int(project))
            names = read_label_set(db, int(project))
            total, unlabelled = db.execute("SELECT COUNT(*), SUM(label IS NULL) FROM label_rows WHERE project_id = ?",
                                           (int(project),)).fetchone()
            extra: dict = {}
            if task == tasks.MULTI:
                counts, extra["no_label"] = tasks.multi_counts(db, int(project))
            elif task == tasks.SCORE:
                counts = {}
                extra = tasks.score_summary(db, int(project))
            else:
                counts = {r["label"]: r["n"] for r in db.execute(
                    "SELECT label, COUNT(*) AS n FROM label_rows WHERE project_id = ? AND label IS NOT NULL "
                    "GROUP BY label", (int(project),))}
        per_label = {name: counts.get(name, 0) for name in names}
        per_label.update({k: v for k, v in counts.items() if k is not None and k not in per_label})
        return Progress(labelled=int(total) - int(unlabelled or 0), total=int(total), per_label=per_label, task=task,
                        **extra)

    def rows(self, project: int, filter: str = "all", label: str | None = None, search: str = "",
             limit: int | None = None, offset: int = 0):
        """The table view: columns row, text, label (as stored: core.labels.tasks.read), version, updated_at and
        text_pair (the second text, for pairs).

        `filter` is "all", "unlabelled" or "labelled"; `label` keeps one label's rows; `search` keeps
        texts containing it (letter case ignored).
        """
        import pandas as pd

        columns = ["row", "text", "label", "version", "updated_at", "text_pair"]
        with self._connect() as db:
            where, args = row_filter(filter, label, search, tasks.label_condition(tasks.project_task(db, int(project))))
            query = (f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM label_rows '
                     f'WHERE project_id = ?{where} ORDER BY "row"')
            if limit is not None:  # one page of the table, read by SQL: 100,000 rows are never all loaded
                query += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
            records = [dict(r) for r in db.execute(query, [int(project), *args])]
        return pd.DataFrame(records, columns=columns)

    # handing it on ------------------------------------------------------------------------
    def to_labelled_texts(self, project: int, labelled_only: bool = True) -> LabelledTexts:
        """The project as texts and labels in words (several labels as 'a; b', numbers as '3.5')."""
        meta = self.get_project(project)
        frame = self.rows(project, filter="labelled" if labelled_only else "all")
        labels = [tasks.shown(meta.task, lab if isinstance(lab, str) else None) for lab in frame["label"].tolist()]
        pairs = [p if isinstance(p, str) else "" for p in frame["text_pair"]] if meta.pairs else None
        return LabelledTexts(texts=frame["text"].tolist(), labels=labels, text_column="text", label_column="label",
                             source=f"{meta.name} (labelled)", text_pairs=pairs,
                             text_pair_column=tasks.SECOND if meta.pairs else None)

    def labelled_table(self, project: int, cells=None):
        """The labelled rows as a table core.data reads back as the same task (core.labels.handoff)."""
        from core.labels.handoff import labelled_table

        return labelled_table(self, project, cells)

    def export(self, project: int, path: str | Path, format: str | None = None) -> Path:
        """Write the labelled rows as CSV (UTF-8) or Excel; the format follows the name if not given."""
        from core.labels.handoff import export

        return export(self, project, path, format)

    def export_for_training(self, project: int) -> Path:
        """Save the labelled rows as a CSV among the workspace's datasets, ready to train on; returns its path."""
        from core.labels.handoff import export_for_training

        return export_for_training(self, project)


# module-level shortcuts for pages that only hold the workspace ---------------------------------
def create_project(workspace: str | Path, name: str, data: LabelledTexts, task: str | None = None) -> Project:
    return LabelStore(workspace).create_project(name, data, task)


def export_for_training(workspace: str | Path, project: int) -> Path:
    return LabelStore(workspace).export_for_training(project)


def _names(task: str, cells: list[str | None]) -> list[str]:
    """The label names some new cells use, to add to the label set (none for numbers)."""
    if task == tasks.SCORE:
        return []
    if task == tasks.MULTI:
        return [n for cell in cells for n in (tasks.read(tasks.MULTI, cell) or [])]
    return [c for c in cells if c]

