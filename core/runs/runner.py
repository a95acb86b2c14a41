"""Runs that live on their own: create, queue, start detached workers, stop, resume, recover.

A training is an ordinary OS process (`python -m core.runs.worker RUN_ID`) in its own session, so
page reruns, closed tabs and a restarted server leave it running. One training per device at
a time: a worker claims the device in one database transaction; when it ends it starts the
oldest queued run, and anyone looking at the runs notices a dead worker and does the same.
A worker counts as dead when its process is gone or its heartbeat has gone silent (its pid may
have been reused); a run whose workers keep dying before they claim it fails after a few tries.
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
from core.runs.launcher import ANY_DEVICE, placement_facts, run_device_names, run_devices, share_devices
from core.runs.processes import holder_alive, own_group, process_alive, spawn_worker_process, worker_alive
from core.runs.standby import take_standby
from core.store.run_folder import checkpoint_steps
from core.store.runs import ACTIVE, RunRecord, RunStore
from core.store.workspace import runs_dir
from core.train.config import TrainConfig

log = logging.getLogger(__name__)


INTERRUPTED = ("The training process ended unexpectedly (it was killed, ran out of memory or the computer restarted).",
               "Press Resume to continue from the last checkpoint.")
MAX_FAILED_STARTS = 3  # workers that may end before claiming a run before the run is marked failed
START_FAILED = ("The training process could not start; see worker.out in the run's folder.",
                "That file says why (often a package missing from .venv: run ./studio app again to repair it); "
                "then press Resume.")
CANCELLED = "Cancelled from the keyboard while it waited for the device; it will not start by itself."


def new_run_id() -> str:
    """Sortable by creation time, unique without coordination."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:4]


def create_run(store: RunStore, config: TrainConfig) -> RunRecord:
    """Check the settings and the data, make the run folder and a queued record; does not start anything."""
    config.validate()
    check_data(config)
    config.devices = run_device_names(config)  # fixed now: the queue knows which devices the run waits for
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
    from core.data.task_texts import load_task_texts, prepare_task_rows  # any task: one label, several, a score
    from core.train.methods.refuse import refuse_unsupported

    data = load_task_texts(config.data, config.text_column, config.label_column, config.text_pair_column,
                           task=config.task, label_columns=config.label_columns, separator=config.label_separator)
    refuse_unsupported(config.method, data)  # quick and few-shot: one label per single text, said before any work
    prepare_task_rows(data)


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
            with store.transaction() as db:
                changed = _interrupt_if_dead(store, db, run.id) or changed
    if changed or store.list_runs(("queued",)):
        start_next(store)
    return store.list_runs()


def _interrupt_if_dead(store: RunStore, db, run_id: str) -> bool:
    """Inside a transaction: mark a running run interrupted if its worker is gone or silent; True if it was."""
    row = db.execute("SELECT pid, heartbeat FROM runs WHERE id = ? AND status = 'running'", (run_id,)).fetchone()
    if row is None or holder_alive(row["pid"], row["heartbeat"]):
        return False
    log.warning("Run %s lost its worker (pid %s, silent or gone); marking it interrupted", run_id, row["pid"])
    store.update(run_id, db=db, status="interrupted", ended_at=time.time(), error=INTERRUPTED[0],
                 error_fix=INTERRUPTED[1], error_kind="interrupted")
    return True


def _device_busy(store: RunStore, db, except_id: str = "", devices: frozenset[str] = ANY_DEVICE) -> bool:
    """Inside a transaction: True while a live worker trains on any of `devices`; running runs whose worker died
    are interrupted."""
    running = db.execute("SELECT id, config FROM runs WHERE status = 'running' AND id != ?", (except_id,)).fetchall()
    alive = [r for r in running if not _interrupt_if_dead(store, db, r["id"])]  # every dead one is marked
    return any(share_devices(devices, run_devices(r["config"])) for r in alive)


# the queue --------------------------------------------------------------------------------
def start_next(store: RunStore) -> RunRecord | None:
    """Launch a worker for every queued run whose devices are free, oldest first; returns the first one started.

    A run waits only for its own devices (the CPU is one device), and a waiting run keeps its devices for itself
    against later runs, so a run needing two GPUs is not overtaken forever by runs needing one of them.
    """
    started: list[str] = []
    with store.transaction() as db:
        held = held_devices(store, db)
        queued = db.execute("SELECT id, pid, heartbeat, failed_starts, config FROM runs WHERE status = 'queued' "
                            "ORDER BY created_at, id").fetchall()
        for row in queued:
            devices = run_devices(row["config"])
            if holder_alive(row["pid"], row["heartbeat"]):
                held |= devices  # a worker is starting up for it, or a foreground `train` waits for its devices
                continue
            if share_devices(devices, held):
                held |= devices  # it waits: the devices it needs are its, before any later run's
                continue
            if row["pid"] and _count_failed_start(store, db, row):
                continue  # marked failed: try the next one
            pid = take_standby(db) or _spawn_worker(store.workspace, row["id"])
            store.update(row["id"], db=db, pid=pid, heartbeat=time.time())  # the worker has a while to claim it
            held |= devices
            started.append(row["id"])
    return store.get(started[0]) if started else None


def held_devices(store: RunStore, db) -> set[str]:
    """Inside a transaction: the devices live trainings hold (running runs whose worker died are interrupted)."""
    running = db.execute("SELECT id, config FROM runs WHERE status = 'running'").fetchall()
    return {d for r in running if not _interrupt_if_dead(store, db, r["id"]) for d in run_devices(r["config"])}


def _count_failed_start(store: RunStore, db, row) -> bool:
    """The worker handed this queued run ended without claiming it: count it; True once the run is marked failed."""
    failed = row["failed_starts"] + 1
    log.warning("The worker for run %s (pid %s) ended before it started training (%d of %d tries)",
                row["id"], row["pid"], failed, MAX_FAILED_STARTS)
    if failed < MAX_FAILED_STARTS:
        store.update(row["id"], db=db, failed_starts=failed)
        return False
    store.update(row["id"], db=db, status="failed", failed_starts=failed, pid=None, ended_at=time.time(),
                 error=START_FAILED[0], error_fix=START_FAILED[1], error_kind="start_failed")
    return True


def _spawn_worker(workspace: Path, run_id: str) -> int:
    return spawn_worker_process(workspace, [run_id], runs_dir(workspace) / run_id / "worker.out")


def claim_device(store: RunStore, run_id: str, pid: int) -> bool:
    """Atomically turn a queued run into the running one, if no other live run holds the device."""
    with store.transaction() as db:
        row = db.execute("SELECT status, config FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or row["status"] != "queued":
            return False
        now = time.time()
        if _device_busy(store, db, except_id=run_id, devices=run_devices(row["config"])):
            # a waiting foreground `train` beats here, so start_next sees it is still alive and waits
            db.execute("UPDATE runs SET heartbeat = ? WHERE id = ? AND pid = ?", (now, run_id, pid))
            return False
        store.update(run_id, db=db, status="running", pid=pid, heartbeat=now, started_at=now, ended_at=None,
                     error=None, error_fix=None, error_kind=None, stop_requested=False, failed_starts=0)
    return True


def release_claim(store: RunStore, run_id: str, pid: int) -> None:
    """A worker that could not claim its queued run lets go of it, so its exit is not counted as a failed start."""
    with store.transaction() as db:
        db.execute("UPDATE runs SET pid = NULL WHERE id = ? AND pid = ? AND status = 'queued'", (run_id, pid))


def cancel_waiting(store: RunStore, run_id: str, pid: int) -> RunRecord | None:
    """Take a run that `pid` was waiting to train off the queue (Ctrl-C in a foreground `train`)."""
    with store.transaction() as db:
        row = db.execute("SELECT status, pid FROM runs WHERE id = ?", (run_id,)).fetchone()
        # running with our pid: the claim went through just as Ctrl-C came, before any training
        if row is not None and (row["status"] == "queued" or (row["status"] == "running" and row["pid"] == pid)):
            store.update(run_id, db=db, status="stopped", ended_at=time.time(), pid=None, error=CANCELLED,
                         error_fix="Press Resume to queue it again.", error_kind="cancelled")
    return store.get(run_id)


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
    store.update(run_id, status="queued", resume_requested=True, stop_requested=False, pid=None, failed_starts=0)
    start_next(store)
    return get_run(store, run_id)


def delete_run(store: RunStore, run_id: str, wait_seconds: float = 60.0) -> None:
    """Delete a run and its folder; a running one is stopped first (killed if it does not stop in time).

    Whether it trains is decided in the same transaction that deletes it or asks it to stop, so a
    worker about to claim it finds it gone, and one that just claimed it is stopped, never orphaned.
    """
    get_run(store, run_id)  # a plain sentence when there is no such run
    with store.transaction() as db:
        row = db.execute("SELECT status, pid, heartbeat, run_dir FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:  # deleted meanwhile by someone else
            return
        training = row["status"] == "running" and holder_alive(row["pid"], row["heartbeat"])
        if training:
            store.update(run_id, db=db, stop_requested=True)
        else:
            store.delete_run(run_id, db)
    if training:
        if not _wait_for_exit(store, run_id, row["pid"], wait_seconds):
            log.warning("Run %s did not stop in %.0f s; ending its worker (pid %s)", run_id, wait_seconds, row["pid"])
            _kill(row["pid"])
        store.delete_run(run_id)
    shutil.rmtree(row["run_dir"], ignore_errors=True)
    start_next(store)


def _wait_for_exit(store: RunStore, run_id: str, pid: int, seconds: float) -> bool:
    """Wait for a stopping worker's process to end (it writes to the run folder until then)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        if pid == os.getpid() and store.get(run_id).status != "running":
            return True  # trained in this very process (a test, a notebook): it has ended, there is no exit to wait for
        time.sleep(0.2)
    return False


def _kill(pid: int) -> None:
    if pid == os.getpid():
        return  # never this process itself
    try:
        os.killpg(pid, signal.SIGKILL) if own_group(pid) else os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it ended by itself just now


def run_summary(store: RunStore, run: RunRecord) -> dict:
    """What `runs show` prints: the record, its checkpoints and its latest metrics."""
    return {**run.to_dict(), **placement_facts(run.config, run.results), "checkpoints": checkpoint_steps(run.run_dir),
            "latest_metrics": store.latest_metrics(run.id)}
