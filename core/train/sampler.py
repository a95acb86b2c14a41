"""Batches of texts of similar length, in random order.

Padding every batch to its longest text wastes most of the compute when lengths vary a lot
(SST-2 runs from 2 to 60 tokens). Sorting by length inside large random windows keeps the
padding small; shuffling the order of the resulting batches afterwards keeps the model from
seeing long-to-short runs of batches, which the Trainer's own length-grouped sampler produces.

Each epoch's order comes from the run's seed and the epoch alone (as accelerate's seedable
sampler does), never from the global random state: a resumed run, which the Trainer fast-forwards
by skipping the first batches of the epoch it stopped in, skips exactly the batches it trained on.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler

WINDOW_BATCHES = 50  # batches per sorting window: larger pads less, smaller mixes more


class ShuffledLengthBatches(Sampler[int]):
    """Indices whose consecutive `batch_size` chunks are batches of similar length, in an order fixed by
    `seed` and the epoch (the Trainer calls `set_epoch` before each epoch)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int = 0) -> None:
        self.lengths, self.batch_size, self.seed = lengths, batch_size, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        window = self.batch_size * WINDOW_BATCHES
        batches = []
        for start in range(0, len(order), window):
            chunk = sorted(order[start:start + window], key=self.lengths.__getitem__, reverse=True)
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        # a short batch must stay last: the DataLoader cuts the index stream into equal batches
        full = [b for b in batches if len(b) == self.batch_size]
        short = [b for b in batches if len(b) < self.batch_size]
        shuffled = [full[i] for i in torch.randperm(len(full), generator=generator).tolist()]
        return iter([i for batch in shuffled + short for i in batch])
