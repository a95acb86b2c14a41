"""`python -m core zero-shot --data FILE --labels "a,b,c"`: label texts from label names alone (no training),
by embedding similarity with the packaged encoder; scores them too when the file has labels."""

from __future__ import annotations

import argparse
import json


def register(command) -> None:
    p = command("zero-shot", cmd_zero_shot, "Label texts from label names alone, before any training.")
    p.add_argument("--data", required=True, help="A file of texts (csv, tsv, txt, jsonl, json, xlsx, parquet).")
    p.add_argument("--labels", required=True, help='The label names, separated by commas: "positive,negative".')
    p.add_argument("--descriptions", help="A file of one line per label, 'label: what it means' (or JSON).")
    p.add_argument("--text-column")
    p.add_argument("--label-column", help="A column of true labels, to score the zero-shot answers against.")
    p.add_argument("--model", default="default", help="The sentence encoder (default: the built-in MiniLM-L6).")
    p.add_argument("--out", help="Write each text's answer to this CSV file.")


def cmd_zero_shot(args: argparse.Namespace) -> int:
    from core.data.texts import load_texts
    from core.store.workspace import workspace_path
    from core.train.methods.zero_shot import check_labels, read_descriptions, zero_shot_table

    labels = check_labels(args.labels.replace("，", ",").split(","))
    descriptions = read_descriptions(args.descriptions) if args.descriptions else None
    data = load_texts(args.data, args.text_column, args.label_column or "")
    table = zero_shot_table(data.texts, labels, descriptions, args.model, workspace_path(args.workspace))
    if args.out:
        table.to_csv(args.out, index=False)
    payload = {"rows": len(table), "labels": labels, "counts": table["predicted"].value_counts().to_dict(),
               "predictions": json.loads(table.head(20).to_json(orient="records", force_ascii=False)),
               "out": args.out}
    if args.label_column and data.label_column:
        true = [str(x).strip() if x else "" for x in data.labels]
        scored = [(t, p) for t, p in zip(true, table["predicted"], strict=True) if t in labels]
        payload["accuracy"] = sum(t == p for t, p in scored) / len(scored) if scored else None
        payload["scored_rows"] = len(scored)
    from core.cli import _emit

    _emit(payload, args.json, _text)
    return 0


def _text(p: dict) -> str:
    lines = [f"{p['rows']} texts labelled zero-shot: " + ", ".join(f"{k} {v}" for k, v in p["counts"].items())]
    if p.get("accuracy") is not None:
        lines.append(f"Accuracy against the file's labels: {p['accuracy']:.1%} of {p['scored_rows']} rows")
    if p.get("out"):
        lines.append(f"Answers written to {p['out']}")
    return "\n".join(lines)
