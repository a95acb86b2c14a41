"""The command a run trains with, for one GPU, several GPUs, several machines and CPU processes (devices faked)."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.runs.launcher import place, trains_in_place, worker_command
from core.train.config import TrainConfig

CPU = {"id": "cpu", "name": "EPYC", "memory_gb": 64.0, "cores": 32}


def gpus(n: int, busy: tuple[int, ...] = ()) -> list[dict]:
    return [{"id": f"cuda:{i}", "name": "H100", "memory_gb": 80.0, "free_gb": 2.0 if i in busy else 79.0}
            for i in range(n)] + [CPU]


def command(config: TrainConfig, found: list[dict]):
    placement = place(config, found)
    argv, env = worker_command("RUN1", "/ws", placement, python="python")
    return placement, argv, env


def test_one_gpu_of_four_is_a_plain_worker_pinned_to_it():
    placement, argv, env = command(TrainConfig(devices="cuda:2"), gpus(4))
    assert argv == ["python", "-m", "core.runs.worker", "RUN1", "--rank-process", "--workspace", "/ws"]
    assert env["CUDA_VISIBLE_DEVICES"] == "2" and placement.world_size == 1
    assert not trains_in_place(placement)  # in the worker itself it would see all four GPUs


def test_the_only_gpu_trains_in_the_worker_itself():
    assert trains_in_place(place(TrainConfig(), gpus(1)))


def test_no_choice_takes_every_free_gpu_into_one_torchrun():
    placement, argv, env = command(TrainConfig(), gpus(4, busy=(1,)))
    assert placement.devices == ["cuda:0", "cuda:2", "cuda:3"] and placement.world_size == 3
    assert argv[:4] == ["python", "-m", "torch.distributed.run", "--nproc-per-node=3"]
    assert "--standalone" in argv and argv[-6:-4] == ["-m", "core.runs.worker"]
    assert env["CUDA_VISIBLE_DEVICES"] == "0,2,3"


def test_several_machines_meet_at_a_c10d_rendezvous():
    config = TrainConfig(devices="cuda:0,cuda:1", nnodes=2, node_rank=1, rdzv_endpoint="node0:29500")
    placement, argv, _ = command(config, gpus(2))
    assert placement.world_size == 4 and "--standalone" not in argv
    for flag in ("--nproc-per-node=2", "--nnodes=2", "--node-rank=1", "--rdzv-backend=c10d",
                 "--rdzv-endpoint=node0:29500", "--rdzv-id=RUN1"):
        assert flag in argv


def test_cpu_processes_are_gloo_ranks_that_see_no_gpu():
    placement, argv, env = command(TrainConfig(devices="cpu", nproc=4), gpus(2))
    assert placement.devices == ["cpu"] and placement.world_size == 4 and "--nproc-per-node=4" in argv
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["OMP_NUM_THREADS"]


def test_a_machine_without_gpus_trains_on_the_cpu_in_place():
    placement = place(TrainConfig(), [CPU])
    assert placement.devices == ["cpu"] and trains_in_place(placement)


def test_a_device_this_machine_lacks_is_a_sentence():
    with pytest.raises(ConfigError, match="no device cuda:7"):
        place(TrainConfig(devices="cuda:7"), gpus(2))


def test_another_machine_joins_machine_0s_running_run_with_its_own_devices(tmp_path):
    from core.runs.nodes import shared_run, this_machines_part
    from core.store.runs import RunRecord, RunStore

    store = RunStore(tmp_path / "ws")
    theirs = TrainConfig(devices="cuda:0,cuda:1", nnodes=2, rdzv_endpoint="node0:29500")
    for run_id, status, endpoint in (("other", "running", "node9:1"), ("queued", "queued", "node0:29500"),
                                     ("ours", "running", "node0:29500")):
        store.add_run(RunRecord(id=run_id, name=run_id, status=status, run_dir=str(tmp_path / run_id), created_at=1.0,
                                config={**theirs.to_dict(), "rdzv_endpoint": endpoint}))
    mine = TrainConfig(devices="cuda:3", nnodes=2, node_rank=1, rdzv_endpoint="node0:29500")
    run = shared_run(store, mine)
    assert run is not None and run.id == "ours"  # the claimed run at this address, not a queued or another one
    placement = place(this_machines_part(run, mine), gpus(4))
    argv, _ = worker_command(run.id, "/ws", placement, python="python")
    assert placement.devices == ["cuda:3"] and "--node-rank=1" in argv and "--rdzv-id=ours" in argv
