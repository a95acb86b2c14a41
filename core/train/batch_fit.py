"""A batch that does not fit: an out-of-memory error before the first step retries with half the batch and twice
the gradient accumulation (the effective batch, and so the training, unchanged), and the size that fitted is
remembered for this model, device and max length (workspace/batch_sizes.json), so the next run starts there.

Only a run in one process retries: with several, one rank's error has already broken the group's collectives.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from core.store.run_folder import write_json
from core.train.config import TrainConfig
from core.train.distributed import world_size

log = logging.getLogger(__name__)

FILE = "batch_sizes.json"


def _key(config: TrainConfig, device_name: str) -> str:
    return f"{config.model}|{device_name}|{config.max_length}"


def remembered(workspace: Path, config: TrainConfig, device_name: str) -> int | None:
    try:
        return json.loads((Path(workspace) / FILE).read_text()).get(_key(config, device_name))
    except (OSError, ValueError):
        return None


def remember(workspace: Path, config: TrainConfig, device_name: str, size: int) -> None:
    path = Path(workspace) / FILE
    try:
        sizes = json.loads(path.read_text())
    except (OSError, ValueError):
        sizes = {}
    sizes[_key(config, device_name)] = size
    write_json(path, sizes)


def halved(config: TrainConfig) -> TrainConfig:
    return dataclasses.replace(config, batch_size=max(1, config.batch_size // 2),
                               gradient_accumulation=max(1, config.gradient_accumulation) * 2)


def start_config(workspace: Path, config: TrainConfig, device_name: str) -> TrainConfig:
    """The run's settings with the batch that fitted last time, when the asked one did not."""
    fit = remembered(workspace, config, device_name)
    while fit and config.batch_size > fit and config.batch_size > 1 and world_size() == 1:
        config = halved(config)
    return config


def is_out_of_memory(error: BaseException) -> bool:
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


def note(asked: TrainConfig, used: TrainConfig) -> dict[str, Any] | None:
    """What results.json and the page say when the batch was made smaller; None when it was not."""
    if used.batch_size == asked.batch_size:
        return None
    return {"asked": asked.batch_size, "used": used.batch_size, "gradient_accumulation": used.gradient_accumulation}


def train_fitting(make_trainer, config: TrainConfig, resume_from, workspace: Path, device_name: str,
                  on_smaller=None):
    """Build and train; an out-of-memory error before any step halves the batch and tries again.

    Returns the trainer that trained and the settings it trained with.
    """
    shrunk = False
    while True:
        trainer = make_trainer(config)
        try:
            trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        except Exception as error:
            if (not is_out_of_memory(error) or trainer.state.global_step > 0 or config.batch_size == 1
                    or world_size() > 1):
                raise
            smaller = halved(config)
            log.warning("Out of memory with a batch of %d on %s: trying again with %d and gradient accumulation %d "
                        "(%d texts per step, as asked)", config.batch_size, device_name, smaller.batch_size,
                        smaller.gradient_accumulation, smaller.batch_size * smaller.gradient_accumulation)
            _free(trainer)
            config, shrunk = smaller, True
            if on_smaller is not None:
                on_smaller(config)
            continue
        # only a size that fitted where a bigger one ran out is worth remembering: a run that simply chose a
        # small batch must not make every later run of this model halve its batch
        if shrunk and remembered(workspace, config, device_name) != config.batch_size:
            remember(workspace, config, device_name, config.batch_size)
        return trainer, config


def _free(trainer) -> None:
    """Give back what the failed attempt held (optimizer state, activations) before the smaller one starts."""
    import gc

    import torch

    trainer.optimizer = trainer.lr_scheduler = None
    del trainer
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
