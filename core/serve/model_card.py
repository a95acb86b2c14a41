"""The model card (README.md) in the hand-off zip: what the model tells apart, how well, and how it was made."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from core.store.run_folder import model_dir, read_results
from core.train.config import setting_label
from core.wording import shown_value

_BUILTIN_MODEL = "MiniLM-L6 (built in; sentence-transformers/all-MiniLM-L6-v2)"


def model_card(run_dir: str | Path) -> str:
    """README.md for the zip: what the model tells apart, how well, from what and how it was trained."""
    run_dir = Path(run_dir)
    config, results = _read_config(run_dir), read_results(run_dir)
    labels = _labels(run_dir, results)
    sections = [_card_header(config, run_dir), _card_labels(labels, results.get("metrics", {})),
                _card_metrics(results), _card_usage(), _card_settings(config)]
    return "\n\n".join(s for s in sections if s) + "\n"


def _card_header(config: dict, run_dir: Path) -> str:
    name = config.get("name") or run_dir.name
    model = config.get("model") or "default"
    base = _BUILTIN_MODEL if model == "default" else _modelshown_value(str(model))
    made = time.strftime("%Y-%m-%d", time.localtime(_made_at(run_dir)))
    return ("---\nlibrary_name: transformers\npipeline_tag: text-classification\ntags:\n- text-classification\n---"
            f"\n\n# {name}\n\nA text classifier fine-tuned with Fine-Tune Studio.\n\n"
            f"- Base model: `{base}`\n- Trained on: `{Path(str(config.get('data', ''))).name}`\n- Date: {made}")


def _card_labels(labels: list[str], metrics: dict) -> str:
    per_class = metrics.get("per_class", {})
    lines = ["## Labels", "", "| Label | Precision | Recall | F1 | Validation rows |", "|---|---|---|---|---|"]
    for label in labels:
        scores = per_class.get(label, {})
        lines.append(f"| {_cell(label)} | {_number(scores.get('precision'))} | {_number(scores.get('recall'))} | "
                     f"{_number(scores.get('f1'))} | {scores.get('support', '')} |")
    return "\n".join(lines)


def _card_metrics(results: dict) -> str:
    metrics = results.get("metrics", {})
    if not metrics:
        return ""
    lines = ["## How well it does", "", f"Measured on {results.get('val_rows', metrics.get('rows', '?'))} "
             f"validation rows held out from training ({results.get('train_rows', '?')} training rows).", "",
             f"- Accuracy: {_number(metrics.get('accuracy'))}", f"- Macro F1: {_number(metrics.get('macro_f1'))}"]
    if metrics.get("loss") is not None:
        lines.append(f"- Loss: {_number(metrics.get('loss'))}")
    return "\n".join(lines)


def _card_usage() -> str:
    return ("## How to use it\n\n```bash\npip install transformers torch\npython predict.py \"a text to classify\"\n"
            "```\n\nor in Python, with the path of this folder:\n\n```python\nfrom transformers import pipeline\n\n"
            'classify = pipeline("text-classification", model="path/to/this/folder")\n'
            'print(classify("a text to classify"))\n```')


def _card_settings(config: dict) -> str:
    lines = ["## Training settings", "", "| Setting | Value |", "|---|---|"]
    for key, value in config.items():
        if key in ("name", "model", "data", "val_data") or value in (None, ""):
            continue  # names and local paths say nothing to someone receiving the zip
        lines.append(f"| {_cell(setting_label(key))} | {_cell(shown_value(value))} |")
    return "\n".join(lines)


def _modelshown_value(model: str) -> str:
    # a folder on the trainer's computer means nothing elsewhere; its name still says what it was
    if Path(model).expanduser().is_dir():
        return f"{Path(model).name} (a local model folder)"
    return model


def _labels(run_dir: Path, results: dict) -> list[str]:
    config = json.loads((model_dir(run_dir) / "config.json").read_text())
    id2label = config.get("id2label") or {}
    if id2label:
        return [id2label[k] for k in sorted(id2label, key=int)]
    return list(results.get("labels", []))


def _made_at(run_dir: Path) -> float:
    marker = model_dir(run_dir) / "config.json"
    return marker.stat().st_mtime if marker.exists() else time.time()


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else ""


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _read_config(run_dir: Path) -> dict:
    path = run_dir / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}
