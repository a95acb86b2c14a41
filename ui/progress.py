"""How far a run is: elapsed time, time left, speed and memory, from the run store and /proc."""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.store.runs import RunRecord


@dataclass
class Progress:
    share: float                 # 0..1 of the steps done
    elapsed: float | None        # seconds since the worker started (or resumed)
    left: float | None           # seconds to go at the current rate
    samples_per_second: float | None
    memory_mb: float | None


def progress(run: RunRecord, train_points: list[dict]) -> Progress:
    share = min(1.0, run.global_step / run.max_steps) if run.max_steps else 0.0
    elapsed = run.duration
    left = None
    done_here = run.global_step - (run.resumed_from_step or 0)
    if run.status == "running" and elapsed and done_here > 0 and run.max_steps:
        # until the pace is measured, the run's own estimate; the time since start would count the start-up in
        per_step = seconds_per_step(run, train_points) or estimated_step_seconds(run)
        left = (run.max_steps - run.global_step) * per_step if per_step else None
    speed = next((p.get("samples_per_second") for p in reversed(train_points) if p.get("samples_per_second")), None)
    memory = (run.results or {}).get("peak_memory_mb")
    if run.status == "running":
        memory = process_memory_mb(run.pid) or memory
    return Progress(share, elapsed, left, speed, memory)


def estimated_step_seconds(run: RunRecord) -> float | None:
    """Seconds per training step as estimated when the run started (results.json's `estimate`)."""
    value = ((run.results or {}).get("estimate") or {}).get("seconds_per_step")
    return float(value) if value else None


def seconds_per_step(run: RunRecord, train_points: list[dict], now: float | None = None) -> float | None:
    """The pace since the first step logged in this stretch of training, start-up left out; None when unknown.

    The worker spends its first seconds importing libraries and loading the model: counted in, they
    made a one-minute run say '5 min left' at its first step. Measured between the first and the last
    logged steps, or from the first one to now while it is the only one; a second or less is too
    little to tell.
    """
    start = run.resumed_from_step or 0
    points = [p for p in train_points if p.get("step", 0) > start and p.get("time")]
    if not points:
        return None
    first = points[0]
    if len(points) > 1:
        seconds, steps = points[-1]["time"] - first["time"], points[-1]["step"] - first["step"]
    else:
        seconds, steps = (now or time.time()) - first["time"], run.global_step - first["step"]
    return seconds / steps if steps > 0 and seconds > 1 else None


def process_memory_mb(pid: int | None) -> float | None:
    """Resident memory of a process in MB (Linux); None where /proc does not tell."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
