"""Small data: fine-tune, few-shot (SetFit) and quick (frozen encoder + logistic regression) beside the TF-IDF
baseline, at 8, 16, 32 and 64 labelled rows per class, on SST-2 and SMS spam from ../shared/datasets.

Every run is an ordinary engine run (the worker's own code, in this process) on the same sampled rows, scored
on the same rows: SST-2's dev set (872), and for SMS spam the rows never sampled for training (a fixed held-out
part). Those rows are also each run's validation rows, so fine-tune picks its best epoch on them (a little
optimistic, for fine-tune only). Reports accuracy, macro-F1 and wall time (mean and spread over the seeds); for
quick also the time with the embeddings cached (its second run). Names the CPU or GPU and whether bf16 was on;
writes bench/results/fewshot.json.

    .venv/bin/python bench/bench_fewshot.py [--datasets sst2,sms_spam] [--per-class 8,16,32,64] [--seeds 42,43,44]
        [--methods fine-tune,few-shot,quick] [--eval-rows N] [--fine-tune-epochs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
sys.path.insert(0, str(ROOT))


def load_dataset(name: str):
    """(train pool, scored rows) as DataFrames of text and label."""
    import pandas as pd

    if name == "sst2":
        train = pd.read_csv(DATASETS / "sst2" / "train.tsv", sep="\t").rename(columns={"sentence": "text"})
        dev = pd.read_csv(DATASETS / "sst2" / "dev.tsv", sep="\t").rename(columns={"content": "text"})
        names = {0: "negative", 1: "positive"}
        return (train.assign(label=train["label"].map(names))[["text", "label"]],
                dev.assign(label=dev["label"].map(names))[["text", "label"]])
    if name == "sms_spam":
        rows = pd.read_csv(DATASETS / "sms_spam" / "SMSSpamCollection", sep="\t", header=None, names=["label", "text"],
                           quoting=3)[["text", "label"]]
        rows = rows.sample(frac=1.0, random_state=0).reset_index(drop=True)
        return rows.iloc[:1500], rows.iloc[1500:]  # the held-out part is never sampled for training
    raise SystemExit(f"Unknown dataset {name}; pick sst2 or sms_spam.")


def sample(pool, per_class: int, seed: int):
    import pandas as pd

    parts = [pool[pool["label"] == name].sample(per_class, random_state=seed)
             for name in sorted(pool["label"].unique())]
    return pd.concat(parts).sample(frac=1.0, random_state=seed)


def one_run(workspace: Path, train_file: Path, scored_file: Path, method: str, seed: int, epochs: float,
            pairs: int = 20) -> dict:
    from core.runs.runner import claim_device, create_run
    from core.runs.worker import execute
    from core.store.runs import RunStore
    from core.train.config import TrainConfig

    store = RunStore(workspace)
    settings = {"epochs": epochs, "batch_size": 16} if method == "fine-tune" else {"batch_size": 16,
                                                                                   "few_shot_pairs": pairs}
    config = TrainConfig.from_preset("balanced", data=str(train_file), val_data=str(scored_file), method=method,
                                     seed=seed, **settings)
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    started = time.perf_counter()
    finished = execute(store, store.get(run.id))
    seconds = time.perf_counter() - started
    if finished.status != "completed":
        return {"error": finished.error}
    results = finished.results
    return {"accuracy": results["metrics"]["accuracy"], "macro_f1": results["metrics"]["macro_f1"],
            "seconds": seconds, "train_seconds": results["seconds"].get("train"),
            "baseline_accuracy": (results.get("baseline_metrics") or {}).get("accuracy"),
            "baseline_macro_f1": (results.get("baseline_metrics") or {}).get("macro_f1"),
            "device": results["device"]["name"], "bf16": results["device"].get("bf16")}


def spread(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean = statistics.mean(values)
    return f"{mean:.1%}" + (f" ± {statistics.stdev(values):.1%}" if len(values) > 1 else "")


def seconds(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    return f"{statistics.mean(values):.1f} s" if values else "–"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="sst2,sms_spam")
    parser.add_argument("--per-class", default="8,16,32,64")
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--methods", default="fine-tune,few-shot,quick")
    parser.add_argument("--eval-rows", type=int, default=0, help="Score on at most this many rows (0 = all).")
    parser.add_argument("--few-shot-pairs", type=int, default=20, help="SetFit's pairs per text (num_iterations).")
    parser.add_argument("--fine-tune-epochs", type=float, default=10,
                        help="Epochs of the fine-tune runs (a few steps each at these sizes).")
    args = parser.parse_args()
    for name in args.datasets.split(","):
        if not (DATASETS / name).exists():
            print(f"{DATASETS / name} is not here; nothing to measure.")
            return 0
    import logging

    logging.basicConfig(level=logging.WARNING)
    report, lines = {"settings": vars(args), "cells": []}, []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name in args.datasets.split(","):
            pool, scored = load_dataset(name)
            if args.eval_rows:
                scored = scored.sample(min(args.eval_rows, len(scored)), random_state=0)
            scored_file = work / f"{name}-scored.csv"
            scored.to_csv(scored_file, index=False)
            for per_class in (int(x) for x in args.per_class.split(",")):
                runs: dict[str, list[dict]] = {}
                for seed in (int(x) for x in args.seeds.split(",")):
                    train_file = work / f"{name}-{per_class}-{seed}.csv"
                    sample(pool, per_class, seed).to_csv(train_file, index=False)
                    for method in args.methods.split(","):
                        result = one_run(work / "ws", train_file, scored_file, method, seed, args.fine_tune_epochs,
                                         args.few_shot_pairs)
                        runs.setdefault(method, []).append(result)
                        if method == "quick":  # again, with the texts' embeddings in the cache now
                            again = one_run(work / "ws", train_file, scored_file, method, seed, 1)
                            result["cached_seconds"] = again.get("seconds")
                            result["cached_train_seconds"] = again.get("train_seconds")
                        print(f"{name} {per_class}/class seed {seed} {method}: {json.dumps(result)}", flush=True)
                report["cells"].append({"dataset": name, "per_class": per_class, "scored_rows": len(scored),
                                        "runs": runs})
                lines += table_rows(name, per_class, runs)
    device = next((r.get("device") for c in report["cells"] for rs in c["runs"].values() for r in rs
                   if r.get("device")), "?")
    bf16 = next((r.get("bf16") for c in report["cells"] for rs in c["runs"].values() for r in rs
                 if r.get("device")), None)
    report["device"], report["bf16"] = device, bf16
    out = ROOT / "bench" / "results" / "fewshot.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\ndevice: {device} (bf16 {'on' if bf16 else 'off'}); seeds {args.seeds}\n")
    print("| data | per class | method | accuracy | macro-F1 | wall time | baseline accuracy | baseline macro-F1 |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    return 0


def table_rows(name: str, per_class: int, runs: dict[str, list[dict]]) -> list[str]:
    rows, baseline = [], []
    for method, results in runs.items():
        ok = [r for r in results if "error" not in r]
        baseline += ok
        wall = seconds([r["seconds"] for r in ok])
        if method == "quick" and ok:
            wall += f" ({seconds([r.get('cached_seconds') for r in ok])} cached)"
        rows.append(f"| {name} | {per_class} | {method} | {spread([r['accuracy'] for r in ok])} | "
                    f"{spread([r['macro_f1'] for r in ok])} | {wall} | | |")
    # the baseline is fit on the same rows by every run: one line for it
    rows.append(f"| {name} | {per_class} | TF-IDF baseline | | | | "
                f"{spread([r['baseline_accuracy'] for r in baseline[:len(baseline) // max(1, len(runs))]])} | "
                f"{spread([r['baseline_macro_f1'] for r in baseline[:len(baseline) // max(1, len(runs))]])} |")
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
