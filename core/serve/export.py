"""Handing a run on: the model as a zip anyone can load.

The zip holds one folder: the run's `model/` files (config.json with the user's label names,
safetensors weights, tokenizer), a README.md model card and a `predict.py` that runs it with
`transformers.pipeline`. Extracted anywhere, that folder is a standard Hugging Face model folder.
It carries none of the user's texts and, unless asked (`name_files`), none of their file names.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from pathlib import Path
from typing import IO

from core.errors import RunError
from core.serve.model_card import model_card
from core.store.run_folder import model_dir, read_results

log = logging.getLogger(__name__)

# weights hardly shrink when compressed, and deflating gigabytes takes minutes
_STORED_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx")

# the ready-to-run script shipped in the zip; a str.format template (its literal braces are doubled)
# its example is no text of the user's: a validation row in a file that travels could be private
PREDICT_TEMPLATE = Path(__file__).parent / "templates" / "predict.py.tmpl"
PAIRS_TEMPLATE = PREDICT_TEMPLATE.with_name("predict_pairs.py.tmpl")  # for a model of pairs: two texts per answer
EXAMPLE = "Type the text to classify here."


# ------------------------------------------------------------------------------------------ the zip
def model_zip(run_dir: str | Path, path: str | Path | None = None, *, name_files: bool = False) -> Path:
    """Write the hand-off zip (to `path`, else beside the run folder's model) and return where it is."""
    run_dir = Path(run_dir)
    path = Path(path) if path else run_dir / f"{bundle_name(run_dir)}.zip"
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        write_model_zip(run_dir, out, name_files=name_files)
    tmp.replace(path)  # a half-written zip is never there to download
    log.info("Wrote the model zip of %s to %s", run_dir.name, path)
    return path


def model_zip_bytes(run_dir: str | Path, *, name_files: bool = False) -> bytes:
    """The zip in memory, for a download button."""
    buffer = io.BytesIO()
    write_model_zip(run_dir, buffer, name_files=name_files)
    return buffer.getvalue()


def write_model_zip(run_dir: str | Path, target: IO[bytes], *, name_files: bool = False) -> None:
    """Write the zip into an open binary file or buffer: one folder with the model, README.md and predict.py.

    name_files: the model card also names the data files the model was trained on.
    """
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
        archive.writestr(f"{top}/README.md", model_card(run_dir, name_files=name_files))
        archive.writestr(f"{top}/predict.py", predict_script(run_dir))


def bundle_name(run_dir: str | Path) -> str:
    """The folder name inside the zip: the run's name made safe for any file system."""
    config = _read_config(Path(run_dir))
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*·\s]+', "-", str(config.get("name") or "")).strip("-. ")
    return (name[:80] or Path(run_dir).name) + "-model"


def predict_script(run_dir: str | Path) -> str:
    """predict.py for the zip: with no text given, it classifies a neutral sentence and lists the labels."""
    labels = json.loads((model_dir(Path(run_dir)) / "config.json").read_text()).get("id2label") or {}
    names = [labels[k] for k in sorted(labels, key=int)]
    template = PAIRS_TEMPLATE if read_results(Path(run_dir)).get("text_pair_column") else PREDICT_TEMPLATE
    if read_results(Path(run_dir)).get("method") in ("quick", "few-shot"):  # encoder + head: sentence-transformers
        template = PREDICT_TEMPLATE.with_name("predict_embeddings.py.tmpl")
    if read_results(Path(run_dir)).get("task") in ("multi-label", "regression"):  # a sigmoid per label, or none
        from core.serve.task_card import task_predict_script

        return task_predict_script(read_results(Path(run_dir)), names)
    return template.read_text(encoding="utf-8").format(example=EXAMPLE, labels=names)


def _read_config(run_dir: Path) -> dict:
    path = run_dir / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}
