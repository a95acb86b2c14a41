"""Small data: fine-tune, few-shot (SetFit) and quick (frozen encoder + logistic regression) beside the TF-IDF
baseline, at 8, 16, 32 and 64 labelled rows per class, on SST-2 and SMS spam from ../shared/datasets.

Every run is an ordinary engine run started as a user starts one, `python -m core train ... --json` in its own
process, so its wall time is what a user waits (python and the libraries imported, the model loaded, trained,
scored, the baseline fit). All runs of a seed train on the same sampled rows and are scored on the same rows:
SST-2's dev set (872), and for SMS spam the rows never sampled for training (a fixed held-out part of 4,072).
Those rows are each run's validation rows, so fine-tune picks its best epoch on them (a little optimistic, for
fine-tune only). Reports accuracy, macro-F1 and wall time (mean and spread over the seeds); for quick also the
time with the embeddings cached (its second run). Each run's phases and its estimate (results.json) are kept.

Results are written after every run to bench/results/fewshot.json (or --out), so a grid cut short keeps what
ran; `--table FILE` prints the table of such a file. Names the CPU or GPU and whether bf16 was on.

    .venv/bin/python bench/bench_fewshot.py [--datasets sst2,sms_spam] [--per-class 8,16,32,64] [--seeds 42,43,44]
        [--methods fine-tune,few-shot,quick] [--eval-rows N] [--fine-tune-epochs 4] [--few-shot-pairs 0]
        [--order seed-first|size-first] [--out FILE] [--table FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
OUT = ROOT / "bench" / "results" / "fewshot.json"
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
            pairs: int = 0) -> dict:
    """One `python -m core train` run in its own process; its scores, wall time, phases and estimate."""
    command = [sys.executable, "-m", "core", "train", "--data", str(train_file), "--val-data", str(scored_file),
               "--method", method, "--seed", str(seed), "--batch-size", "16", "--workspace", str(workspace), "--json"]
    command += ["--epochs", f"{epochs:g}"] if method == "fine-tune" else []
    command += ["--few-shot-pairs", str(pairs)] if method == "few-shot" and pairs else []
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    try:
        payload = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": (done.stderr or done.stdout)[-500:], "seconds": wall}
    if payload.get("status") != "completed":
        return {"error": f"{payload.get('error')} {payload.get('fix') or ''}", "seconds": wall}
    results = json.loads((Path(payload["run_dir"]) / "results.json").read_text())
    base = results.get("baseline_metrics") or {}
    return {"accuracy": results["metrics"]["accuracy"], "macro_f1": results["metrics"]["macro_f1"], "seconds": wall,
            "phases": results.get("seconds"), "estimate": results.get("estimate"),
            "train_seconds": (results.get("seconds") or {}).get("train"),
            "contrastive_seconds": results.get("contrastive_seconds"), "global_step": results.get("global_step"),
            "baseline_accuracy": base.get("accuracy"), "baseline_macro_f1": base.get("macro_f1"),
            "device": results["device"]["name"], "bf16": results["device"].get("bf16")}


def spread(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean = statistics.mean(values)
    return f"{mean:.1%}" + (f" ± {statistics.stdev(values):.1%}" if len(values) > 1 else "")


def seconds(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    return f"{statistics.mean(values):.0f} s" if values else "–"


def plan(args) -> list[tuple[str, int, int]]:
    """(dataset, per class, seed) in the order they run: every size at the first seed first, by default, so a
    grid cut short still has each size once."""
    names, sizes, seeds = (args.datasets.split(","), [int(x) for x in args.per_class.split(",")],
                           [int(x) for x in args.seeds.split(",")])
    if args.order == "size-first":
        return [(n, s, seed) for n in names for s in sizes for seed in seeds]
    return [(n, s, seed) for seed in seeds for n in names for s in sizes]


def save(report: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=2))
    temporary.replace(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="sst2,sms_spam")
    parser.add_argument("--per-class", default="8,16,32,64")
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--methods", default="fine-tune,few-shot,quick")
    parser.add_argument("--eval-rows", type=int, default=0, help="Score on at most this many rows (0 = all).")
    parser.add_argument("--few-shot-pairs", type=int, default=0,
                        help="SetFit's pairs per text (num_iterations); 0 = the engine's choice for the rows.")
    parser.add_argument("--fine-tune-epochs", type=float, default=4, help="Epochs of the fine-tune runs.")
    parser.add_argument("--order", choices=("seed-first", "size-first"), default="seed-first")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--table", type=Path, help="Only print the table of a results file written before.")
    parser.add_argument("--work", type=Path, help="Folder for the sampled files and the runs (default: a new "
                        "temporary folder, removed at the end).")
    args = parser.parse_args()
    if args.table:
        print_table(json.loads(args.table.read_text()))
        return 0
    for name in args.datasets.split(","):
        if not (DATASETS / name).exists():
            print(f"{DATASETS / name} is not here; nothing to measure.")
            return 0
    report = {"settings": {k: str(v) for k, v in vars(args).items()}, "load_at_start": os.getloadavg(), "runs": []}
    with tempfile.TemporaryDirectory() as folder:
        work, loaded = args.work or Path(folder), {}
        work.mkdir(parents=True, exist_ok=True)
        for name, per_class, seed in plan(args):
            if name not in loaded:
                pool, scored = load_dataset(name)
                if args.eval_rows:
                    scored = scored.sample(min(args.eval_rows, len(scored)), random_state=0)
                scored.to_csv(work / f"{name}-scored.csv", index=False)
                loaded[name] = (pool, len(scored))
            pool, scored_rows = loaded[name]
            train_file = work / f"{name}-{per_class}-{seed}.csv"
            sample(pool, per_class, seed).to_csv(train_file, index=False)
            for method in args.methods.split(","):
                result = one_run(work / "ws", train_file, work / f"{name}-scored.csv", method, seed,
                                 args.fine_tune_epochs, args.few_shot_pairs)
                if method == "quick" and "error" not in result:  # again, the texts' embeddings cached now
                    again = one_run(work / "ws", train_file, work / f"{name}-scored.csv", method, seed, 1)
                    result["cached_seconds"] = again.get("seconds")
                    result["cached_train_seconds"] = again.get("train_seconds")
                result.update(dataset=name, per_class=per_class, seed=seed, method=method, scored_rows=scored_rows,
                              load=os.getloadavg()[0])
                report["runs"].append(result)
                save(report, args.out)  # after every run: a grid cut short keeps what ran
                print(f"{name} {per_class}/class seed {seed} {method}: "
                      f"{json.dumps({k: v for k, v in result.items() if k not in ('phases', 'estimate')})}",
                      flush=True)
    print_table(report)
    return 0


def print_table(report: dict) -> None:
    runs = report["runs"]
    device = next((r["device"] for r in runs if r.get("device")), "?")
    bf16 = next((r.get("bf16") for r in runs if r.get("device")), None)
    print(f"\ndevice: {device} (bf16 {'on' if bf16 else 'off'}); load average during the runs "
          f"{min(r['load'] for r in runs):.1f} to {max(r['load'] for r in runs):.1f}\n")
    print("| data | per class | method | seeds | accuracy | macro-F1 | wall time |")
    print("|---|---|---|---|---|---|---|")
    cells: dict[tuple, dict[str, list[dict]]] = {}
    for r in runs:
        cells.setdefault((r["dataset"], r["per_class"]), {}).setdefault(r["method"], []).append(r)
    datasets = list(dict.fromkeys(name for name, _ in cells))  # as run, each one's sizes smallest first
    for (name, per_class), methods in sorted(cells.items(), key=lambda c: (datasets.index(c[0][0]), int(c[0][1]))):
        baseline = {}  # every run of a seed fits the baseline on the same rows: one per seed
        for method, results in methods.items():
            ok = [r for r in results if "error" not in r]
            baseline.update({r["seed"]: r for r in ok if r.get("baseline_accuracy") is not None})
            wall = seconds([r["seconds"] for r in ok])
            if method == "quick" and ok:
                wall += f" ({seconds([r.get('cached_seconds') for r in ok])} cached)"
            failed = f" ({len(results) - len(ok)} failed)" if len(ok) < len(results) else ""
            print(f"| {name} | {per_class} | {method} | {len(ok)}{failed} | {spread([r['accuracy'] for r in ok])} | "
                  f"{spread([r['macro_f1'] for r in ok])} | {wall} |")
        print(f"| {name} | {per_class} | TF-IDF baseline | {len(baseline)} | "
              f"{spread([r['baseline_accuracy'] for r in baseline.values()])} | "
              f"{spread([r['baseline_macro_f1'] for r in baseline.values()])} | under a second |")


if __name__ == "__main__":
    raise SystemExit(main())
