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


ROWS_SEEN = "STUDIO_ROWS_SEEN"  # a folder: each process lists there the training rows it was handed, epoch by epoch


class RowsSeen:
    """Which training rows this process trained on in each epoch, so a check can see the processes shared every row
    out once (the tests set STUDIO_ROWS_SEEN). A row is named by a hash of its token ids: the batches carry no row
    numbers, and the hash is the same in every process."""

    def __init__(self, folder: str, train_ids: list[list[int]]) -> None:
        from pathlib import Path

        Path(folder).mkdir(parents=True, exist_ok=True)
        self.path = Path(folder) / f"rank-{rank()}.jsonl"
        self._write({"rank": rank(), "world_size": world_size(), "rows": [_row_key(ids) for ids in train_ids]})

    def note(self, epoch: float | None, inputs: dict) -> None:
        ids, mask = inputs["input_ids"], inputs.get("attention_mask")
        mask = mask.bool() if mask is not None else ids == ids  # no mask: every token is the text's own
        rows = [_row_key(row[keep].tolist()) for row, keep in zip(ids, mask, strict=True)]
        self._write({"epoch": int(epoch or 0), "rows": rows})

    def _write(self, line: dict) -> None:
        import json

        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def _row_key(ids: list[int]) -> str:
    import hashlib

    return hashlib.blake2b(",".join(map(str, ids)).encode(), digest_size=8).hexdigest()


def rows_recorder(train) -> RowsSeen | None:
    """A RowsSeen for the training rows when STUDIO_ROWS_SEEN names a folder; None (nothing recorded) otherwise."""
    folder = os.environ.get(ROWS_SEEN)
    return RowsSeen(folder, list(train["input_ids"])) if folder else None
