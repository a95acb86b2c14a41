"""Handing a run on: the model as a zip anyone can load, run names, and settings side by side.

The zip holds one folder: the run's `model/` files (config.json with the user's label names,
safetensors weights, tokenizer), a README.md model card and a `predict.py` that runs it with
`transformers.pipeline`. Extracted anywhere, that folder is a standard Hugging Face model folder.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import zipfile
from pathlib import Path
from typing import IO, Any

from core.errors import RunError
from core.rundir import model_dir, read_results, write_json
from core.store import RunStore

log = logging.getLogger(__name__)

# weights hardly shrink when compressed, and deflating gigabytes takes minutes
_STORED_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx")
_BUILTIN_MODEL = "MiniLM-L6 (built in; sentence-transformers/all-MiniLM-L6-v2)"

# the ready-to-run script shipped in the zip; a str.format template (its literal braces are doubled)
PREDICT_TEMPLATE = Path(__file__).parent / "templates" / "predict.py.tmpl"


# ------------------------------------------------------------------------------------------ the zip

def model_zip(run_dir: str | Path, path: str | Path | None = None) -> Path:
    """Write the hand-off zip (to `path`, else beside the run folder's model) and return where it is."""
    run_dir = Path(run_dir)
    path = Path(path) if path else run_dir / f"{bundle_name(run_dir)}.zip"
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        write_model_zip(run_dir, out)
    tmp.replace(path)  # a half-written zip is never there to download
    log.info("Wrote the model zip of %s to %s", run_dir.name, path)
    return path


def model_zip_bytes(run_dir: str | Path) -> bytes:
    """The zip in memory, for a download button."""
    buffer = io.BytesIO()
    write_model_zip(run_dir, buffer)
    return buffer.getvalue()


def write_model_zip(run_dir: str | Path, target: IO[bytes]) -> None:
    """Write the zip into an open binary file or buffer: one folder with the model, README.md and predict.py."""
    run_dir = Path(run_dir)
    folder = model_dir(run_dir)
    if not (folder / "config.json").exists():
        raise RunError(f"Run '{run_dir.name}' has no finished model to hand on.",
                       "Only a completed run has one: resume this run, or start a new one.")
    top = bundle_name(run_dir)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            stored = file.suffix in _STORED_SUFFIXES
            archive.write(file, f"{top}/{file.relative_to(folder).as_posix()}",
                          compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        archive.writestr(f"{top}/README.md", model_card(run_dir))
        archive.writestr(f"{top}/predict.py", predict_script(run_dir))


def bundle_name(run_dir: str | Path) -> str:
    """The folder name inside the zip: the run's name made safe for any file system."""
    config = _read_config(Path(run_dir))
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*·\s]+', "-", str(config.get("name") or "")).strip("-. ")
    return (name[:80] or Path(run_dir).name) + "-model"


def predict_script(run_dir: str | Path) -> str:
    return PREDICT_TEMPLATE.read_text(encoding="utf-8").format(example=_example_text(Path(run_dir)))


def _example_text(run_dir: Path) -> str:
    """A validation text, so the first run of predict.py answers something the model knows."""
    path = run_dir / "val_predictions.csv"
    if path.exists():
        import pandas as pd

        texts = pd.read_csv(path, usecols=["text"], nrows=1, dtype=str)["text"].tolist()
        if texts and isinstance(texts[0], str):
            return texts[0][:200]
    return "Type the text to classify here."


# -------------------------------------------------------------------------------------- model card

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
    base = _BUILTIN_MODEL if model == "default" else _model_shown(str(model))
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
        lines.append(f"| {_cell(_setting_label(key))} | {_cell(_shown(value))} |")
    return "\n".join(lines)


def _model_shown(model: str) -> str:
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


# ---------------------------------------------------------------------------------------- run names

def rename_run(store: RunStore, run_id: str, name: str) -> None:
    """Give a run a new name in the run store and in its folder's config.json, together."""
    name = (name or "").strip()
    if not name:
        raise RunError("A run needs a name.", "Type a name to find this run by later.")
    run = store.get(run_id)
    if run is None:
        raise RunError(f"There is no run called '{run_id}'.", "Pick a run from the list.")
    config_path = Path(run.run_dir) / "config.json"
    with store.transaction() as db:
        store.update(run_id, db=db, name=name, config={**run.config, "name": name})
        # written inside the transaction: if the file cannot be written, the store keeps the old name too
        if config_path.exists():
            write_json(config_path, {**json.loads(config_path.read_text()), "name": name})
    log.info("Renamed run %s to '%s'", run_id, name)


# -------------------------------------------------------------------------------- settings compared

def compare_configs(configs: list[dict], names: list[str] | None = None):
    """A table of settings: one row per setting, one column per run, and `differs` where they do not agree.

    Rows are labelled as the settings form labels them ("Learning rate"); values are shown as text.
    """
    import pandas as pd

    columns = _unique([(names[i] if names else None) or c.get("name") or f"Run {i + 1}"
                       for i, c in enumerate(configs)])
    keys = _setting_order(configs)
    missing = object()
    table = {col: [_shown(c.get(key, missing), missing) for key in keys] for col, c in zip(columns, configs)}
    differs = [len({json.dumps(c.get(key), sort_keys=True, default=str) for c in configs}) > 1
               or any(key not in c for c in configs) for key in keys]
    frame = pd.DataFrame(table, index=pd.Index([_setting_label(k) for k in keys], name="Setting"))
    frame["differs"] = differs
    return frame


def _setting_order(configs: list[dict]) -> list[str]:
    """TrainConfig's field order (the order of the settings form), then any keys it does not know."""
    from dataclasses import fields

    from core.config import TrainConfig

    present = {key for c in configs for key in c}
    known = [f.name for f in fields(TrainConfig)]
    return [k for k in known if k in present] + sorted(present - set(known))


def _setting_label(key: str) -> str:
    from dataclasses import fields

    from core.config import TrainConfig

    labels = {f.name: f.metadata.get("label", f.name) for f in fields(TrainConfig)}
    return labels.get(key, key.replace("_", " ").capitalize())


def _shown(value: Any, missing: object = None) -> str:
    """A setting as text: one column type, so the table draws the same everywhere."""
    if value is missing and missing is not None:
        return "—"
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _unique(names: list[str]) -> list[str]:
    """Column names must differ: a second 'toy sentiment' becomes 'toy sentiment (2)'."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _read_config(run_dir: Path) -> dict:
    path = run_dir / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}
