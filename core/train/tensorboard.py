"""Curves the field's own tools read: TensorBoard event files in every run folder, MLflow when asked for.

transformers' own callbacks do the writing (loss, learning rate, grad norm and every evaluation, as
train/* and eval/* scalars), so `tensorboard --logdir workspace/runs` shows every run side by side.
MLflow joins only when the user sets MLFLOW_TRACKING_URI and has mlflow installed.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

EVENTS_FOLDER = "tensorboard"  # inside the run folder


def events_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / EVENTS_FOLDER


def field_tool_callbacks(run_dir: str | Path) -> list:
    """The TensorBoard writer for this run (when tensorboard is installed) and MLflow's (when asked for)."""
    from transformers.integrations import TensorBoardCallback

    callbacks = []
    try:
        board = TensorBoardCallback()
        board.logging_dir = str(events_dir(run_dir))  # the run's own folder, not the Trainer's output dir
        callbacks.append(board)
    except RuntimeError:  # tensorboard missing: training goes on, the curves stay in the run store
        log.warning("tensorboard is not installed; this run writes no TensorBoard event files.")
    if os.environ.get("MLFLOW_TRACKING_URI"):
        if importlib.util.find_spec("mlflow") is None:
            log.warning("MLFLOW_TRACKING_URI is set but mlflow is not installed (pip install mlflow); skipping MLflow.")
        else:
            from transformers.integrations import MLflowCallback

            callbacks.append(MLflowCallback())
    return callbacks
