"""The command line's words for tasks: the flags that say what the labels are, and how task scores read.

No `register`: these serve cli.py's own inspect-data and evaluate commands.
"""

from __future__ import annotations

import argparse


def add_task_flags(parser: argparse.ArgumentParser, task: bool = True) -> None:
    """--label-columns and --label-separator (and --task): how the labels are written in the file."""
    if task:
        parser.add_argument("--task", default="auto", choices=["auto", "single-label", "multi-label", "regression"],
                            help="What the labels are: one per row, several, or a number (detected by default).")
    parser.add_argument("--label-columns", help="Several 0/1 columns, one per label (A,B,C): multi-label.")
    parser.add_argument("--label-separator", help="What separates several labels in one cell (detected).")


def evaluate_text(r: dict) -> str:
    """`core evaluate` without --json: the task's headline scores on one line, then the warnings."""
    if r.get("task") == "multi-label":
        line = (f"micro-F1 {r['micro_f1']:.3f} · macro-F1 {r['macro_f1']:.3f} · all labels right "
                f"{r['subset_accuracy']:.1%} on {r['rows']} rows")
    elif r.get("task") == "regression":
        spearman = "n/a" if r["spearman"] is None else f"{r['spearman']:.3f}"
        line = f"MAE {r['mae']:.3f} · RMSE {r['rmse']:.3f} · Spearman {spearman} on {r['rows']} rows"
    else:
        line = f"accuracy {r['accuracy']:.1%} · macro-F1 {r['macro_f1']:.3f} on {r['rows']} rows"
    return (line + "\n" + "\n".join(r["warnings"])).strip()


def predict_text(r: dict) -> str:
    """`core predict --text` without --json."""
    if "value" in r:
        return f"{r['value']:g}"
    if "labels" in r:
        return (", ".join(r["labels"]) or "(no label)") + "  " + ", ".join(
            f"{k} {v:.1%}" for k, v in r["probabilities"].items())
    return f"{r['label']} ({r['confidence']:.1%})  " + ", ".join(f"{k} {v:.1%}" for k, v in r["probabilities"].items())


def train_text(p: dict) -> str:
    """`core train` without --json, for a multi-label or regression run: its scores, the test rows' first."""
    scored = p.get("test_metrics") or p["metrics"]
    rows = "the test rows" if p.get("test_metrics") else "the validation rows"
    line = evaluate_text({**scored, "rows": "", "warnings": []}).replace(" on  rows", "")
    return f"Run {p['run_id']} {p['status']}: {line} on {rows}. Model in {p['run_dir']}/model"
