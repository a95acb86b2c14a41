"""The workspace database (`studio.db`, SQLite in WAL mode), shared by the run store and the label store.

WAL lets pages and the CLI read while a worker or another tab writes. Connections are opened
per call: Streamlit runs each session in its own thread and SQLite connections must not cross
threads. Every change that must not tear is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_NAME = "studio.db"


def database_path(workspace: str | Path, schema: str) -> Path:
    """The workspace's database, with `schema` (CREATE ... IF NOT EXISTS statements) applied."""
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / FILE_NAME
    with connect(path) as db:
        db.executescript(schema)
    return path


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        yield db
    finally:
        db.close()


@contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """An immediate (write-locked) transaction: read-check-write without a race."""
    with connect(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
