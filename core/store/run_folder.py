"""The layout of a run folder, which describes itself:

    config.json           the TrainConfig that made it
    results.json          final metrics, samples/s, time per phase, device, peak memory
    log.txt               the worker's log (tracebacks go here, never to a page)
    checkpoints/checkpoint-N/   Trainer checkpoints (model, optimizer, scheduler, step)
    model/                the finished classifier: save_pretrained + tokenizer, user's label names
    val_predictions.csv   each validation row with its prediction and probabilities
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def checkpoint_steps(run_dir: str | Path) -> list[int]:
    """Steps of the complete checkpoints kept in a run folder, oldest first."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir()
                  if (m := _CHECKPOINT.match(p.name)) and (p / "trainer_state.json").exists())


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    steps = checkpoint_steps(run_dir)
    return Path(run_dir) / "checkpoints" / f"checkpoint-{steps[-1]}" if steps else None


def model_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / "model"


def log_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / "log.txt"


def read_results(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def write_json(path: Path, payload: dict) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file.

    The temp name is the writer's own (process and thread): two writers of one file at once (the ranks of a run,
    two runs finishing together) each rename a whole file, and the last one wins, instead of one finding its temp
    file already renamed away by the other.
    """
    import os
    import threading

    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    tmp.replace(path)
