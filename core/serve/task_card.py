"""The model card and predict.py of a multi-label or regression run: its scores, its thresholds or its scale, and
how plain transformers answers with it (top_k=None with a sigmoid per label; function_to_apply="none")."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
EXAMPLE = "Type the text here."


def _n(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def task_sections(results: dict, labels: list[str]) -> list[str]:
    """The card's labels, scores and usage for a run of several labels per text or of a score."""
    test = results.get("test_metrics")
    metrics, part = (test, "test") if test else (results.get("metrics") or {}, "validation")
    where = f"Measured on {metrics.get('rows', '?')} {part} rows" + (
        ", held out from training and from choosing the checkpoint." if part == "test" else
        " held out from training; they also chose the checkpoint" + (
            " (and the thresholds)" if results.get("task") == "multi-label" else "") + ", so it may be optimistic.")
    if results.get("task") == "regression":
        return [_regression_scores(metrics, where, results), _usage(results)]
    return [_label_table(metrics, labels, part), _multilabel_scores(metrics, where), _usage(results)]


def _label_table(metrics: dict, labels: list[str], part: str) -> str:
    per_class = metrics.get("per_class") or {}
    lines = ["## Labels", "", "A text can have none, one or several of these labels.", "",
             f"| Label | Threshold | Precision | Recall | F1 | {part.capitalize()} rows with it |",
             "|---|---|---|---|---|---|"]
    for label in labels:
        s = per_class.get(label, {})
        lines.append(f"| {label} | {_n(s.get('threshold'))} | {_n(s.get('precision'))} | {_n(s.get('recall'))} | "
                     f"{_n(s.get('f1'))} | {s.get('support', '')} |")
    return "\n".join(lines)


def _multilabel_scores(metrics: dict, where: str) -> str:
    return "\n".join(["## How well it does", "", where, "", f"- Micro F1: {_n(metrics.get('micro_f1'))}",
                      f"- Macro F1: {_n(metrics.get('macro_f1'))}",
                      f"- Every label right (subset accuracy): {_n(metrics.get('subset_accuracy'))}"])


def _regression_scores(metrics: dict, where: str, results: dict) -> str:
    mean, std = results.get("target_scale") or (None, None)
    low, high = metrics.get("true_range") or (None, None)
    name = (results.get("labels") or ["score"])[0]
    return "\n".join(["## How well it does", "", f"The model answers a number ({name}"
                      f"{f', from {low:g} to {high:g} in these rows' if low is not None else ''}).", "", where, "",
                      f"- Mean absolute error: {_n(metrics.get('mae'))}", f"- RMSE: {_n(metrics.get('rmse'))}",
                      f"- Pearson: {_n(metrics.get('pearson'))}", f"- Spearman: {_n(metrics.get('spearman'))}",
                      f"- R²: {_n(metrics.get('r2'))}", "",
                      "It learned the scores as (score - mean) / spread "
                      f"(mean {_n(mean)}, spread {_n(std)}); both are folded into its last layer, so its raw "
                      "output is the score itself. (Should `config.json` say `\"folded\": false` under `target_scale`,"
                      " map an answer back with `score = output * std + mean`.)"])


def _usage(results: dict) -> str:
    pair = bool(results.get("text_pair_column"))
    call = '{"text": "first text", "text_pair": "second text"}' if pair else '"a text"'
    argv = '"first text" "second text"' if pair else '"a text"'
    if results.get("task") == "regression":
        code = ('score = pipeline("text-classification", model="path/to/this/folder", function_to_apply="none")\n'
                f'print(score({call}))   # [{{"label": "...", "score": 4.2}}]: the score is the number')
    else:
        code = ('import json\n\ntag = pipeline("text-classification", model="path/to/this/folder", top_k=None)\n'
                'thresholds = json.load(open("path/to/this/folder/thresholds.json"))\n'
                f'scores = tag({call})   # every label with its probability (a sigmoid each)\n'
                'labels = [s["label"] for s in scores if s["score"] >= thresholds.get(s["label"], 0.5)]')
    return ("## How to use it\n\n```bash\npip install transformers torch\n"
            f"python predict.py {argv}\n```\n\nor in Python:\n\n```python\nfrom transformers import pipeline\n\n"
            f"{code}\n```")


def task_predict_script(results: dict, labels: list[str]) -> str:
    """predict.py for the zip of a multi-label or regression model."""
    pair = bool(results.get("text_pair_column"))
    values = {"labels": labels, "pairs": pair, "example": EXAMPLE,
              "pair_usage": '\n    python predict.py "first text" "second text"' if pair else ""}
    if results.get("task") == "regression":
        low, high = ((results.get("metrics") or {}).get("true_range") or ["?", "?"])
        return (TEMPLATES / "predict_regression.py.tmpl").read_text(encoding="utf-8").format(
            label=labels[0] if labels else "score", low=low, high=high, **values)
    return (TEMPLATES / "predict_multilabel.py.tmpl").read_text(encoding="utf-8").format(**values)
