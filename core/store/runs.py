"""The run store: one SQLite database (WAL mode) in the workspace indexing runs and their metrics.

Readers (pages, the CLI) and a writing worker use it at the same time (core.store.database: WAL mode, a
connection per call); every change is one transaction, so a killed process never leaves a run
half-written.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.store.database import connect, database_path, transaction

STATUSES = ("queued", "running", "completed", "stopped", "interrupted", "failed")
ACTIVE = ("queued", "running")
FINISHED = ("completed", "stopped", "interrupted", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    run_dir TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    pid INTEGER,
    heartbeat REAL,
    device TEXT,
    error TEXT,
    error_fix TEXT,
    error_kind TEXT,
    global_step INTEGER NOT NULL DEFAULT 0,
    max_steps INTEGER,
    epoch REAL,
    resumed_from_step INTEGER,
    resume_requested INTEGER NOT NULL DEFAULT 0,
    stop_requested INTEGER NOT NULL DEFAULT 0,
    results TEXT,
    failed_starts INTEGER NOT NULL DEFAULT 0  -- workers that ended before claiming the run
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,          -- 'train' (a logged step) or 'eval' (an evaluation)
    step INTEGER NOT NULL,
    epoch REAL,
    time REAL NOT NULL,
    "values" TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_by_run ON metrics (run_id, kind, step);
CREATE TABLE IF NOT EXISTS standby (
    pid INTEGER PRIMARY KEY,     -- a warm worker: libraries loaded, waiting to be handed a run
    started_at REAL NOT NULL
);
"""


@dataclass
class RunRecord:
    """One row of the runs table, as pages and the CLI see it."""

    id: str
    name: str
    status: str
    config: dict[str, Any]
    run_dir: str
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    pid: int | None = None
    heartbeat: float | None = None
    device: str | None = None
    error: str | None = None
    error_fix: str | None = None
    error_kind: str | None = None
    global_step: int = 0
    max_steps: int | None = None
    epoch: float | None = None
    resumed_from_step: int | None = None
    resume_requested: bool = False
    stop_requested: bool = False
    results: dict[str, Any] = field(default_factory=dict)
    failed_starts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (or to now while running)."""
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at


class RunStore:
    """Index of runs and their metrics in `workspace/studio.db`."""

    def __init__(self, workspace: str | Path) -> None:
        self.workspace = Path(workspace)
        self.path = database_path(self.workspace, _SCHEMA)
        self._add_missing_columns()

    def _connect(self):
        return connect(self.path)

    def transaction(self):
        """An immediate (write-locked) transaction: read-check-write without a race."""
        return transaction(self.path)

    def _add_missing_columns(self) -> None:
        """A studio.db made by an older version gains the columns added since (CREATE IF NOT EXISTS does not)."""
        with self._connect() as db:
            if _ADDED_COLUMNS.keys() <= _columns(db):  # the common case: a plain read, no write lock
                return
        with self.transaction() as db:  # checked again under the lock: another process may be migrating too
            for name, definition in _ADDED_COLUMNS.items():
                if name not in _columns(db):
                    db.execute(f'ALTER TABLE runs ADD COLUMN "{name}" {definition}')

    # runs ---------------------------------------------------------------------------------
    def add_run(self, run: RunRecord) -> None:
        row = _to_row(run)
        columns = ", ".join(f'"{k}"' for k in row)
        with self._connect() as db:
            db.execute(f"INSERT INTO runs ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))

    def get(self, run_id: str) -> RunRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _from_row(row) if row else None

    def list_runs(self, statuses: tuple[str, ...] | None = None) -> list[RunRecord]:
        query, args = "SELECT * FROM runs", []
        if statuses:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            args = list(statuses)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY created_at DESC, id DESC", args).fetchall()
        return [_from_row(r) for r in rows]

    def update(self, run_id: str, db: sqlite3.Connection | None = None, **values: Any) -> None:
        """Set some fields of a run (dicts are stored as JSON)."""
        if not values:
            return
        row = _to_row_values(values)
        sets = ", ".join(f'"{k}" = ?' for k in row)
        if db is not None:
            db.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*row.values(), run_id])
            return
        with self._connect() as conn:
            conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*row.values(), run_id])

    def delete_run(self, run_id: str, db: sqlite3.Connection | None = None) -> None:
        """Remove a run and its metrics; inside the caller's transaction when `db` is given."""
        if db is None:
            with self.transaction() as conn:
                self.delete_run(run_id, conn)
            return
        db.execute("DELETE FROM metrics WHERE run_id = ?", (run_id,))
        db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # metrics ------------------------------------------------------------------------------
    def add_metrics(self, run_id: str, kind: str, step: int, epoch: float | None, values: dict[str, Any]) -> None:
        with self._connect() as db:
            db.execute('INSERT INTO metrics (run_id, kind, step, epoch, time, "values") VALUES (?, ?, ?, ?, ?, ?)',
                       (run_id, kind, step, epoch, time.time(), json.dumps(values)))

    def metrics(self, run_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """Logged points of a run in step order: each has kind, step, epoch, time and its values."""
        query, args = 'SELECT kind, step, epoch, time, "values" FROM metrics WHERE run_id = ?', [run_id]
        if kind:
            query += " AND kind = ?"
            args.append(kind)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY step, time", args).fetchall()
        return [{"kind": r["kind"], "step": r["step"], "epoch": r["epoch"], "time": r["time"],
                 **json.loads(r["values"])} for r in rows]

    def forget_metrics_after(self, run_id: str, step: int) -> None:
        """Drop points logged after `step`: a resumed run logs those steps again."""
        with self._connect() as db:
            db.execute("DELETE FROM metrics WHERE run_id = ? AND step > ?", (run_id, step))

    def latest_metrics(self, run_id: str) -> dict[str, Any]:
        """The newest value of every metric name, train and eval (eval ones prefixed 'eval_')."""
        latest: dict[str, Any] = {}
        for point in self.metrics(run_id):
            prefix = "eval_" if point["kind"] == "eval" else ""
            for key, value in point.items():
                if key not in ("kind", "step", "epoch", "time"):
                    latest[key if key.startswith(prefix) else prefix + key] = value
        return latest


_JSON_FIELDS = ("config", "results")
# columns added after the first release: name -> definition, for databases made before them
_ADDED_COLUMNS = {"failed_starts": "INTEGER NOT NULL DEFAULT 0"}


def _columns(db: sqlite3.Connection) -> set[str]:
    return {row["name"] for row in db.execute("PRAGMA table_info(runs)")}


def _to_row_values(values: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for key, value in values.items():
        if key in _JSON_FIELDS:
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            value = int(value)
        row[key] = value
    return row


def _to_row(run: RunRecord) -> dict[str, Any]:
    return _to_row_values(asdict(run))


def _from_row(row: sqlite3.Row) -> RunRecord:
    values = dict(row)
    for key in _JSON_FIELDS:
        values[key] = json.loads(values[key]) if values.get(key) else {}
    values["resume_requested"] = bool(values["resume_requested"])
    values["stop_requested"] = bool(values["stop_requested"])
    return RunRecord(**values)
