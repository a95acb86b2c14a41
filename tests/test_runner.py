"""Trainings that run on their own: detached workers, the queue, stop, resume, crash recovery.

Each test starts real worker processes on a tiny model and polls the store with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.runs.runner import delete_run, refresh, resume_run, stop_run, submit
from core.store.run_folder import checkpoint_steps
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, write_toy_csv

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 180  # seconds; a worker spends most of its start importing torch


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
