"""The queue per device: runs on disjoint devices start together, a run waits only for the devices it needs, and
the CPU is one device (GPUs faked; the workers too: start_next's spawn is replaced by a live pid)."""

from __future__ import annotations

import os

import pytest

from core.runs import runner
from core.runs.runner import claim_device, create_run, start_next
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import write_toy_csv

GPUS = [{"id": f"cuda:{i}", "name": "H100", "memory_gb": 80.0, "free_gb": 79.0} for i in range(2)]


@pytest.fixture()
def queue(tmp_path, monkeypatch):
    import core.device

    monkeypatch.setattr(core.device, "_nvidia_gpus", lambda: [dict(g) for g in GPUS])
    spawned: list[str] = []

    def spawn(workspace, run_id):
        spawned.append(run_id)
        return os.getpid()  # alive: the run counts as starting, as with a real worker

    monkeypatch.setattr(runner, "_spawn_worker", spawn)
    store = RunStore(tmp_path / "ws")
    data = write_toy_csv(tmp_path / "toy.csv", rows=40)

    def add(devices: str):
        return create_run(store, TrainConfig.from_preset("quick", data=str(data), devices=devices))

    return store, add, spawned


def test_two_runs_on_disjoint_gpus_start_together(queue):
    store, add, spawned = queue
    first, second = add("cuda:0"), add("cuda:1")
    start_next(store)
    assert spawned == [first.id, second.id]
    assert claim_device(store, first.id, os.getpid()) and claim_device(store, second.id, os.getpid())
    assert {r.status for r in store.list_runs()} == {"running"}


def test_a_run_waits_only_for_the_gpus_it_needs(queue):
    store, add, spawned = queue
    busy = add("cuda:0")
    start_next(store)
    assert claim_device(store, busy.id, os.getpid())
    both, other = add("cuda:0,cuda:1"), add("cuda:1")
    start_next(store)
    # the two-GPU run waits for cuda:0 and keeps cuda:1 for itself against the later run
    assert spawned == [busy.id]
    assert not claim_device(store, both.id, os.getpid())
    store.update(busy.id, status="completed", pid=None)
    start_next(store)
    assert spawned == [busy.id, both.id]
    assert store.get(other.id).pid is None  # still waiting: cuda:1 is now the two-GPU run's


def test_the_cpu_is_one_device(queue):
    store, add, spawned = queue
    first, second = add("cpu"), add("cpu")
    gpu = add("cuda:0")
    start_next(store)
    assert spawned == [first.id, gpu.id]
    assert claim_device(store, first.id, os.getpid())
    assert not claim_device(store, second.id, os.getpid())


def test_no_choice_takes_the_free_gpus_when_queued(queue):
    store, add, _ = queue
    assert add("").config["devices"] == "cuda:0,cuda:1"
