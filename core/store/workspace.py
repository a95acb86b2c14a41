"""Where everything the user makes lives: datasets, labels, runs and the database indexing them."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "STUDIO_WORKSPACE"


def workspace_path(explicit: str | Path | None = None) -> Path:
    """The workspace folder: the explicit one, else $STUDIO_WORKSPACE, else ./workspace. Created if missing."""
    chosen = Path(explicit or os.environ.get(ENV_VAR) or "workspace").expanduser().resolve()
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def runs_dir(workspace: Path) -> Path:
    return workspace / "runs"


def datasets_dir(workspace: Path) -> Path:
    return workspace / "datasets"


def models_dir(workspace: Path) -> Path:
    """Local models the user adds by copying a Hugging Face folder here."""
    return workspace / "models"
