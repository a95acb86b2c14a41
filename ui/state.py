"""The user's current choices, kept in the workspace: the run Start would submit, and what is purely UI.

The run's settings are one `TrainConfig` (model, data, columns, preset and every setting), the same
description the command line builds; beside it only the page state: the run last shown, the language,
whether a model was tried. Saved as one JSON file, written atomically, so a refresh, a second tab or a
restarted server finds everything as it was. A fresh workspace starts with the built-in model and the
sample movie reviews already chosen: a newcomer can go straight to Train and press Start.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core.data.saved import DEFAULT_SAMPLE
from core.train.config import TrainConfig
from core.train.presets import PRESETS

log = logging.getLogger(__name__)

STATE_FILE = "ui_state.json"


def first_start_config() -> TrainConfig:
    """The built-in model on the sample movie reviews with the balanced preset."""
    return TrainConfig.from_preset("balanced", data=str(DEFAULT_SAMPLE), text_column="text", label_column="label")


@dataclass
class Choices:
    config: TrainConfig = field(default_factory=first_start_config)  # label_column "": the data has no labels
    run_id: str | None = None             # the run the Train and Try pages last showed
    language: str | None = None
    tried: bool = False                   # the user has asked a finished model something

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "config": self.config.to_dict()}


def state_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_FILE


def load_choices(workspace: Path) -> Choices:
    """The saved choices, or the first-start defaults; a damaged file is set aside, never fatal."""
    path = state_path(workspace)
    if not path.exists():
        return Choices()
    try:
        return choices_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        log.warning("Could not read %s (%s); starting from the defaults", path, exc)
        return Choices()


def choices_from_dict(saved: dict[str, Any]) -> Choices:
    config = saved.get("config")
    config = TrainConfig.from_dict(config) if isinstance(config, dict) else _config_of_older_file(saved)
    if config.preset not in PRESETS:
        config.preset = "balanced"
    ui = {f.name: saved[f.name] for f in fields(Choices) if f.name != "config" and f.name in saved}
    return Choices(config=config, **ui)


def _config_of_older_file(saved: dict[str, Any]) -> TrainConfig:
    """Files written before the choices held a TrainConfig: their own names for the same settings."""
    if "dataset" not in saved:
        return first_start_config()
    overrides = saved.get("overrides") if isinstance(saved.get("overrides"), dict) else {}
    preset = saved.get("preset") if saved.get("preset") in PRESETS else "balanced"
    return TrainConfig.from_preset(
        preset, **overrides, data=saved["dataset"], val_data=saved.get("val_data") or None,
        text_column=saved.get("text_column"), label_column=saved.get("label_column"),
        model=saved.get("model") or "default", name=saved.get("run_name") or "",
        val_fraction=saved.get("val_fraction"))


def save_choices(workspace: Path, choices: Choices) -> None:
    """Write atomically: a temp file renamed over the old one, so a reader never sees half a file."""
    path = state_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")  # one per writer: two tabs may save at once
    tmp.write_text(json.dumps(choices.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def update_choices(workspace: Path, **changes: Any) -> Choices:
    """Change some choices and save them; a TrainConfig field's name changes the run's settings."""
    choices = load_choices(workspace)
    settings = {f.name for f in fields(TrainConfig)}
    for key, value in changes.items():
        if key in settings:
            setattr(choices.config, key, value)
        elif hasattr(choices, key):
            setattr(choices, key, value)
        else:
            raise AttributeError(key)
    save_choices(workspace, choices)
    return choices
