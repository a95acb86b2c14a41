"""The model card (README.md) in the hand-off zip: what the model tells apart, how well, and how it was made.

The card goes wherever the zip goes, so it names no file of the trainer's (data, validation or test
file, local paths) unless asked to; the score it reports is the test rows' when the run had them.
"""

from __future__ import annotations

import json
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from core.serve.behaviour import card_section as behaviour_section
from core.store.run_folder import model_dir, read_results
from core.train.config import TrainConfig, setting_label
from core.wording import shown_value

_BUILTIN_MODEL = "MiniLM-L6 (built in; sentence-transformers/all-MiniLM-L6-v2)"
# names and local paths say nothing to someone receiving the zip, and may say too much about the trainer
_UNSHARED = ("name", "model", *(f.name for f in fields(TrainConfig) if f.metadata.get("path")))


def model_card(run_dir: str | Path, *, name_files: bool = False) -> str:
    """README.md for the zip: what the model tells apart, how well, from what and how it was trained.

    name_files: also name the data files it was trained on (left out by default: the card travels).
    """
    run_dir = Path(run_dir)
    config, results = _read_config(run_dir), read_results(run_dir)
    labels = _labels(run_dir, results)
    sections = [_card_header(config, run_dir, name_files), _card_labels(labels, results), _card_metrics(results),
                _card_usage(results), _card_settings(config), behaviour_section(run_dir)]
    if results.get("task") in ("multi-label", "regression"):  # several labels per text, or a score
        from core.serve.task_card import task_sections

        sections[1:4] = task_sections(results, labels)
    return "\n\n".join(s for s in sections if s) + "\n"


def _card_header(config: dict, run_dir: Path, name_files: bool) -> str:
    name = config.get("name") or run_dir.name
    model = config.get("model") or "default"
    base = _BUILTIN_MODEL if model == "default" else _modelshown_value(str(model))
    made = time.strftime("%Y-%m-%d", time.localtime(_made_at(run_dir)))
    lines = [f"- Base model: `{base}`"]
    if name_files:
        files = [(label, config.get(key)) for key, label in (("data", "Trained on"), ("val_data", "Validated on"),
                                                             ("test_data", "Tested on"))]
        lines += [f"- {label}: `{Path(str(path)).name}`" for label, path in files if path]
    lines.append(f"- Date: {made}")
    return ("---\nlibrary_name: transformers\npipeline_tag: text-classification\ntags:\n- text-classification\n---"
            f"\n\n# {name}\n\nA text classifier fine-tuned with Fine-Tune Studio.\n\n" + "\n".join(lines))


def _scored(results: dict) -> tuple[dict, str]:
    """The scores to report and the rows they come from: the test rows when the run had them."""
    if results.get("test_metrics"):
        return results["test_metrics"], "test"
    return results.get("metrics") or {}, "validation"


def _card_labels(labels: list[str], results: dict) -> str:
    metrics, part = _scored(results)
    per_class = metrics.get("per_class", {})
    weights = results.get("class_weights") or {}
    columns = ["Label", "Precision", "Recall", "F1", f"{part.capitalize()} rows"] + (["Weight in training"]
                                                                                   if weights else [])
    lines = ["## Labels", "", _row(columns), _row(["---"] * len(columns))]
    for label in labels:
        scores = per_class.get(label, {})
        cells = [_cell(label), *(_number(scores.get(k)) for k in ("precision", "recall", "f1")),
                 str(scores.get("support", ""))]
        lines.append(_row(cells + ([_number(weights.get(label))] if weights else [])))
    if weights:
        lines += ["", "Weight in training: how much a mistake on this label counted in the loss, so that rare "
                  "labels are not drowned out by common ones."]
    return "\n".join(lines)


def _card_metrics(results: dict) -> str:
    metrics, part = _scored(results)
    if not metrics:
        return ""
    validation = results.get("metrics") or {}
    if part == "test":
        rows = results.get("test_rows", metrics.get("test_rows", metrics.get("rows", "?")))
        where = (f"Measured on {rows} test rows, held out from training and from choosing the checkpoint "
                 f"({results.get('train_rows', '?')} training rows, {results.get('val_rows', '?')} validation rows).")
    else:
        rows = results.get("val_rows", metrics.get("rows", "?"))
        where = (f"Measured on {rows} validation rows held out from training ({results.get('train_rows', '?')} "
                 "training rows). The same rows chose the best checkpoint, so the score may be a little optimistic.")
    lines = ["## How well it does", "", where, "", f"- Accuracy: {_number(metrics.get('accuracy'))}",
             f"- Macro F1: {_number(metrics.get('macro_f1'))}"]
    if metrics.get("loss") is not None:
        lines.append(f"- Loss: {_number(metrics.get('loss'))}")
    if part == "test" and validation:
        lines += ["", f"On the validation rows, which chose the checkpoint: accuracy "
                  f"{_number(validation.get('accuracy'))}, macro F1 {_number(validation.get('macro_f1'))}."]
    return "\n".join(lines)


def _card_usage(results: dict | None = None) -> str:
    if (results or {}).get("method") in ("quick", "few-shot"):  # an encoder and a head: not for pipeline()
        from core.serve.embedding_card import embedding_usage

        return embedding_usage(results["method"])
    if (results or {}).get("text_pair_column"):  # a model of pairs reads both texts together
        return ("## How to use it\n\nThis model reads pairs of texts.\n\n```bash\npip install transformers torch\n"
                "python predict.py \"first text\" \"second text\"\n```\n\nor in Python, with the path of this folder:"
                "\n\n```python\nfrom transformers import pipeline\n\n"
                'classify = pipeline("text-classification", model="path/to/this/folder")\n'
                'print(classify({"text": "first text", "text_pair": "second text"}))\n```')
    return ("## How to use it\n\n```bash\npip install transformers torch\npython predict.py \"a text to classify\"\n"
            "```\n\nor in Python, with the path of this folder:\n\n```python\nfrom transformers import pipeline\n\n"
            'classify = pipeline("text-classification", model="path/to/this/folder")\n'
            'print(classify("a text to classify"))\n```')


def _card_settings(config: dict) -> str:
    lines = ["## Training settings", "", "| Setting | Value |", "|---|---|"]
    for key, value in config.items():
        if key in _UNSHARED or value in (None, ""):
            continue
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


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _read_config(run_dir: Path) -> dict:
    path = run_dir / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}
