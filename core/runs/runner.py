"""Runs that live on their own: create, queue, start detached workers, stop, resume, recover.

A training is an ordinary OS process (`python -m core.runs.worker RUN_ID`) in its own session, so
page reruns, closed tabs and a restarted server leave it running. One training per device at
a time: a worker claims the device in one database transaction; when it ends it starts the
oldest queued run, and anyone looking at the runs notices a dead worker and does the same.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

from core.errors import RunError
from core.runs.processes import own_group, process_alive, spawn_worker_process, worker_alive
from core.runs.standby import take_standby
from core.store.run_folder import checkpoint_steps
from core.store.runs import ACTIVE, RunRecord, RunStore
from core.store.workspace import runs_dir
from core.train.config import TrainConfig

log = logging.getLogger(__name__)


INTERRUPTED = ("The training process ended unexpectedly (it was killed, ran out of memory or the computer restarted).",
               "Press Resume to continue from the last checkpoint.")


def new_run_id() -> str:
    """Sortable by creation time, unique without coordination."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:4]


def create_run(store: RunStore, config: TrainConfig) -> RunRecord:
    """Check the settings and the data, make the run folder and a queued record; does not start anything."""
    config.validate()
    check_data(config)
    run_id = new_run_id()
    run_dir = runs_dir(store.workspace) / run_id
    run_dir.mkdir(parents=True)
    name = config.name or f"{Path(config.data).stem} · {config.preset}"
    config.name = name
    (run_dir / "config.json").write_text(config.to_json())
    run = RunRecord(id=run_id, name=name, status="queued", config=config.to_dict(), run_dir=str(run_dir),
                    created_at=time.time())
    store.add_run(run)
    return run


def check_data(config: TrainConfig) -> None:
    """Fail now, not minutes later in a worker, when the data cannot train (a wrong column, one label)."""
    from core.data.texts import load_texts, prepare_for_training

    prepare_for_training(load_texts(config.data, config.text_column, config.label_column))


def submit(store: RunStore, config: TrainConfig) -> RunRecord:
    """Queue a run and start it now if the device is free."""
    run = create_run(store, config)
    start_next(store)
    return store.get(run.id) or run


def refresh(store: RunStore) -> list[RunRecord]:
    """Mark runs whose worker died as interrupted, start queued work if the device is free; return all runs."""
    changed = False
    for run in store.list_runs(("running",)):
        if not worker_alive(run):
            log.warning("Run %s lost its worker (pid %s); marking it interrupted", run.id, run.pid)
            store.update(run.id, status="interrupted", ended_at=time.time(), error=INTERRUPTED[0],
                         error_fix=INTERRUPTED[1], error_kind="interrupted")
            changed = True
    if changed or store.list_runs(("queued",)):
        start_next(store)
    return store.list_runs()


# the queue --------------------------------------------------------------------------------
def start_next(store: RunStore) -> RunRecord | None:
    """Launch a worker for the oldest queued run unless a training holds the device or is starting."""
    with store.transaction() as db:
        running = db.execute("SELECT id, pid, heartbeat FROM runs WHERE status = 'running'").fetchall()
        if any(process_alive(r["pid"]) for r in running):
            return None
        queued = db.execute("SELECT id, pid FROM runs WHERE status = 'queued' ORDER BY created_at, id").fetchall()
        if not queued or any(process_alive(r["pid"]) for r in queued):
            return None  # nothing to do, or a worker is already starting up for a queued run
        run_id = queued[0]["id"]
        pid = take_standby(db) or _spawn_worker(store.workspace, run_id)
        store.update(run_id, db=db, pid=pid)
    return store.get(run_id)


def _spawn_worker(workspace: Path, run_id: str) -> int:
    return spawn_worker_process(workspace, [run_id], runs_dir(workspace) / run_id / "worker.out")


def claim_device(store: RunStore, run_id: str, pid: int) -> bool:
    """Atomically turn a queued run into the running one, if no other live run holds the device."""
    with store.transaction() as db:
        others = db.execute("SELECT pid FROM runs WHERE status = 'running' AND id != ?", (run_id,)).fetchall()
        if any(process_alive(r["pid"]) for r in others):
            return False
        row = db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or row["status"] != "queued":
            return False
        now = time.time()
        store.update(run_id, db=db, status="running", pid=pid, heartbeat=now, started_at=now, ended_at=None,
                     error=None, error_fix=None, error_kind=None, stop_requested=False)
    return True


# user actions -----------------------------------------------------------------------------
def get_run(store: RunStore, run_id: str) -> RunRecord:
    run = store.get(run_id)
    if run is None:
        raise RunError(f"There is no run called '{run_id}'.", "List the runs with: python -m core runs list")
    return run


def stop_run(store: RunStore, run_id: str) -> RunRecord:
    """Ask a running training to save a checkpoint and end; a queued one is simply taken off the queue."""
    run = get_run(store, run_id)
    if run.status == "queued":
        with store.transaction() as db:
            store.update(run_id, db=db, status="stopped", ended_at=time.time(), pid=None)
    elif run.status == "running":
        store.update(run_id, stop_requested=True)
    else:
        raise RunError(f"Run '{run_id}' is not running (it is {run.status}).", "Only a running or queued run can stop.")
    return get_run(store, run_id)


def resume_run(store: RunStore, run_id: str) -> RunRecord:
    """Queue a stopped, interrupted or failed run again; its worker continues from the last checkpoint."""
    run = get_run(store, run_id)
    if run.status in ACTIVE:
        raise RunError(f"Run '{run_id}' is already {run.status}.", "Wait for it, or stop it first.")
    if run.status == "completed":
        raise RunError(f"Run '{run_id}' has already completed.", "Start a new run to train further.")
    store.update(run_id, status="queued", resume_requested=True, stop_requested=False, pid=None)
    start_next(store)
    return get_run(store, run_id)


def delete_run(store: RunStore, run_id: str, wait_seconds: float = 60.0) -> None:
    """Delete a run and its folder; a running one is stopped first (killed if it does not stop in time)."""
    run = get_run(store, run_id)
    if run.status == "running" and worker_alive(run):
        stop_run(store, run_id)
        if not _wait_for_end(store, run_id, wait_seconds):
            os.killpg(run.pid, signal.SIGKILL) if own_group(run.pid) else os.kill(run.pid, signal.SIGKILL)
    store.delete_run(run_id)
    shutil.rmtree(run.run_dir, ignore_errors=True)
    start_next(store)


def _wait_for_end(store: RunStore, run_id: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = store.get(run_id)
        if run is None or run.status != "running" or not process_alive(run.pid):
            return True
        time.sleep(0.2)
    return False


def run_summary(store: RunStore, run: RunRecord) -> dict:
    """What `runs show` prints: the record, its checkpoints and its latest metrics."""
    return {**run.to_dict(), "checkpoints": checkpoint_steps(run.run_dir),
            "latest_metrics": store.latest_metrics(run.id)}
