"""How the costs of big files grow with rows: reading + the data check, the Label page's queries, and prediction.

Generated news-like rows (four labels, 20-60 words each, about 250 bytes a row) at each size:
- `inspect-data` as a user runs it (a fresh `python -m core inspect-data FILE --json` process under GNU time: wall
  time, peak resident memory and every import included; the token lengths come from the built-in model's
  tokenizer.json), with the load average just before it;
- the Label page's queries on a project of 100,000 rows (the first page of the table, a page deep in it, a text
  search, the progress counts), median of 5;
- predict throughput of the built-in MiniLM-L6 (as a classifier, random head) on a smaller number of texts,
  cut at 128 tokens and read whole in sliding windows.

    .venv/bin/python bench/bench_scale.py [--rows 100000 300000 1000000] [--label-rows 100000] [--predict 2000]

(`--label-rows 0` or `--predict 0` leaves that part out.)

Writes bench/results/scale.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("the market rose sharply after news that the central bank would hold rates steady while analysts expect "
         "growth to slow team won match player scored goal election minister parliament vote budget").split()
LABELS = ("business", "sport", "politics", "world")


def generate(path: Path, rows: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        for i in range(rows):
            writer.writerow([" ".join(rng.choices(WORDS, k=rng.randint(20, 60))), LABELS[i % 4]])
    return path


def inspect_cost(path: Path) -> dict:
    """Wall seconds and peak memory of a fresh `inspect-data` process (GNU time's maximum resident set), and the
    machine's 1-minute load average just before it (other work on a shared machine slows it)."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "core", "inspect-data", str(path),
                           "--json"], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return {"seconds": round(seconds, 1), "peak_mb": round(peak_kb / 1024), "load": round(load, 1)}


def label_costs(path: Path, workdir: Path) -> dict:
    from core.data.texts import load_texts
    from core.labels.store import LabelStore

    store = LabelStore(workdir / "workspace")
    started = time.perf_counter()
    project = store.create_project("bench", load_texts(path, "text", ""))
    created = time.perf_counter() - started

    def median_ms(call) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(times), 1)

    return {"create_project_s": round(created, 1),
            "first_page_ms": median_ms(lambda: store.rows(project.id, limit=201)),
            "unlabelled_page_ms": median_ms(lambda: store.rows(project.id, "unlabelled", limit=201)),
            "search_ms": median_ms(lambda: store.rows(project.id, search="parliament budget", limit=201)),
            "progress_ms": median_ms(lambda: store.progress(project.id))}


def predict_costs(texts: list[str]) -> dict:
    from core.models.resolve import resolve_model
    from core.serve.predictor import Predictor
    from core.serve.windows import Windowed

    predictor = Predictor(resolve_model("default"), max_length=128, device="cpu")
    out = {}
    for name, answers in (("cut at 128", predictor), ("windows, stride 64", Windowed(predictor, 64))):
        started = time.perf_counter()
        answers.probabilities(texts)
        out[name] = round(len(texts) / (time.perf_counter() - started), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--label-rows", type=int, default=100_000)
    parser.add_argument("--predict", type=int, default=2_000)
    args = parser.parse_args()
    from core.device import training_device

    device = training_device()
    report = {"device": device.label, "bf16": device.bf16, "load_average": os.getloadavg(), "inspect": {},
              "label": None, "predict_texts_per_s": None}
    print(f"device: {device.label} (bf16 {'on' if device.bf16 else 'off'}), load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for rows in args.rows:
            path = generate(workdir / f"rows-{rows}.csv", rows)
            size = path.stat().st_size / 2**20
            report["inspect"][rows] = {"file_mb": round(size), **inspect_cost(path)}
            print(f"{rows:>9,} rows ({size:.0f} MB): {report['inspect'][rows]}", flush=True)
            path.unlink()
        if args.label_rows:  # 0 leaves a part out
            label_file = generate(workdir / "label.csv", args.label_rows, seed=1)
            report["label"] = {"rows": args.label_rows, **label_costs(label_file, workdir)}
            print("Label:", report["label"], flush=True)
        if args.predict:
            rng = random.Random(2)
            texts = [" ".join(rng.choices(WORDS, k=rng.randint(20, 400))) for _ in range(args.predict)]
            report["predict_texts_per_s"] = {"texts": args.predict, **predict_costs(texts)}
            print("Predict:", report["predict_texts_per_s"], flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "scale.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print("\n| rows | file | inspect-data | peak memory | load average |\n|---|---|---|---|---|")
    for rows, cost in report["inspect"].items():
        print(f"| {rows:,} | {cost['file_mb']} MB | {cost['seconds']} s | {cost['peak_mb']:,} MB | {cost['load']} |")


if __name__ == "__main__":
    main()
