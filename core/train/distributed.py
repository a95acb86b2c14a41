"""A run trained by several processes at once (torchrun: one per GPU, or gloo processes on a CPU).

The Trainer does the data-parallel work; what is ours: only rank 0 writes the run store, the results and the
model (the other ranks get a `MutedStore`), every rank stops at the same step (rank 0 reads Stop and tells the
others), and the run's facts (world size, devices, effective batch) for results.json.
"""

from __future__ import annotations

import os
from typing import Any

from core.train.config import TrainConfig


def rank() -> int:
    """This process's place among all the run's processes (torchrun's RANK; 0 when it trains alone)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main() -> bool:
    return rank() == 0


def effective_batch_size(config: TrainConfig) -> int:
    """Texts per optimizer step: the batch size is per device, added up over every process and accumulated batch."""
    return config.batch_size * world_size() * max(1, config.gradient_accumulation)


def run_facts(config: TrainConfig) -> dict[str, Any]:
    """What results.json and `runs show` say about where the run trained."""
    devices = [d.strip() for d in (config.devices or "cpu").split(",") if d.strip()]
    return {"world_size": world_size(), "devices": devices, "effective_batch_size": effective_batch_size(config),
            "gradient_accumulation": max(1, config.gradient_accumulation)}


class MutedStore:
    """The run store as a rank other than 0 sees it: it reads, but its writes go nowhere (rank 0 writes them)."""

    _WRITES = frozenset({"update", "add_metrics", "forget_metrics_after", "add_run", "delete_run"})

    def __init__(self, store) -> None:
        self._store = store

    def __getattr__(self, name: str):
        if name in self._WRITES:
            return lambda *args, **kwargs: None
        return getattr(self._store, name)


def agreed(flag: bool) -> bool:
    """Rank 0's answer, given to every rank: all processes must stop at the same step or the others wait forever.

    Called at every step by every rank when the run trains in several processes (a one-number broadcast).
    """
    if world_size() == 1:
        return flag
    import torch
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_initialized():
        return flag
    device = f"cuda:{torch.cuda.current_device()}" if dist.get_backend() == "nccl" else "cpu"
    value = torch.tensor([1 if flag else 0], dtype=torch.int32, device=device)
    dist.broadcast(value, src=0)
    return bool(value.item())
