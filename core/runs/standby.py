"""Standby workers: a worker that imports torch and transformers ahead of time and waits for a run.

Importing them takes most of a worker's start (5-10 s on a laptop CPU), so with a standby waiting
Start shows the first loss within seconds. One at most; it leaves after 15 minutes unused.
"""

from __future__ import annotations

import os
import time

from core.runs.processes import process_alive, spawn_worker_process
from core.store.runs import RunStore

STANDBY_IDLE_SECONDS = 15 * 60  # a standby leaves after this long unused, giving its memory back


def take_standby(db) -> int | None:
    """Hand the run to a live standby worker (it notices the run carries its pid); None if there is none."""
    for row in db.execute("SELECT pid FROM standby ORDER BY started_at").fetchall():
        db.execute("DELETE FROM standby WHERE pid = ?", (row["pid"],))
        if process_alive(row["pid"]):
            return row["pid"]
    return None


def ensure_standby(store: RunStore) -> int | None:
    """Start a standby worker unless one is waiting or a training is under way; returns its pid.

    STUDIO_STANDBY=0 turns standby workers off (the test suite does, so no test leaves one behind).
    """
    if os.environ.get("STUDIO_STANDBY", "1") == "0":
        return None
    with store._connect() as db:  # the common case, a standby already waiting, needs no write lock
        if any(process_alive(r["pid"]) for r in db.execute("SELECT pid FROM standby").fetchall()):
            return None
    with store.transaction() as db:
        if any(process_alive(r["pid"]) for r in db.execute("SELECT pid FROM standby").fetchall()):
            return None
        busy = db.execute("SELECT pid FROM runs WHERE status IN ('running', 'queued')").fetchall()
        if any(process_alive(r["pid"]) for r in busy):
            return None  # the worker that ends it starts the next one; a standby would only sit in memory
        db.execute("DELETE FROM standby")
        pid = spawn_worker_process(store.workspace, ["--standby"], store.workspace / "standby.out")
        db.execute("INSERT INTO standby (pid, started_at) VALUES (?, ?)", (pid, time.time()))
    return pid


def leave_standby(store: RunStore, pid: int) -> bool:
    """A standby's way out: True when it may exit, False when a run was handed to it meanwhile."""
    with store.transaction() as db:
        handed = db.execute("SELECT id FROM runs WHERE status = 'queued' AND pid = ?", (pid,)).fetchone()
        if handed:
            return False
        db.execute("DELETE FROM standby WHERE pid = ?", (pid,))
    return True


