"""Trainings that run on their own: detached workers, the queue, stop, resume, crash recovery.

Each test starts real worker processes on a tiny model and polls the store with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.runs import runner
from core.runs.processes import STALE_SECONDS
from core.runs.runner import claim_device, create_run, delete_run, refresh, resume_run, start_next, stop_run, submit
from core.store.run_folder import checkpoint_steps
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, write_toy_csv

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 600  # seconds, a ceiling only: a worker imports torch, and a busy 2-core machine trains slowly


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")


@pytest.fixture()
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "workspace")


def long_config(tmp_path: Path, model: Path, **overrides) -> TrainConfig:
    """Enough steps (480: 12 steps an epoch) that a test can act while the run is still going."""
    data = write_toy_csv(tmp_path / "toy.csv", rows=120)
    values = dict(data=str(data), model=str(model), epochs=40, batch_size=8, learning_rate=1e-3, max_length=16,
                  checkpoint_steps=20, logging_steps=10, seed=1)
    values.update(overrides)
    return TrainConfig.from_preset("quick", **values)


def wait_for(predicate, what: str, deadline: float = DEADLINE, store: RunStore | None = None, run_id: str = ""):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if store is not None:
            refresh(store)
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    log = ""
    if store is not None and run_id and store.get(run_id):
        path = Path(store.get(run_id).run_dir) / "log.txt"
        log = path.read_text()[-3000:] if path.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def cli(*args: str, workspace: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "core", *args, "--workspace", str(workspace), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_kill_9_marks_interrupted_and_resume_completes_with_full_step_count(tmp_path, tiny_model, store):
    run = submit(store, long_config(tmp_path, tiny_model))
    first = wait_for(lambda: checkpoint_steps(run.run_dir), "a checkpoint", store=store, run_id=run.id)
    pid = store.get(run.id).pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: store.get(run.id).status == "interrupted", "interrupted", deadline=30, store=store)
    shown = cli("runs", "show", run.id, workspace=store.workspace)
    assert shown["status"] == "interrupted" and "Resume" in shown["error_fix"]
    checkpoint = max(shown["checkpoints"])
    assert checkpoint >= first[0]

    cli("runs", "resume", run.id, workspace=store.workspace)
    wait_for(lambda: store.get(run.id).status in ("completed", "failed"), "completion", store=store, run_id=run.id)
    done = cli("runs", "show", run.id, workspace=store.workspace)
    assert done["status"] == "completed", done["error"]
    assert done["resumed_from_step"] == checkpoint
    assert done["global_step"] == done["max_steps"] == 480
    assert (Path(done["run_dir"]) / "model" / "config.json").exists()


def test_stop_saves_a_checkpoint_and_resume_finishes(tmp_path, tiny_model, store):
    run = submit(store, long_config(tmp_path, tiny_model, checkpoint_steps=0))
    wait_for(lambda: store.get(run.id).global_step >= 5, "training to start", store=store, run_id=run.id)
    stop_run(store, run.id)
    wait_for(lambda: store.get(run.id).status != "running", "the stop", store=store, run_id=run.id)
    stopped = cli("runs", "show", run.id, workspace=store.workspace)
    assert stopped["status"] == "stopped"
    assert stopped["checkpoints"], "Stop must leave a checkpoint to resume from"
    resume_run(store, run.id)
    wait_for(lambda: store.get(run.id).status in ("completed", "failed"), "completion", store=store, run_id=run.id)
    done = store.get(run.id)
    assert done.status == "completed" and done.global_step == 480
    assert done.resumed_from_step == max(stopped["checkpoints"])


def test_second_run_waits_in_the_queue_then_starts_by_itself(tmp_path, tiny_model, store):
    first = submit(store, long_config(tmp_path, tiny_model, epochs=10, checkpoint_steps=0))
    second = submit(store, long_config(tmp_path, tiny_model, epochs=2, checkpoint_steps=0))
    assert store.get(second.id).status == "queued"
    wait_for(lambda: store.get(first.id).status == "running", "the first run to start", store=store)
    assert store.get(second.id).status == "queued"
    # nobody calls refresh from here on: the first worker must start the second when it ends
    wait_for(lambda: store.get(second.id).status in ("completed", "failed"), "the second run", run_id=second.id,
             store=None)
    assert store.get(first.id).status == "completed"
    assert store.get(second.id).status == "completed"
    assert store.get(second.id).started_at >= store.get(first.id).ended_at - 1


def test_a_reader_polling_while_a_worker_writes_sees_no_error(tmp_path, tiny_model, store):
    run = submit(store, long_config(tmp_path, tiny_model, epochs=15, checkpoint_steps=0, logging_steps=1))
    errors: list[BaseException] = []
    reads = 0

    def reader():
        nonlocal reads
        reader_store = RunStore(store.workspace)
        while store.get(run.id).status in ("queued", "running"):
            try:
                reader_store.list_runs()
                reader_store.metrics(run.id)
                reader_store.latest_metrics(run.id)
                reads += 1
            except BaseException as error:  # noqa: BLE001 - any error at all fails the test
                errors.append(error)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    wait_for(lambda: store.get(run.id).status in ("completed", "failed"), "completion", store=store, run_id=run.id)
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert reads > 10
    assert store.get(run.id).status == "completed"
    assert len(store.metrics(run.id, "train")) >= 100


def test_deleting_a_running_run_stops_it_first(tmp_path, tiny_model, store):
    run = submit(store, long_config(tmp_path, tiny_model, checkpoint_steps=0))
    wait_for(lambda: store.get(run.id).global_step >= 5, "training to start", store=store, run_id=run.id)
    pid = store.get(run.id).pid
    delete_run(store, run.id)
    assert store.get(run.id) is None
    assert not Path(run.run_dir).exists()
    wait_for(lambda: not _alive(pid), "the worker to end", deadline=30)


def _alive(pid: int) -> bool:
    from core.runs.processes import process_alive

    return process_alive(pid)


def test_detached_train_from_the_cli_returns_at_once(tmp_path, tiny_model):
    workspace = tmp_path / "ws"
    data = write_toy_csv(tmp_path / "toy.csv", rows=60)
    started = time.monotonic()
    out = cli("train", "--data", str(data), "--model", str(tiny_model), "--epochs", "1", "--detach",
              workspace=workspace)
    assert time.monotonic() - started < 60
    assert out["status"] in ("queued", "running") and out["run_id"]
    store = RunStore(workspace)
    wait_for(lambda: store.get(out["run_id"]).status == "completed", "completion", store=store,
             run_id=out["run_id"])
    listed = cli("runs", "list", workspace=workspace)
    assert [r["id"] for r in listed["runs"]] == [out["run_id"]]
    log = subprocess.run([sys.executable, "-m", "core", "runs", "log", out["run_id"], "--workspace", str(workspace)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    assert "loss" in log


def test_unknown_run_is_one_plain_sentence(tmp_path):
    out = subprocess.run([sys.executable, "-m", "core", "runs", "show", "nope", "--workspace", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().startswith("There is no run called 'nope'.")
    assert "Traceback" not in out.stderr


def test_a_standby_worker_takes_the_next_run_and_then_leaves(tmp_path, tiny_model, store, monkeypatch):
    from core.runs.standby import ensure_standby

    monkeypatch.setenv("STUDIO_STANDBY", "1")
    pid = ensure_standby(store)
    assert pid and ensure_standby(store) is None  # one standby is enough
    ready = store.workspace / "standby.out"
    wait_for(lambda: ready.exists() and "is ready" in ready.read_text(), "the standby to warm up")
    run = submit(store, long_config(tmp_path, tiny_model, epochs=2, checkpoint_steps=0))
    wait_for(lambda: store.get(run.id).status in ("completed", "failed"), "completion", store=store, run_id=run.id)
    assert store.get(run.id).status == "completed"
    assert store.get(run.id).pid == pid  # trained by the warm process, not a new one
    wait_for(lambda: not _alive(pid), "the standby to end after its run", deadline=30)


# the queue when workers die, go silent, never start, or are deleted mid-start ----------------
@pytest.fixture()
def stranger():
    """A live process that is no worker of ours: what a dead worker's pid can belong to after a reboot."""
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


def _silent_run(store: RunStore, tmp_path: Path, model: Path, pid: int):
    """A run left 'running' by a worker that died long ago; its pid now belongs to `pid`, which is alive."""
    run = create_run(store, long_config(tmp_path, model))
    store.update(run.id, status="running", pid=pid, started_at=time.time() - 600,
                 heartbeat=time.time() - STALE_SECONDS - 5)
    return run


def test_a_silent_running_run_does_not_hold_the_device_from_a_foreground_train(tmp_path, tiny_model, store,
                                                                                stranger):
    silent = _silent_run(store, tmp_path, tiny_model, stranger.pid)
    waiting = create_run(store, long_config(tmp_path, tiny_model))
    assert claim_device(store, waiting.id, os.getpid())  # what `python -m core train` asks before training
    assert store.get(waiting.id).status == "running"
    dead = store.get(silent.id)
    assert dead.status == "interrupted" and "Resume" in dead.error_fix


def test_a_silent_running_run_does_not_hold_the_queue(tmp_path, tiny_model, store, stranger, monkeypatch):
    spawned: list[str] = []
    monkeypatch.setattr(runner, "_spawn_worker", lambda workspace, run_id: spawned.append(run_id) or stranger.pid)
    silent = _silent_run(store, tmp_path, tiny_model, stranger.pid)
    queued = create_run(store, long_config(tmp_path, tiny_model))
    start_next(store)  # what Start, a finishing worker and --detach call, without a refresh first
    assert spawned == [queued.id]
    assert store.get(silent.id).status == "interrupted"


def test_ctrl_c_in_a_foreground_train_waiting_for_the_device_cancels_the_run(tmp_path, tiny_model, store):
    from core.runs.worker import Heartbeat

    holder = create_run(store, long_config(tmp_path, tiny_model))
    assert claim_device(store, holder.id, os.getpid())  # this test holds the device, beating like a worker
    data = write_toy_csv(tmp_path / "small.csv", rows=60)
    with Heartbeat(store, holder.id):
        # SIGINT restored to its default in the child: a shell without job control starts it ignored
        proc = subprocess.Popen([sys.executable, "-m", "core", "train", "--data", str(data), "--model",
                                 str(tiny_model), "--epochs", "1", "--workspace", str(store.workspace)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        def queued_by_it():
            assert proc.poll() is None, proc.communicate()[1]  # it must wait, not end
            return [r for r in store.list_runs(("queued",)) if r.pid == proc.pid]

        try:
            waiting = wait_for(queued_by_it, "the foreground train to wait in the queue")[0]
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    cancelled = store.get(waiting.id)
    assert cancelled.status == "stopped" and "Cancelled" in cancelled.error, err
    assert "Traceback" not in err
    store.update(holder.id, status="completed", ended_at=time.time())  # the device comes free
    refresh(store)
    assert store.get(waiting.id).status == "stopped" and store.get(waiting.id).pid is None  # it does not start


def test_a_worker_that_cannot_start_fails_the_run_after_three_tries(tmp_path, tiny_model, store, monkeypatch):
    broken = tmp_path / "python"  # an interpreter that dies at once, as a broken .venv does
    broken.write_text("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\"\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    run = create_run(store, long_config(tmp_path, tiny_model))
    worker_out = Path(run.run_dir) / "worker.out"
    wait_for(lambda: store.get(run.id).status == "failed", "the run to fail", deadline=60, store=store)
    assert worker_out.read_text().count("No module named 'torch'") == runner.MAX_FAILED_STARTS == 3
    failed = store.get(run.id)
    assert "could not start" in failed.error and "worker.out" in failed.error and "Resume" in failed.error_fix
    for _ in range(3):  # the refreshes of a page left open start nothing more
        refresh(store)
    assert store.get(run.id).status == "failed" and store.get(run.id).pid is None
    monkeypatch.setattr(runner, "start_next", lambda store: None)
    resume_run(store, run.id)
    assert store.get(run.id).status == "queued" and store.get(run.id).failed_starts == 0  # Resume tries afresh


def test_deleting_a_run_a_worker_claims_that_moment_leaves_no_training_behind(tmp_path, tiny_model, store,
                                                                               stranger, monkeypatch):
    run = create_run(store, long_config(tmp_path, tiny_model))
    store.update(run.id, pid=stranger.pid, heartbeat=time.time())  # handed to a worker that is starting up
    look_up, claimed = runner.get_run, []

    def look_up_then_claim(store_, run_id):  # the worker claims the run just after delete_run looked it up
        found = look_up(store_, run_id)
        claimed.append(claim_device(store_, run_id, stranger.pid))
        return found

    monkeypatch.setattr(runner, "get_run", look_up_then_claim)
    delete_run(store, run.id, wait_seconds=2)  # the stand-in worker ignores Stop: it must be ended
    assert claimed == [True]
    assert store.get(run.id) is None and not Path(run.run_dir).exists()
    wait_for(lambda: stranger.poll() is not None, "the worker of the deleted run to end", deadline=30)


def test_deleting_a_run_whose_worker_is_starting_leaves_nothing(tmp_path, tiny_model, store):
    run = submit(store, long_config(tmp_path, tiny_model))
    pid = store.get(run.id).pid
    delete_run(store, run.id)
    assert store.get(run.id) is None and not Path(run.run_dir).exists()
    wait_for(lambda: not _alive(pid), "the worker to end", deadline=DEADLINE)
    assert not Path(run.run_dir).exists()  # the worker wrote nothing after the delete
    assert store.list_runs() == []


def test_a_studio_db_from_before_failed_starts_opens_with_its_runs(tmp_path):
    workspace = tmp_path / "old-workspace"
    workspace.mkdir()
    with sqlite3.connect(workspace / "studio.db") as db:  # the runs table as the first release made it
        db.execute("""CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
            config TEXT NOT NULL, run_dir TEXT NOT NULL, created_at REAL NOT NULL, started_at REAL, ended_at REAL,
            pid INTEGER, heartbeat REAL, device TEXT, error TEXT, error_fix TEXT, error_kind TEXT,
            global_step INTEGER NOT NULL DEFAULT 0, max_steps INTEGER, epoch REAL, resumed_from_step INTEGER,
            resume_requested INTEGER NOT NULL DEFAULT 0, stop_requested INTEGER NOT NULL DEFAULT 0, results TEXT)""")
        db.execute("INSERT INTO runs (id, name, status, config, run_dir, created_at) "
                   "VALUES ('old', 'old run', 'completed', '{}', 'x', 1.0)")
    store = RunStore(workspace)
    assert store.get("old").name == "old run" and store.get("old").failed_starts == 0
    store.update("old", failed_starts=2)
    assert RunStore(workspace).get("old").failed_starts == 2
