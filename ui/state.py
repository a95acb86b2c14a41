"""The user's current choices (model, dataset, columns, settings, run), kept in the workspace.

Saved as one JSON file, written atomically, so a refresh, a second tab or a restarted server
finds everything as it was. A fresh workspace starts with the built-in model and the sample movie
reviews already chosen: a newcomer can go straight to Train and press Start.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from core.config import PRESETS, TrainConfig
from core.datasets import DEFAULT_SAMPLE

log = logging.getLogger(__name__)

STATE_FILE = "ui_state.json"
# chosen on the Model and Data pages, not among the Train page's settings
CHOSEN_ELSEWHERE = ("data", "val_data", "text_column", "label_column", "model", "preset", "name", "val_fraction")


@dataclass
class Choices:
    model: str = "default"
    dataset: str = str(DEFAULT_SAMPLE)
    text_column: str | None = "text"      # None: detect
    label_column: str | None = "label"    # None: detect, "": the data has no labels
    val_data: str | None = None           # a separate validation file, else val_fraction is held out
    val_fraction: float = 0.2
    preset: str = "balanced"
    overrides: dict[str, Any] = field(default_factory=dict)  # settings changed from the preset's values
    run_name: str = ""
    run_id: str | None = None             # the run the Train and Try pages last showed
    language: str | None = None
    tried: bool = False                   # the user has asked a finished model something

    def settings(self) -> dict[str, Any]:
        """The training settings in effect: TrainConfig's defaults, then the preset, then the user's changes."""
        preset = self.preset if self.preset in PRESETS else "balanced"
        config = TrainConfig.from_preset(preset, **self.overrides)
        return {k: v for k, v in config.to_dict().items() if k not in CHOSEN_ELSEWHERE}

    def train_config(self) -> TrainConfig:
        """The TrainConfig a Start press submits."""
        preset = self.preset if self.preset in PRESETS else "balanced"
        return TrainConfig.from_preset(
            preset, **self.overrides, data=self.dataset, val_data=self.val_data or None,
            text_column=self.text_column or None, label_column=self.label_column,
            model=self.model, name=self.run_name.strip(), val_fraction=self.val_fraction)


def state_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_FILE


def load_choices(workspace: Path) -> Choices:
    """The saved choices, or the first-start defaults; a damaged file is set aside, never fatal."""
    path = state_path(workspace)
    if not path.exists():
        return Choices()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(Choices)}
        choices = Choices(**{k: v for k, v in saved.items() if k in known})
    except (OSError, ValueError, TypeError) as exc:
        log.warning("Could not read %s (%s); starting from the defaults", path, exc)
        return Choices()
    if not isinstance(choices.overrides, dict):
        choices.overrides = {}
    return choices


def save_choices(workspace: Path, choices: Choices) -> None:
    """Write atomically: a temp file renamed over the old one, so a reader never sees half a file."""
    path = state_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")  # one per writer: two tabs may save at once
    tmp.write_text(json.dumps(asdict(choices), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def update_choices(workspace: Path, **changes: Any) -> Choices:
    """Change some choices and save them; returns the new choices."""
    choices = load_choices(workspace)
    for key, value in changes.items():
        if not hasattr(choices, key):
            raise AttributeError(key)
        setattr(choices, key, value)
    save_choices(workspace, choices)
    return choices
