"""How close the Train page's time estimate comes to the real run, on our samples and the shared datasets.

For each dataset: the step cost of the built-in model is measured on this machine (as the standby worker does),
the estimate is made as the Train page makes it (quick preset), then the run trains for real through
`python -m core train`. Reports estimate, range and actual time per dataset, and the ratio actual / estimate;
the goal is within x1.5. Writes bench/results/estimate.json.

    .venv/bin/python bench/bench_estimate.py [--preset quick]
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
SHARED = ROOT.parent / "shared" / "datasets"
sys.path.insert(0, str(ROOT))


def datasets(workdir: Path) -> dict[str, Path]:
    """Our three samples, plus slices of SST-2 and SMS spam when ../shared/datasets is there."""
    found = {name: ROOT / "sample_data" / name for name in
             ("movie_reviews_en.csv", "news_topics_en.csv", "product_reviews_zh.csv")}
    if (SHARED / "sst2" / "train.tsv").exists():
        import pandas as pd

        sst2 = workdir / "sst2-2000.tsv"
        pd.read_csv(SHARED / "sst2" / "train.tsv", sep="\t").sample(n=2000, random_state=0).to_csv(
            sst2, sep="\t", index=False)
        found["sst2 (2,000 rows)"] = sst2
    if (SHARED / "sms_spam" / "SMSSpamCollection").exists():
        sms = workdir / "sms-1000.tsv"
        lines = (SHARED / "sms_spam" / "SMSSpamCollection").read_text(encoding="utf-8").splitlines()[:1000]
        sms.write_text("\n".join(lines) + "\n", encoding="utf-8")
        found["sms spam (1,000 rows)"] = sms
    return found


def page_estimate(path: Path, preset: str, cost) -> tuple[dict, object]:
    """The estimate exactly as the Train page computes it for these choices."""
    from core.data.texts import load_texts, prepare_for_training
    from core.device import describe_device
    from core.models.inspect import inspect_model
    from core.models.tokens import load_token_counter
    from core.train.config import TrainConfig
    from core.train.estimate import count_tokens, run_estimate

    config = TrainConfig.from_preset(preset, data=str(path))
    data = prepare_for_training(load_texts(path))
    val_rows = round(len(data) * config.val_fraction)
    info = inspect_model("default")
    result = run_estimate(info.parameters, config, len(data) - val_rows, val_rows,
                          count_tokens(load_token_counter("default"), data.texts), describe_device(),
                          step_cost=cost, hidden_size=info.hidden_size, layers=info.layers)
    low, high = result.run_seconds(config.epochs)
    return {"estimate_seconds": (low * high) ** 0.5, "low": low, "high": high, "basis": result.basis}, config


def train(path: Path, preset: str, workspace: Path) -> float:
    """Seconds from Start to the saved model, as the run itself counts them (results.json)."""
    out = subprocess.run([sys.executable, "-m", "core", "train", "--data", str(path), "--preset", preset,
                          "--workspace", str(workspace), "--json"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "STUDIO_STANDBY": "0"})
    if out.returncode != 0:
        sys.exit(out.stderr[-2000:])
    run_dir = Path(json.loads(out.stdout.strip().splitlines()[-1])["run_dir"])
    return json.loads((run_dir / "results.json").read_text())["seconds"]["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="quick")
    args = parser.parse_args()
    from core.device import describe_device, training_device
    from core.train.calibrate import measure

    device = training_device()
    started = time.perf_counter()
    cost = measure("default")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in datasets(Path(tmp)).items():
            estimate, _ = page_estimate(path, args.preset, cost)
            actual = train(path, args.preset, Path(tmp) / "ws")
            rows.append({"dataset": name, **estimate, "actual_seconds": actual,
                         "ratio": actual / estimate["estimate_seconds"]})
            print(f"{name:<26} estimate {estimate['estimate_seconds']:6.1f} s ({estimate['low']:.0f}-"
                  f"{estimate['high']:.0f} s)  actual {actual:6.1f} s  ratio {rows[-1]['ratio']:.2f}", flush=True)
    within = sum(1 for r in rows if 1 / 1.5 <= r["ratio"] <= 1.5)
    report = {"device": describe_device().name, "bf16": bool(device.bf16), "preset": args.preset,
              "step_cost": {"fixed": cost.fixed, "per_token": cost.per_token}, "rows": rows,
              "within_1_5": f"{within}/{len(rows)}", "wall_seconds": time.perf_counter() - started}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "estimate.json").write_text(json.dumps(report, indent=2))
    bf16 = "on" if report["bf16"] else "off"
    print(f"device: {report['device']} (bf16 {bf16}); within x1.5: {within} of {len(rows)}")


if __name__ == "__main__":
    main()
