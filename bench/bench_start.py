"""From Start to the first point on the loss chart: a freshly spawned worker beside a warm standby.

Trains the built-in model on the English sample with the quick preset, through the same calls
the Train page makes (core.runs.runner.submit), and times submit -> first logged training step.

    .venv/bin/python bench/bench_start.py [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the engine lives beside bench/


def seconds_to_first_point(workspace: Path, warm: bool) -> float:
    from core.runs.runner import stop_run, submit
    from core.runs.standby import ensure_standby
    from core.store.runs import RunStore
    from core.train.config import TrainConfig

    store = RunStore(workspace)
    if warm:
        ensure_standby(store)
        ready = workspace / "standby.out"
        while not (ready.exists() and "is ready" in ready.read_text()):
            time.sleep(0.2)
    config = TrainConfig.from_preset("quick", data=str(ROOT / "sample_data" / "movie_reviews_en.csv"))
    started = time.perf_counter()
    run = submit(store, config)
    while not store.metrics(run.id, "train"):
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop_run(store, run.id)
    while store.get(run.id).status == "running":
        time.sleep(0.2)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    os.environ["STUDIO_STANDBY"] = "1"
    results: dict[str, list[float]] = {"cold worker": [], "warm standby": []}
    for _ in range(args.repeats):
        for name, warm in (("cold worker", False), ("warm standby", True)):
            with tempfile.TemporaryDirectory() as tmp:
                results[name].append(seconds_to_first_point(Path(tmp), warm))
    for name, values in results.items():
        print(f"{name:<14} Start -> first loss point: " + ", ".join(f"{v:.1f} s" for v in values)
              + f"  (best {min(values):.1f} s)")
    print(f"ratio (cold / warm, best of each): {min(results['cold worker']) / min(results['warm standby']):.1f}x")


if __name__ == "__main__":
    main()
