"""Settings search on SST-2 against the balanced preset: does the search find a better model?

Both sides choose on validation rows held out of the training sample and are scored once on SST-2's dev
set (the test rows of every run: never seen by the search). Skips when ../shared/datasets is absent.

    .venv/bin/python bench/bench_search.py [--rows 2000] [--budget 15] [--trials 50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SST2 = ROOT.parent / "shared" / "datasets" / "sst2"


def cli(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "core", *args, "--json"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_results(workspace: Path, run_id: str) -> dict:
    return json.loads((workspace / "runs" / run_id / "results.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="training rows sampled from SST-2's train set")
    parser.add_argument("--budget", type=float, default=15, help="minutes the search may take")
    parser.add_argument("--trials", type=int, default=50)
    args = parser.parse_args()
    if not (SST2 / "train.tsv").exists():
        print(f"SST-2 not found at {SST2}; nothing to benchmark.")
        return
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        workspace, train = Path(tmp) / "ws", Path(tmp) / "train.tsv"
        pd.read_csv(SST2 / "train.tsv", sep="\t").sample(n=args.rows, random_state=0).to_csv(train, sep="\t",
                                                                                              index=False)
        common = ["--data", str(train), "--test-data", str(SST2 / "dev.tsv"), "--workspace", str(workspace)]
        started = time.time()
        preset = cli("train", *common, "--preset", "balanced")
        preset_seconds = time.time() - started
        started = time.time()
        search = cli("search", *common, "--trials", str(args.trials), "--time-budget", str(args.budget))
        search_seconds = time.time() - started
        best = run_results(workspace, search["best_run_id"])
        balanced = run_results(workspace, preset["run_id"])
    report = {"device": balanced["device"]["name"], "bf16": balanced["device"]["bf16"], "rows": args.rows,
              "budget_minutes": args.budget, "search_seconds": round(search_seconds), "preset_seconds":
              round(preset_seconds), "trials": search["trials"], "best_params": search["best_params"],
              "balanced": {"val_macro_f1": balanced["metrics"]["macro_f1"],
                           "dev_accuracy": balanced["test_metrics"]["accuracy"]},
              "best": {"val_macro_f1": best["metrics"]["macro_f1"], "dev_accuracy": best["test_metrics"]["accuracy"]}}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(report, indent=2))
    print_report(report)


def print_report(r: dict) -> None:
    states = [t["state"] for t in r["trials"]]
    print(f"device: {r['device']} (bf16 {'on' if r['bf16'] else 'off'}); {r['rows']} SST-2 rows; search budget "
          f"{r['budget_minutes']:g} min ({r['search_seconds']} s used): {len(states)} trials, "
          f"{states.count('complete')} complete, {states.count('pruned')} pruned")
    print(f"{'':<20}{'val macro-F1':>13}{'dev accuracy':>14}")
    for name in ("balanced", "best"):
        print(f"{name:<20}{r[name]['val_macro_f1']:>13.3f}{r[name]['dev_accuracy']:>14.1%}")
    diff = 100 * (r["best"]["dev_accuracy"] - r["balanced"]["dev_accuracy"])
    print(f"best trial vs balanced preset: {diff:+.1f} points of dev accuracy; best settings {r['best_params']}")


if __name__ == "__main__":
    main()
