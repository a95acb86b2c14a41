"""Where a run trains and the command that trains it there: one plain worker process, or torchrun.

- the CPU, one process, or one GPU on a machine with one: the worker trains in its own process;
- one GPU of several: a child worker with CUDA_VISIBLE_DEVICES pinned to it, so the Trainer never wraps the model
  in DataParallel across every GPU it can see;
- several GPUs (or `--nproc N` on the CPU, gloo): `python -m torch.distributed.run --standalone
  --nproc-per-node=N -m core.runs.worker RUN_ID --rank-process`, one process per GPU, the Trainer doing DDP;
- several machines: the same with `--nnodes N --node-rank R --rdzv-backend c10d --rdzv-endpoint HOST:PORT`.

Nothing here imports torch: the command is built from the run's settings and the device list alone.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from core.errors import ConfigError
from core.train.config import TrainConfig

LAUNCHER_PID = "STUDIO_LAUNCHER_PID"  # the process that started a run's training processes (core.runs.ranks watches it)


@dataclass
class Placement:
    """The devices of this machine a run holds, and how many processes train it here and on other machines."""

    devices: list[str]              # ["cuda:0", "cuda:2"] or ["cpu"]
    nproc: int = 1                  # processes on this machine
    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str = ""
    gpus_here: int = 0              # every GPU of this machine, chosen or not
    env: dict[str, str] = field(default_factory=dict)

    @property
    def world_size(self) -> int:
        return self.nproc * self.nnodes

    @property
    def on_gpu(self) -> bool:
        return self.devices != ["cpu"]

    def to_dict(self) -> dict:
        return {"devices": self.devices, "world_size": self.world_size, "nproc_per_node": self.nproc,
                "nnodes": self.nnodes}


def resolve_devices(config: TrainConfig, found: list[dict]) -> list[str]:
    """The run's devices: the ones asked for, checked against this machine; none asked: every free GPU, else CPU."""
    from core.device import free_gpus

    known = {d["id"] for d in found}
    asked = [d.strip() for d in (config.devices or "").split(",") if d.strip()]
    missing = [d for d in asked if d not in known]
    if missing:
        raise ConfigError([f"This computer has no device {', '.join(missing)}; it has {', '.join(sorted(known))} "
                           "(python -m core devices lists them)."])
    return asked or free_gpus(found) or ["cpu"]


def place(config: TrainConfig, found: list[dict] | None = None) -> Placement:
    """Where this run trains on this machine, from its settings and the machine's devices."""
    if found is None:
        from core.device import list_devices

        found = list_devices()
    devices = resolve_devices(config, found)
    gpus_here = sum(1 for d in found if d["id"] != "cpu")
    nproc = len(devices) if devices != ["cpu"] else max(1, config.nproc)
    return Placement(devices, nproc, max(1, config.nnodes), config.node_rank, config.rdzv_endpoint or "", gpus_here)


def visible_devices(placement: Placement) -> str:
    """CUDA_VISIBLE_DEVICES for the run's processes: its own GPUs, or none at all for a CPU run."""
    return ",".join(d.split(":", 1)[1] for d in placement.devices) if placement.on_gpu else ""


def trains_in_place(placement: Placement) -> bool:
    """True when the worker itself may train: one process, and either no GPU to pin or only one GPU to see."""
    if placement.world_size > 1:
        return False
    return not placement.on_gpu or (placement.gpus_here <= 1 and not os.environ.get("CUDA_VISIBLE_DEVICES"))


def worker_command(run_id: str, workspace: str, placement: Placement,
                   python: str = sys.executable) -> tuple[list[str], dict[str, str]]:
    """The argv and the extra environment that train this run on this machine."""
    # nvidia-smi numbers GPUs in PCI order, CUDA fastest first unless told: the same order, so cuda:N is one GPU
    env = {"CUDA_VISIBLE_DEVICES": visible_devices(placement), "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
           "PYTHONUNBUFFERED": "1", LAUNCHER_PID: str(os.getpid())}  # the ranks end when this process is gone
    if not placement.on_gpu:
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // placement.nproc))  # the cores shared out
    entry = ["-m", "core.runs.worker", run_id, "--rank-process", "--workspace", str(workspace)]
    if placement.world_size == 1:
        return [python, *entry], env
    launch = [python, "-m", "torch.distributed.run", f"--nproc-per-node={placement.nproc}"]
    if placement.nnodes == 1:
        launch.append("--standalone")  # a free port on this machine; no address to agree on
    else:
        launch += [f"--nnodes={placement.nnodes}", f"--node-rank={placement.node_rank}", "--rdzv-backend=c10d",
                   f"--rdzv-endpoint={placement.rdzv_endpoint}", f"--rdzv-id={run_id}"]
    return [*launch, "--max-restarts=0", *entry], env


ANY_DEVICE = frozenset({"*"})  # a run from before devices were recorded: it may use any of them


def run_device_names(config: TrainConfig) -> str:
    """The devices a new run will hold, as --devices writes them: fixed when it is queued."""
    from core.device import list_devices

    return ",".join(resolve_devices(config, list_devices()))


def run_devices(config: dict | str | None) -> frozenset[str]:
    """The devices a run (its config, as a dict or the store's JSON) holds while it trains."""
    import json

    values = json.loads(config) if isinstance(config, str) else (config or {})
    names = frozenset(d.strip() for d in (values.get("devices") or "").split(",") if d.strip())
    return names or ANY_DEVICE


def share_devices(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> bool:
    return bool(a & b) or (bool(a) and bool(b) and ("*" in a or "*" in b))


def placement_facts(config: dict, results: dict | None = None) -> dict:
    """`runs show`'s world_size and devices: as the run trained (results.json), else as its settings ask."""
    results = results or {}
    devices = sorted(run_devices(config) - ANY_DEVICE) or ["cpu"]
    per_node = max(1, int(config.get("nproc") or 1)) if devices == ["cpu"] else len(devices)
    return {"world_size": results.get("world_size") or per_node * max(1, int(config.get("nnodes") or 1)),
            "devices": results.get("devices") or devices}
