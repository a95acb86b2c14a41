"""Several processes training one run (torchrun; CPU gloo stands in for GPUs): the same model as one process,
rank 0 alone writing, every row once per epoch, Stop reaching every rank, a killed rank, Resume.

Each torchrun start costs a few seconds of imports per process on 2 cores: the runs are tiny (tiny BERT, 80 rows,
max length 16) and there are four torchrun starts in all.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from core.runs.runner import claim_device, create_run, resume_run, stop_run, submit
from core.runs.worker import execute
from core.store.run_folder import checkpoint_steps
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.test_runner import wait_for
from tests.tiny import build_tiny_bert, write_toy_csv


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


def test_two_cpu_processes_train_the_model_one_process_would(tmp_path, toy):
    store = RunStore(tmp_path / "ws")
    two = create_run(store, config(toy, nproc=2, batch_size=4))  # 4 per process: 8 texts per step
    one = create_run(store, config(toy, nproc=1, batch_size=8))
    for run in (two, one):
        assert claim_device(store, run.id, os.getpid())
        done = execute(store, store.get(run.id))
        assert done.status == "completed", (done.error, (Path(run.run_dir) / "ranks.out").read_text()[-3000:]
                                            if (Path(run.run_dir) / "ranks.out").exists() else "")
    two, one = store.get(two.id), store.get(one.id)
    results = json.loads((Path(two.run_dir) / "results.json").read_text())
    assert results["world_size"] == 2 and results["devices"] == ["cpu"] and results["effective_batch_size"] == 8
    assert two.global_step == one.global_step == 6 * 64 // 8  # 64 training rows, 8 a step, shared by both
    assert one.results["metrics"]["accuracy"] >= 0.8
    assert abs(two.results["metrics"]["accuracy"] - one.results["metrics"]["accuracy"]) <= 0.15
    # one writer: every logged step and evaluation is in the store once, not once per process
    points = store.metrics(two.id)
    assert len(points) == len({(p["kind"], p["step"]) for p in points})
    assert len([p for p in points if p["kind"] == "eval"]) == 6
    ranks = (Path(two.run_dir) / "ranks.out").read_text()
    assert ranks.count("Process 1 of 2 trained its share; process 0 writes the model") == 1
    assert (Path(two.run_dir) / "model" / "model.safetensors").exists()
    from core.runs.runner import run_summary

    shown = run_summary(store, two)
    assert shown["world_size"] == 2 and shown["devices"] == ["cpu"]


def test_every_training_row_is_seen_once_per_epoch_across_two_ranks():
    """The Trainer's own sharding (accelerate's prepare_data_loader) over our length-grouped sampler."""
    from accelerate.data_loader import prepare_data_loader
    from torch.utils.data import DataLoader

    from core.train.sampler import ShuffledLengthBatches

    lengths = [3 + (i * 7) % 13 for i in range(64)]
    seen = []
    for rank in (0, 1):
        loader = DataLoader(list(range(64)), batch_size=4, sampler=ShuffledLengthBatches(lengths, 4, seed=5))
        shard = prepare_data_loader(loader, num_processes=2, process_index=rank, put_on_device=False)
        shard.set_epoch(1)
        seen.append([int(i) for batch in shard for i in batch])
    assert sorted(seen[0] + seen[1]) == list(range(64)) and len(seen[0]) == len(seen[1]) == 32


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


def test_stop_reaches_every_rank_a_killed_rank_interrupts_and_resume_finishes(tmp_path, toy):
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
    assert store.get(run.id).status == "running", store.get(run.id).status
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
