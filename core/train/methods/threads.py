"""CPU threads for a quick or few-shot run on a busy computer.

PyTorch starts one thread per core, and its threads wait for each other at every operation: when other programs
already keep the cores busy, a thread that is descheduled holds all the others up. Measured here on 2 cores with a
load average of 9 from other work: a SetFit step (32 texts, MiniLM-L6) took 7-8 s on 2 threads and 3 s on 1. So
the run takes as many threads as there are idle cores (at least one), and says so in its log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


def threads_for_load(cores: int, load: float, current: int) -> int:
    """Threads to use: the cores the load average leaves idle, rounded, between 1 and `current`."""
    return max(1, min(current, int(cores - load + 0.5)))


@contextmanager
def threads_fitted_to_load() -> Iterator[None]:
    """Fewer torch threads while a run trains on a CPU the load keeps busy (as many as before afterwards);
    nothing on a GPU, or where the load is unknown."""
    import torch

    from core.device import training_device

    current, cores = torch.get_num_threads(), os.cpu_count() or 1
    try:
        load = os.getloadavg()[0] if training_device().kind == "cpu" else 0.0
    except OSError:
        load = 0.0
    wanted = threads_for_load(cores, load, current)
    if wanted < current:
        log.info("The CPU is busy (load average %.1f on %d cores): this run uses %d of its %d threads", load, cores,
                 wanted, current)
        torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(current)
