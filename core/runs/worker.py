"""`python -m core.runs.worker RUN_ID`: the process that trains one run, then starts the next queued one.

It claims the device, beats a heartbeat every few seconds, and always ends the run in a
final status with one plain sentence on failure; the traceback goes to the run's log.txt.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time

from core.errors import OutOfMemory, StudioError
from core.runs.processes import HEARTBEAT_SECONDS
from core.runs.ranks import lost_peer, lost_process_reason
from core.runs.runner import INTERRUPTED, claim_device, release_claim, start_next
from core.runs.standby import STANDBY_IDLE_SECONDS, leave_standby
from core.store.run_folder import latest_checkpoint, log_path
from core.store.runs import RunRecord, RunStore
from core.store.workspace import workspace_path

log = logging.getLogger("core.runs.worker")


def classify_failure(error: BaseException, device: str | None) -> StudioError:
    """Turn any exception from training into a StudioError with a plain sentence and a fix."""
    if isinstance(error, StudioError):
        return error
    if lost_peer(error):  # another process of this run (another GPU, another machine) went away
        lost = StudioError(*lost_process_reason())
        lost.kind = "interrupted"
        return lost
    text = str(error).lower()
    if isinstance(error, MemoryError) or "out of memory" in text or type(error).__name__ == "OutOfMemoryError":
        return OutOfMemory(f"Training ran out of memory on {device or 'this device'}.",
                           "Lower the batch size (e.g. 8) or the max length (e.g. 64) and start again.")
    return StudioError(f"Training stopped because of an unexpected error ({type(error).__name__}).",
                       "The log below has the details; try again, or start with the 'quick' preset.")


class Heartbeat:
    """Writes 'still alive' to the store from a background thread while training runs."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store, self.run_id = store, run_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.store.update(self.run_id, heartbeat=time.time())
            except Exception:  # a busy database must not kill the training; the next beat retries
                log.debug("heartbeat write failed", exc_info=True)


def execute(store: RunStore, run: RunRecord) -> RunRecord:
    """Train a run this process has claimed and record how it ended; the run's log.txt gets everything."""
    handler = log_to_run_folder(run)
    try:
        from core.runs.ranks import launch_if_needed

        launched = launch_if_needed(store, run)  # a pinned GPU, several GPUs, CPU processes: child processes
        return launched if launched is not None else _execute(store, run)
    except StudioError as error:  # where it should train is wrong (a GPU gone since it was queued)
        store.update(run.id, status="failed", ended_at=time.time(), error=error.message, error_fix=error.fix,
                     error_kind=error.kind, resume_requested=False)
        return store.get(run.id)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def _execute(store: RunStore, run: RunRecord) -> RunRecord:
    resume_from = latest_checkpoint(run.run_dir) if run.resume_requested else None
    if resume_from is not None:
        step = int(resume_from.name.split("-")[1])
        store.update(run.id, resumed_from_step=step)
        store.forget_metrics_after(run.id, step)
        log.info("Resuming run %s from %s", run.id, resume_from)
    elif run.resume_requested:
        log.info("Run %s has no checkpoint yet; starting it again from the beginning", run.id)
        store.forget_metrics_after(run.id, -1)
    try:
        with Heartbeat(store, run.id):  # beating already while torch and transformers load
            from core.train.methods import run_training  # fine-tune, few-shot or quick, and the baseline

            results = run_training(store, run, resume_from)
        status = "stopped" if results["stopped"] else "completed"
        store.update(run.id, status=status, ended_at=time.time(), results=results, resume_requested=False,
                     stop_requested=False, global_step=results["global_step"])
    except KeyboardInterrupt:
        log.warning("Run %s was interrupted from the keyboard", run.id)
        store.update(run.id, status="interrupted", ended_at=time.time(), error=INTERRUPTED[0],
                     error_fix=INTERRUPTED[1], error_kind="interrupted", resume_requested=False)
        raise
    except BaseException as error:  # noqa: BLE001 - every failure must end the run in a final state
        log.exception("Run %s failed", run.id)
        failure = classify_failure(error, store.get(run.id).device)
        status = "interrupted" if failure.kind == "interrupted" else "failed"  # a lost rank: resumable
        store.update(run.id, status=status, ended_at=time.time(), error=failure.message, error_fix=failure.fix,
                     error_kind=failure.kind, resume_requested=False)
    return store.get(run.id)


def log_to_run_folder(run: RunRecord) -> logging.Handler:
    handler = logging.FileHandler(log_path(run.run_dir), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler


def warm_up() -> None:
    """Load what every training needs, so a run handed to a standby worker starts at once."""
    import datasets  # noqa: F401
    import sklearn.metrics  # noqa: F401
    import torch  # noqa: F401
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer  # noqa: F401

    from core.models.resolve import DEFAULT_MODEL, resolve_model
    from core.train.finetune import run_training  # noqa: F401

    for weights in resolve_model(DEFAULT_MODEL).glob("*.safetensors"):
        weights.read_bytes()  # into the OS file cache: the first load is then a memory copy


def standby(store: RunStore, idle_seconds: float = STANDBY_IDLE_SECONDS) -> int:
    """Wait, warmed up, until start_next hands this process a run (the run carries our pid); then train it."""
    from core.device import training_device
    from core.train.calibrate import calibrate_next

    warm_up()
    pid, idle_until = os.getpid(), time.monotonic() + idle_seconds
    device = training_device()
    log.info("Standby worker %d is ready", pid)

    def handed() -> list[RunRecord]:
        return [r for r in store.list_runs(("queued",)) if r.pid == pid]

    while True:
        if runs := handed():
            return train_one(store, runs[-1].id)
        # a handed run interrupts the measurement between two steps: Start waits a step, not a measurement
        if calibrate_next(store.workspace, device.name, interrupted=lambda: bool(handed())) is not None:
            continue  # measured a model for the Train page's estimate; look for a handed run again
        if time.monotonic() > idle_until and leave_standby(store, pid):
            return 0
        time.sleep(0.25)


def train_one(store: RunStore, run_id: str) -> int:
    """Claim the device for a queued run, train it, then start whatever is queued next."""
    run = store.get(run_id)
    if run is None:
        return 1
    try:
        if not claim_device(store, run.id, os.getpid()):
            log.info("Run %s stays queued: the device is busy or the run is no longer queued", run.id)
            release_claim(store, run.id, os.getpid())
            return 0
        execute(store, store.get(run.id))
    finally:
        start_next(store)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.runs.worker", description="Train one queued run.")
    parser.add_argument("run_id", nargs="?")
    parser.add_argument("--standby", action="store_true", help="Load the libraries now and wait to be handed a run.")
    parser.add_argument("--rank-process", action="store_true", help="One of a claimed run's processes (torchrun).")
    parser.add_argument("--workspace")
    args = parser.parse_args(argv)
    store = RunStore(workspace_path(args.workspace))
    if args.rank_process:
        from core.runs.ranks import train_rank

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return train_rank(store, args.run_id)
    if args.standby:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return standby(store)
    if not args.run_id:
        parser.error("give a RUN_ID or --standby")
    return train_one(store, args.run_id)


if __name__ == "__main__":
    raise SystemExit(main())
