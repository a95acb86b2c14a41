"""Several processes training one run (torchrun; CPU gloo stands in for GPUs): the packaged model trained by two
processes as one process would, rank 0 alone writing, every row once per epoch, Stop reaching every rank, a killed
rank, a killed worker, Resume.

Each torchrun start costs a few seconds of imports per process on 2 cores: the first test trains the real MiniLM on
160 sample news headlines at max length 32; the second a tiny BERT (80 rows, max length 16).
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from core.runs.processes import process_alive
from core.runs.ranks import LOST_WORKER
from core.runs.runner import claim_device, create_run, resume_run, run_summary, stop_run, submit
from core.runs.worker import execute
from core.store.run_folder import checkpoint_steps
from core.store.runs import RunStore
from core.train.config import TrainConfig
from core.train.distributed import ROWS_SEEN
from tests.test_runner import wait_for
from tests.tiny import build_tiny_bert, write_toy_csv

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "news_topics_en.csv"


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ddp")
    return build_tiny_bert(root / "bert"), write_toy_csv(root / "toy.csv", rows=80)


def config(toy, **overrides) -> TrainConfig:
    model, data = toy
    values = dict(data=str(data), model=str(model), epochs=6, batch_size=4, learning_rate=3e-3, max_length=16,
                  seed=3, devices="cpu", logging_steps=4)
    values.update(overrides)
    return TrainConfig.from_preset("quick", **values)


def news_headlines(folder: Path, train_rows: int = 96, val_rows: int = 64) -> tuple[Path, Path]:
    """Training and validation files cut from the sample news headlines, each topic a quarter of each."""
    import pandas as pd

    headlines = pd.read_csv(SAMPLE)
    topics = [headlines[headlines["topic"] == name] for name in sorted(set(headlines["topic"]))]
    share, val_share = train_rows // len(topics), val_rows // len(topics)
    train = pd.concat([rows[:share] for rows in topics]).sample(frac=1, random_state=0)
    val = pd.concat([rows[share: share + val_share] for rows in topics])
    train.to_csv(folder / "train.csv", index=False)
    val.to_csv(folder / "val.csv", index=False)
    return folder / "train.csv", folder / "val.csv"


def rows_seen(path: Path) -> tuple[list[str], dict[int, list[str]]]:
    """One process's record (core.train.distributed.RowsSeen): the training rows, and its rows by epoch."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    by_epoch: dict[int, list[str]] = {}
    for line in lines[1:]:
        if "epoch" in line:
            by_epoch.setdefault(line["epoch"], []).extend(line["rows"])
    return lines[0]["rows"], by_epoch


def test_two_cpu_processes_train_the_packaged_model_as_one_process_would(tmp_path, monkeypatch):
    train, val = news_headlines(tmp_path)
    store = RunStore(tmp_path / "ws")
    same = dict(data=str(train), val_data=str(val), model="default", epochs=2, learning_rate=4e-4, max_length=32,
                seed=7, devices="cpu", logging_steps=2)
    two = create_run(store, TrainConfig.from_preset("quick", nproc=2, batch_size=8, **same))  # 2 x 8 texts a step
    one = create_run(store, TrainConfig.from_preset("quick", nproc=1, batch_size=16, **same))  # 1 x 16
    for run in (two, one):
        monkeypatch.setenv(ROWS_SEEN, str(tmp_path / "seen" / run.id))
        assert claim_device(store, run.id, os.getpid())
        done = execute(store, store.get(run.id))
        ranks_out = Path(run.run_dir) / "ranks.out"
        assert done.status == "completed", (done.error, ranks_out.read_text()[-3000:] if ranks_out.exists() else "")
    two, one = store.get(two.id), store.get(one.id)
    results = json.loads((Path(two.run_dir) / "results.json").read_text())
    assert (results["world_size"], results["devices"], results["effective_batch_size"]) == (2, ["cpu"], 16)
    assert (one.results["world_size"], one.results["effective_batch_size"]) == (1, 16)
    assert results["train_rows"] == 96 and two.global_step == one.global_step == 2 * 96 // 16

    # one writer: every logged step and evaluation is in the store once, the model and the log are rank 0's
    points = store.metrics(two.id)
    assert len(points) == len({(p["kind"], p["step"]) for p in points})
    assert len([p for p in points if p["kind"] == "eval"]) == 2
    ranks = (Path(two.run_dir) / "ranks.out").read_text()
    assert ranks.count("Process 1 of 2 trained its share; process 0 writes the model") == 1
    assert "Process 0 of 2 trained its share" not in ranks
    assert "trained its share" not in (Path(two.run_dir) / "log.txt").read_text()  # log.txt: rank 0's own
    assert (Path(two.run_dir) / "model" / "model.safetensors").exists() and "save_model" in results["seconds"]
    shown = run_summary(store, two)
    assert shown["world_size"] == 2 and shown["devices"] == ["cpu"]

    # every training row once per epoch across the two processes, half of them each
    rows, first = rows_seen(tmp_path / "seen" / two.id / "rank-0.jsonl")
    same_rows, second = rows_seen(tmp_path / "seen" / two.id / "rank-1.jsonl")
    assert same_rows == rows and len(rows) == 96
    assert sorted(first) == sorted(second) == [0, 1]
    for epoch in first:
        assert len(first[epoch]) == len(second[epoch]) == 48
        assert Counter(first[epoch] + second[epoch]) == Counter(rows), epoch

    # the same model within noise: both learned the topics, scored alike, and answer most headlines the same way
    accuracy = {run.id: run.results["metrics"]["accuracy"] for run in (two, one)}
    assert min(accuracy.values()) >= 0.75, accuracy
    assert abs(accuracy[two.id] - accuracy[one.id]) <= 0.1, accuracy
    answers = [_answers(run) for run in (two, one)]
    assert sum(a == b for a, b in zip(*answers, strict=True)) >= 0.85 * len(answers[0]), answers


def _answers(run) -> list[str]:
    import pandas as pd

    return list(pd.read_csv(Path(run.run_dir) / "val_predictions.csv")["predicted"])


def rank_pid(store: RunStore, run_id: str, wanted: int) -> int | None:
    """The pid of the run's process with RANK=wanted: a grandchild of the worker (worker -> torchrun -> ranks)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if run_id.encode() in cmdline and b"--rank-process" in cmdline and f"RANK={wanted}".encode() in environ:
            return int(entry.name)
    return None


def test_stop_reaches_every_rank_a_killed_rank_or_worker_interrupts_and_resume_finishes(tmp_path, toy):
    store = RunStore(tmp_path / "ws")
    run = submit(store, config(toy, nproc=2, epochs=15, batch_size=2, learning_rate=1e-3))  # 240 steps
    wait_for(lambda: store.get(run.id).global_step >= 5, "training to start", deadline=180, store=store,
             run_id=run.id)
    stop_run(store, run.id)
    wait_for(lambda: store.get(run.id).status != "running", "the stop", deadline=60, store=store, run_id=run.id)
    stopped = store.get(run.id)
    assert stopped.status == "stopped", stopped.error
    at_stop = checkpoint_steps(run.run_dir)
    assert at_stop and max(at_stop) < 240

    resume_run(store, run.id)
    wait_for(lambda: store.get(run.id).status != "queued" and store.get(run.id).global_step > max(at_stop),
             "the resumed run to train", deadline=180, store=store, run_id=run.id)
    # the worker killed with -9 (torchrun's parent): its ranks see it gone and end; rank 0 marks the run interrupted
    ranks = [wait_for(lambda wanted=wanted: rank_pid(store, run.id, wanted), f"rank {wanted}", deadline=30)
             for wanted in (0, 1)]
    os.kill(store.get(run.id).pid, signal.SIGKILL)
    wait_for(lambda: not any(process_alive(pid) for pid in ranks), "the ranks to end with their worker", deadline=30)
    orphaned = store.get(run.id)  # read without a refresh: the ranks, not the dashboard, ended it
    assert orphaned.status == "interrupted" and orphaned.error == LOST_WORKER[0], (orphaned.status, orphaned.error)

    reached = orphaned.global_step
    resume_run(store, run.id)
    wait_for(lambda: store.get(run.id).status == "running" and store.get(run.id).global_step > reached,
             "the run resumed after its worker's death to train", deadline=180, store=store, run_id=run.id)
    victim = wait_for(lambda: rank_pid(store, run.id, 1), "rank 1's process", deadline=30)
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: store.get(run.id).status != "running", "the run to end", deadline=90, store=store)
    lost = store.get(run.id)
    assert lost.status == "interrupted", (lost.status, lost.error)
    assert "Resume" in (lost.error_fix or "")

    checkpoint = max(checkpoint_steps(run.run_dir))
    resume_run(store, run.id)
    wait_for(lambda: store.get(run.id).status in ("completed", "failed", "interrupted"), "completion",
             store=store, run_id=run.id)
    done = store.get(run.id)
    assert done.status == "completed", done.error
    assert done.resumed_from_step == checkpoint and done.global_step == 240


def test_a_lost_peer_names_the_dead_worker_whichever_rank_noticed_first(monkeypatch):
    """The worker killed: a rank that sees its peer gone before it sees the worker gone still names the worker."""
    import subprocess
    import sys

    from core.runs.launcher import LAUNCHER_PID
    from core.runs.ranks import LOST_RANK, lost_process_reason

    monkeypatch.setenv(LAUNCHER_PID, str(os.getpid()))
    assert lost_process_reason() == LOST_RANK  # the worker lives: a rank died
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    monkeypatch.setenv(LAUNCHER_PID, str(ended.pid))
    assert lost_process_reason() == LOST_WORKER
