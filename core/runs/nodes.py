"""Several machines training one run: each runs the same `python -m core train ... --nnodes N --node-rank R
--rdzv-endpoint HOST:PORT` with the workspace folder shared between them (NFS or similar).

Machine 0 creates and queues the run like any other (its worker starts torchrun with a c10d rendezvous at the
address). Every other machine makes no run of its own: it waits for machine 0's run at the same address to be
claimed, then starts its own ranks of it, on its own devices, and ends when they do. The dashboard shows the run
like any other; rank 0, on machine 0, writes it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import time

from core.errors import RunError
from core.runs.launcher import place, worker_command
from core.runs.processes import PROJECT_ROOT
from core.store.runs import RunRecord, RunStore
from core.train.config import TrainConfig

log = logging.getLogger(__name__)

WAIT_SECONDS = 15 * 60  # how long another machine waits for machine 0's run to appear and start


def shared_run(store: RunStore, config: TrainConfig) -> RunRecord | None:
    """Machine 0's run at this rendezvous address, once its worker has claimed it (newest first)."""
    for run in store.list_runs(("running",)):
        if run.config.get("rdzv_endpoint") == config.rdzv_endpoint and run.config.get("nnodes") == config.nnodes:
            return run
    return None


def this_machines_part(run: RunRecord, config: TrainConfig) -> TrainConfig:
    """The shared run's settings with this machine's rank and devices (its own GPUs, not machine 0's)."""
    return dataclasses.replace(TrainConfig.from_dict(run.config), node_rank=config.node_rank,
                               devices=config.devices or "", nproc=config.nproc)


def join_run(store: RunStore, config: TrainConfig, wait_seconds: float = WAIT_SECONDS) -> RunRecord:
    """Wait for machine 0's run, then train this machine's ranks of it; returns the run as it stands after."""
    config.validate()
    deadline = time.monotonic() + wait_seconds
    while (run := shared_run(store, config)) is None:
        if time.monotonic() > deadline:
            raise RunError(f"No run at {config.rdzv_endpoint} started within {wait_seconds / 60:.0f} minutes.",
                           "Start machine 0 (--node-rank 0) with the same --rdzv-endpoint and --nnodes, on the same "
                           "shared workspace folder.")
        time.sleep(2.0)
    argv, env = worker_command(run.id, str(store.workspace), place(this_machines_part(run, config)))
    log.info("Machine %d joins run %s: %s", config.node_rank, run.id, " ".join(argv))
    code = subprocess.run(argv, cwd=PROJECT_ROOT, env={**os.environ, **env}).returncode
    log.info("Machine %d's processes of run %s ended (exit code %d)", config.node_rank, run.id, code)
    return store.get(run.id) or run
