"""A run trained by child processes the worker starts: one pinned GPU, or torchrun's ranks (GPUs, CPU gloo).

The worker keeps the device claim and the heartbeat and waits for the children. Rank 0 trains as a worker
would (it writes the run store, log.txt, checkpoints' model, results.json and the model); the other ranks train
with a store that does not write. A rank that dies takes the others down with it (torchrun, --max-restarts=0) and
the run ends as interrupted, resumable from its last checkpoint: Resume starts every rank again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time

from core.runs.launcher import LAUNCHER_PID, place, trains_in_place, worker_command
from core.runs.processes import PROJECT_ROOT, process_alive
from core.store.runs import RunRecord, RunStore
from core.train.config import TrainConfig
from core.train.distributed import MutedStore, is_main, rank, world_size

log = logging.getLogger(__name__)

LOST_RANK = ("One of the run's training processes ended unexpectedly (killed, out of memory, or its machine "
             "went away), so the others stopped too.", "Press Resume to continue every process from the last "
             "checkpoint.")


def lost_peer(error: BaseException) -> bool:
    """An error that says another process of the run went away mid-collective (gloo, NCCL, the c10d store)."""
    if world_size() == 1:
        return False  # one process: nobody else to lose
    text = str(error).lower()
    return type(error).__name__ in ("DistBackendError", "DistNetworkError", "DistStoreError") or any(
        words in text for words in ("connection closed by peer", "connection reset by peer", "broken pipe"))


def launcher_gone() -> bool:
    """True once the worker that started this rank is dead (killed with -9, its machine restarted)."""
    launcher = int(os.environ.get(LAUNCHER_PID) or 0)
    return launcher > 0 and not process_alive(launcher)


def lost_process_reason() -> tuple[str, str]:
    """Why this rank's peers went away: the worker that started them all died, or one of the ranks did.

    When the worker dies, whichever rank notices first ends and the others see a lost peer; the sentence must
    name the worker either way, since that is what the person has to look into.
    """
    return LOST_WORKER if launcher_gone() else LOST_RANK


def launch_if_needed(store: RunStore, run: RunRecord) -> RunRecord | None:
    """Train the run in child processes when it needs them and return how it ended; None: train it here."""
    placement = place(TrainConfig.from_dict(run.config))
    if trains_in_place(placement):
        return None
    argv, env = worker_command(run.id, str(store.workspace), placement)
    log.info("Run %s trains on %s in %d process(es) here (%d in all): %s", run.id, ",".join(placement.devices),
             placement.nproc, placement.world_size, " ".join(argv))
    from core.runs.worker import Heartbeat

    with Heartbeat(store, run.id), open(os.path.join(run.run_dir, "ranks.out"), "ab") as out:
        child = subprocess.Popen(argv, cwd=PROJECT_ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT)
        try:
            code = child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)  # torchrun passes it on to every rank
            code = child.wait()
    return settle(store, run, code)


def settle(store: RunStore, run: RunRecord, code: int) -> RunRecord:
    """After the children: a run no rank ended (one was killed, so torchrun ended the rest) is interrupted.

    Only while it is still this worker's claim: once rank 0 has ended it (stopped, say), it may already have been
    resumed and claimed by a new worker while these processes were still exiting.
    """
    if interrupt_if_ours(store, run, LOST_RANK):
        log.warning("Run %s: its training processes ended (exit code %s) before it finished", run.id, code)
    return store.get(run.id)


def train_rank(store: RunStore, run_id: str) -> int:
    """One of the run's processes (`--rank-process`): the worker claimed the run; this trains its share."""
    from core.runs.worker import _execute, log_to_run_folder

    run = store.get(run_id)
    if run is None or run.status != "running":
        log.error("Run %s is not running; rank %d has nothing to train", run_id, rank())
        return 1
    watch_launcher(store, run)
    if not is_main():
        muted = RecordingStore(store)
        _execute(muted, run)
        return 1 if muted.status == "failed" else 0  # a failure ends every rank at once (torchrun)
    handler = log_to_run_folder(run)
    try:
        ended = _execute(store, run)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    return 0 if ended is not None and ended.status in ("completed", "stopped") else 1


LOST_WORKER = ("The process that started the run's training processes ended unexpectedly (it was killed, or its "
               "computer restarted), so they stopped too.", "Press Resume to continue from the last checkpoint.")


def watch_launcher(store: RunStore, run: RunRecord, every: float = 1.0) -> threading.Thread:
    """End this process as soon as the one that started it is gone (the worker killed with -9, or torchrun).

    Left alone, the ranks of a run whose worker died would train on unseen: the dashboard already calls the run
    interrupted, Resume would start a second set of ranks writing into the same folder, and the device stays busy.
    Rank 0 first marks the run interrupted (only while it is still this worker's claim), so Resume works at once.
    """
    launcher, parent = int(os.environ.get(LAUNCHER_PID) or 0), os.getppid()

    def gone() -> bool:
        return os.getppid() != parent or launcher_gone()

    def watch() -> None:
        while not gone():
            time.sleep(every)
        log.error("Run %s: the process that started rank %d (pid %s) is gone; ending this rank", run.id, rank(),
                  launcher or parent)
        try:
            if is_main():
                interrupt_if_ours(store, run, LOST_WORKER)
        except Exception:  # noqa: BLE001 - a busy database: the dashboard marks it anyway (its worker is gone)
            log.exception("Could not mark run %s interrupted", run.id)
        os._exit(1)  # no clean-up: the training itself must stop now, wherever it is (as a kill would)

    watcher = threading.Thread(target=watch, daemon=True, name="launcher-watch")
    watcher.start()
    return watcher


def interrupt_if_ours(store: RunStore, run: RunRecord, reason: tuple[str, str]) -> bool:
    """Mark the run interrupted if it is still running under the claim `run` was read with; True if it was."""
    with store.transaction() as db:
        row = db.execute("SELECT status, pid, started_at FROM runs WHERE id = ?", (run.id,)).fetchone()
        if row is None or row["status"] != "running" or (row["pid"], row["started_at"]) != (run.pid, run.started_at):
            return False
        store.update(run.id, db=db, status="interrupted", ended_at=time.time(), error=reason[0], error_fix=reason[1],
                     error_kind="interrupted", resume_requested=False)
    return True


class RecordingStore(MutedStore):
    """A muted store that remembers the last status its rank would have written (to set the exit code)."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.status: str | None = None

    def __getattr__(self, name: str):
        if name == "update":
            return self._update
        return super().__getattr__(name)

    def _update(self, run_id, db=None, **values) -> None:
        self.status = values.get("status", self.status)
