"""GPU training: the engine beside B1 (the plain Hugging Face Trainer, bench/baseline_b1.py) on one GPU and on
every GPU of the machine, full SST-2 train (67,349 rows, from ../shared/datasets), scored on SST-2 dev.

For each side: samples/s over the training steps (all ranks), wall time, time to 91% dev accuracy (the engine
evaluates every epoch, so it is the time from the run's start to the first evaluation at 91%; B1 evaluates once,
at the end), MFU (6 x parameters x training tokens / step time / the GPU's dense bf16 peak, the usual estimate),
scaling efficiency (samples/s on N GPUs / (N x samples/s on one)) and peak memory. Goal: full SST-2 to >= 91%
dev in under 60 s from Start on one H100-class GPU. Without CUDA it says so and exits 0: nothing to measure.

    .venv/bin/python bench/bench_gpu.py [--epochs 2] [--batch-size 64] [--max-length 64] [--rows N]
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
sys.path.insert(0, str(ROOT))
# dense bf16 peak in TFLOPS, by the name torch reports (no sparsity); a GPU not listed gets no MFU
BF16_PEAK_TFLOPS = {"H200": 989.0, "H100 80GB HBM3": 989.0, "H100 SXM": 989.0, "H100 PCIe": 756.0, "H100 NVL": 835.0,
                    "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10G": 125.0, "RTX 4090": 165.0}
TARGET = 0.91


def gpus() -> list[dict]:
    from core.device import list_devices

    return [d for d in list_devices(measure=True) if d["id"] != "cpu"]


def peak_tflops(name: str) -> float | None:
    return next((v for k, v in BF16_PEAK_TFLOPS.items() if k.lower() in name.lower()), None)


def run(cmd: list[str], env: dict[str, str]) -> tuple[dict, float]:
    begun = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env,
                                                                             "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - begun
    if out.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), wall


def engine(train: Path, devices: list[str], args, workdir: Path) -> dict:
    from core.store.runs import RunStore

    workspace = workdir / f"ws-{len(devices)}"
    payload, wall = run([sys.executable, "-m", "core", "train", "--data", str(train), "--val-data",
                         str(SST2 / "dev.tsv"), "--devices", ",".join(devices), "--epochs", str(args.epochs),
                         "--batch-size", str(args.batch_size), "--learning-rate", str(args.learning_rate),
                         "--max-length", str(args.max_length), "--seed", "42", "--workspace", str(workspace),
                         "--json"], {})
    store = RunStore(workspace)
    record = store.get(payload["run_id"])
    results = json.loads((Path(payload["run_dir"]) / "results.json").read_text())
    evals = store.metrics(record.id, "eval")
    reached = [p["time"] - record.started_at for p in evals if p.get("accuracy", 0) >= TARGET]
    return {"wall_seconds": wall, "samples_per_second": results["train_samples_per_second"],
            "step_seconds": results["train_step_seconds"], "accuracy": results["metrics"]["accuracy"],
            "seconds_to_target": min(reached) if reached else None, "peak_memory_mb": results["peak_memory_mb"],
            "world_size": results["world_size"], "bf16": results["device"]["bf16"]}


def b1(train: Path, devices: list[str], args, workdir: Path) -> dict:
    script = ["bench/baseline_b1.py", "--train", str(train), "--dev", str(SST2 / "dev.tsv"), "--model",
              args.model_path, "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--learning-rate",
              str(args.learning_rate), "--max-length", str(args.max_length), "--out-dir", str(workdir / "b1")]
    launch = ([sys.executable] if len(devices) == 1 else
              [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={len(devices)}"])
    visible = ",".join(d.split(":")[1] for d in devices)
    payload, wall = run([*launch, *script], {"CUDA_VISIBLE_DEVICES": visible})
    accuracy = payload["accuracy"]
    # B1's StepTimer counts one rank's batches: every rank trains as many
    samples = payload["train_samples_per_second"] * len(devices)
    return {"wall_seconds": wall, "samples_per_second": samples, "step_seconds": payload["train_step_seconds"],
            "accuracy": accuracy, "seconds_to_target": wall if accuracy >= TARGET else None,
            "peak_memory_mb": payload["peak_memory_mb"], "world_size": len(devices), "bf16": False}


def training_tokens(train: Path, args) -> int:
    """Tokens the training steps see (no padding), for the MFU estimate."""
    import pandas as pd
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model_path)
    texts = pd.read_csv(train, sep="\t")["sentence"].astype(str).tolist()
    lengths = tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]
    return int(sum(len(x) for x in lengths) * args.epochs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--batch-size", type=int, default=64, help="per GPU")
    parser.add_argument("--learning-rate", type=float, default=8e-5)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--rows", type=int, default=0, help="a sample of SST-2 train (0: all of it)")
    args = parser.parse_args()
    found = gpus()
    if not found:
        print("No CUDA GPU on this machine: nothing to measure (bench_gpu needs one; bench_train covers the CPU).")
        return 0
    if not (SST2 / "train.tsv").exists():
        print(f"SST-2 is not in {SST2}: skipping.")
        return 0
    import pandas as pd

    from core.models.inspect import inspect_model
    from core.models.resolve import DEFAULT_MODEL, resolve_model

    args.model_path = str(resolve_model(DEFAULT_MODEL))
    parameters = inspect_model("default").parameters
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        train = workdir / "train.tsv"
        rows = pd.read_csv(SST2 / "train.tsv", sep="\t")
        (rows.sample(n=args.rows, random_state=0) if args.rows else rows).to_csv(train, sep="\t", index=False)
        tokens = training_tokens(train, args)
        layouts = {"1 GPU": [found[0]["id"]]}
        if len(found) > 1:
            layouts[f"{len(found)} GPUs"] = [g["id"] for g in found]
        table = {f"{side} · {name}": fn(train, devices, args, workdir / f"{side}-{len(devices)}")
                 for name, devices in layouts.items() for side, fn in (("B1", b1), ("engine", engine))}
    peak = peak_tflops(found[0]["name"])
    for name, row in table.items():
        row["mfu"] = (6 * parameters * tokens / row["step_seconds"] / (peak * 1e12 * row["world_size"])
                      if peak and row["step_seconds"] else None)
        one = table[f"{name.split(' · ')[0]} · 1 GPU"]
        row["scaling_efficiency"] = row["samples_per_second"] / (row["world_size"] * one["samples_per_second"])
    report(table, found, args, len(rows) if not args.rows else args.rows)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "gpu.json").write_text(json.dumps({"gpus": found, "rows": table}, indent=2))
    return 0


def report(table: dict, found: list[dict], args, rows: int) -> None:
    print(f"{found[0]['name']} x{len(found)} · {rows} SST-2 rows · {args.epochs:g} epochs · batch {args.batch_size} "
          f"per GPU · max length {args.max_length} · MiniLM-L6")
    print("| | wall | samples/s | time to 91% dev | dev accuracy | MFU | scaling | peak memory |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in table.items():
        to_target = f"{r['seconds_to_target']:.1f} s" if r["seconds_to_target"] is not None else "not reached"
        mfu = f"{r['mfu']:.1%}" if r["mfu"] is not None else "–"
        print(f"| {name} | {r['wall_seconds']:.1f} s | {r['samples_per_second']:.0f} | {to_target} | "
              f"{r['accuracy']:.1%} | {mfu} | {r['scaling_efficiency']:.0%} | {r['peak_memory_mb']:,.0f} MB |")


if __name__ == "__main__":
    raise SystemExit(main())
