"""The Label page's learner on a 2,000-row project: time from the label that triggers a pass to its result.

A project of 2,000 SST-2 training sentences (none labelled) and the learner switched on as the page switches it
on (core.labels.watcher.keep_learning: its own process, the built-in MiniLM-L6 encoder). Then labelled as a person
would, one text every --pace seconds, the text the learner is least sure of first (the page's order), with the
file's true labels. Every 5th label triggers a pass; the time from that label's save to the result file holding
it is measured (the next label waits for it, so the times do not overlap). Four phases:

0. pre-started, as the page does now: a project of its own (its own embedding cache, nothing known) opens and the
   learner starts ahead (core.labels.watcher.prestart); once it reports ready (the time from opening is printed:
   a person reading the first text, choosing labels), it is switched on and labelled from the first label until
   --prestarted-after passes past its first model;
1. the old way, cold: switched on with no learner running, then labelled, while the learner loads and gets to
   know the texts in the background;
2. once every text is embedded (--after triggers);
3. after the learner is switched off and on again (every vector cached: a fresh process without the encoder).

Names the CPU or GPU, whether bf16 was on, and the load average (other work on a shared machine slows it).
Writes bench/results/learner.json and prints a Markdown table.

    .venv/bin/python bench/bench_learner.py [--rows 2000] [--pace 2] [--after 8] [--prestarted-after 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SST2 = ROOT.parent / "shared" / "datasets" / "sst2" / "train.tsv"
sys.path.insert(0, str(ROOT))
NAMES = {"0": "negative", "1": "positive"}


def read_sst2(rows: int, seed: int) -> tuple[list[str], list[str]]:
    with open(SST2, encoding="utf-8", newline="") as handle:
        table = [(r["sentence"], NAMES[r["label"]]) for r in csv.DictReader(handle, delimiter="\t")]
    chosen = random.Random(seed).sample(table, rows)
    return [text for text, _ in chosen], [label for _, label in chosen]


class Labeller:
    """A person at the Label page: the least sure text first (row order before the learner has answered)."""

    def __init__(self, workspace: Path, project: int, truth: list[str]) -> None:
        from core.labels.store import LabelStore

        self.workspace, self.project, self.truth = workspace, project, truth
        self.store, self.done = LabelStore(workspace), set()

    def label_one(self) -> None:
        from core.labels import learner

        suggestions = (learner.read_result(self.workspace, self.project) or {}).get("suggestions", {})
        open_rows = [(sure, int(row)) for row, (_, sure) in suggestions.items() if int(row) not in self.done]
        row = min(open_rows)[1] if open_rows else next(r for r in range(len(self.truth)) if r not in self.done)
        self.store.set_label(self.project, row, self.truth[row])
        self.done.add(row)

    def trigger(self, pace: float, phase: str) -> dict:
        """Labels at the person's pace up to the one that makes a pass due (the 5th label change since the last
        pass, or any while there are too few to learn); the time from its save to a result that learned from it."""
        from core.labels import learner, watcher

        while True:  # the last pass read again before each label: a learner just (re)started learns at once
            last = learner.read_result(self.workspace, self.project) or {}
            needed = 1 if last.get("problem") else learner.EVERY
            if len(self.done) + 1 - last.get("label_changes", 0) >= needed:  # this tool's labels are every change
                break
            self.label_one()
            watcher.keep_learning(self.workspace, self.project)  # the page's redraw after each label
            time.sleep(pace)
        self.label_one()
        saved, wanted = time.perf_counter(), len(self.done)
        watcher.keep_learning(self.workspace, self.project)
        while (learner.read_result(self.workspace, self.project) or {}).get("labelled", 0) < wanted:
            if time.perf_counter() - saved > 180:
                raise SystemExit(f"no result with {wanted} labels within 3 minutes")
            time.sleep(0.02)
        seconds = time.perf_counter() - saved
        status = watcher.read_status(self.workspace, self.project) or {}
        result = learner.read_result(self.workspace, self.project) or {}
        step = {"phase": phase, "labels": wanted, "seconds": round(seconds, 2), "embedded": status.get("embedded"),
                "encoder_loaded": status.get("encoder_loaded"), "fit_seconds": result.get("seconds"),
                "estimated_accuracy": result.get("estimated_accuracy"), "too_few_labels": bool(result.get("problem")),
                "load": round(os.getloadavg()[0], 1)}
        print(f"  {phase}: {wanted} labels -> result in {seconds:.2f} s ({step['embedded']} texts embedded, "
              f"load {step['load']})", flush=True)
        time.sleep(pace)
        return step


def new_project(workspace: Path, texts: list[str]) -> int:
    from core.data.texts import LabelledTexts
    from core.labels.store import LabelStore

    store = LabelStore(workspace)
    project = store.create_project("sst2", LabelledTexts(texts=texts, labels=[None] * len(texts),
                                                         text_column="sentence", label_column=None,
                                                         source=str(SST2))).id
    for name in NAMES.values():
        store.add_label(project, name)
    return project


def wait_for(check, what: str, limit: float = 600.0):
    deadline = time.perf_counter() + limit
    while not (found := check()):
        if time.perf_counter() > deadline:
            raise SystemExit(f"no {what} within {limit:.0f} s")
        time.sleep(0.05)
    return found


def prestarted(workspace: Path, texts: list[str], truth: list[str], args, report: dict) -> None:
    """Phase 0: the learner started as the project opens, switched on once ready, labelled up to its first model
    and a few passes past it."""
    from core.labels import learner, watcher

    project, os.environ[watcher.PREWARM_ENV] = new_project(workspace, texts), "1"
    opened, seen = time.perf_counter(), {}
    watcher.prestart(workspace, project)

    def ready_yet():  # also when its imports were done and when its encoder was loaded, seconds after opening
        status = watcher.read_status(workspace, project) or {}
        if status.get("state") not in (None, "starting"):
            seen.setdefault("imports_done_seconds", round(time.perf_counter() - opened, 1))
        if status.get("encoder_loaded"):
            seen.setdefault("encoder_loaded_seconds", round(time.perf_counter() - opened, 1))
        return status.get("state") == "ready" and status

    ready = wait_for(ready_yet, "ready learner")
    report["prestarted"] = {**seen, "open_to_ready_seconds": round(time.perf_counter() - opened, 1),
                            "embedded_when_ready": ready["embedded"], "encoder_loaded": ready["encoder_loaded"],
                            "ready_rss_mb": rss_mb(ready["pid"]), "load_when_ready": round(os.getloadavg()[0], 1)}
    print(f"  pre-started: {report['prestarted']}", flush=True)
    watcher.keep_learning(workspace, project)  # switched on: the learner learns at once (too few labels yet)
    wait_for(lambda: learner.read_result(workspace, project), "result after switching on", 60)
    person, models = Labeller(workspace, project, truth), 0
    while models <= args.prestarted_after:
        step = person.trigger(args.pace, "pre-started")
        step["same_process"] = (watcher.read_status(workspace, project) or {}).get("pid") == ready["pid"]
        report["steps"].append(step)
        models += not step["too_few_labels"]
    stop(workspace, project)


def rss_mb(pid: int) -> int | None:
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1]) // 1024


def stop(workspace: Path, project: int) -> None:
    from core.labels import watcher

    watcher.stop_learning(workspace, project)
    while watcher.watching(workspace, project):
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between a person's labels")
    parser.add_argument("--after", type=int, default=8, help="triggers measured once every text is embedded")
    parser.add_argument("--prestarted-after", type=int, default=3, help="pre-started passes past the first model")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not SST2.exists():
        print(f"skipped: {SST2} is not here (../shared/datasets is only beside the project in CI)")
        return 0
    from core.device import training_device
    from core.labels import watcher

    device = training_device()
    # every library's files in the OS cache before either phase, as on a dashboard that has run a learner since boot:
    # otherwise whichever phase runs first also pays for reading them from disk
    import cleanlab.filter  # noqa: F401
    import sentence_transformers  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    texts, truth = read_sst2(args.rows, args.seed)
    report = {"device": device.label, "bf16": device.bf16, "rows": args.rows, "pace": args.pace,
              "load_before": os.getloadavg(), "steps": []}
    print(f"device: {device.label} (bf16 {'on' if device.bf16 else 'off'}), load average "
          f"{os.getloadavg()[0]:.1f}; {args.rows} SST-2 rows, a label every {args.pace:g} s", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        prestarted(Path(folder) / "prestarted", texts, truth, args, report)
        workspace = Path(folder) / "ws"  # the cold run: its own workspace, so nothing of phase 0 is cached
        project = new_project(workspace, texts)
        person = Labeller(workspace, project, truth)
        switched_on = time.perf_counter()
        watcher.keep_learning(workspace, project)
        all_known = None
        while all_known is None:
            report["steps"].append(person.trigger(args.pace, "while embedding"))
            status = watcher.read_status(workspace, project) or {}
            if status.get("embedded", 0) >= args.rows:
                all_known = time.perf_counter() - switched_on
        report["switch_on_to_all_embedded_seconds"] = round(all_known, 1)
        for _ in range(args.after):
            report["steps"].append(person.trigger(args.pace, "all embedded"))
        stop(workspace, project)
        watcher.keep_learning(workspace, project)  # switched on again: a fresh process, every vector cached
        for _ in range(2):
            report["steps"].append(person.trigger(args.pace, "after a restart"))
        stop(workspace, project)
    report["load_after"] = os.getloadavg()
    print_table(report)
    out = ROOT / "bench" / "results" / "learner.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return 0


def print_table(report: dict) -> None:
    ahead = report["prestarted"]
    print(f"\npre-started: after the project opened, imports done in {ahead.get('imports_done_seconds')} s, "
          f"encoder loaded in {ahead.get('encoder_loaded_seconds')} s, ready ({ahead['embedded_when_ready']} texts "
          f"embedded) in {ahead['open_to_ready_seconds']} s (load {ahead['load_when_ready']}, "
          f"{ahead['ready_rss_mb']} MB); cold: switch-on to every text embedded "
          f"{report['switch_on_to_all_embedded_seconds']} s\n")
    print("| phase | passes | first | first model (its label) | median | slowest | fit alone (median) | load |")
    print("|---|---|---|---|---|---|---|---|")
    for phase in ("pre-started", "while embedding", "all embedded", "after a restart"):
        steps = [s for s in report["steps"] if s["phase"] == phase]
        if steps:
            times = [s["seconds"] for s in steps]
            fits = [s["fit_seconds"] for s in steps if s["fit_seconds"] is not None]
            model = next((s for s in steps if not s["too_few_labels"]), None)
            first_model = f"{model['seconds']:.2f} s ({model['labels']})" if model else "-"
            loads = [s["load"] for s in steps]
            print(f"| {phase} | {len(steps)} | {times[0]:.2f} s | {first_model} | {statistics.median(times):.2f} s | "
                  f"{max(times):.2f} s | {statistics.median(fits) if fits else 0:.2f} s | "
                  f"{min(loads):.1f}-{max(loads):.1f} |")


if __name__ == "__main__":
    raise SystemExit(main())
