"""What a trial may try: ranges sensible for a small encoder on a CPU or one GPU."""

from __future__ import annotations

import dataclasses
from typing import Any

from core.train.config import TrainConfig

BATCH_SIZES = (8, 16, 32)
MAX_LENGTHS = (64, 128, 256)


def suggest(trial, base: TrainConfig) -> dict[str, Any]:
    """The settings Optuna picks for this trial; max length never beyond what the base run allows."""
    lengths = [n for n in MAX_LENGTHS if n <= max(base.max_length, MAX_LENGTHS[0])]
    lora = trial.suggest_categorical("lora", [False, True])
    # adapters learn from a fresh start and need bigger steps than the whole model
    low, high = (1e-4, 1e-3) if lora else (1e-5, 2e-4)
    return {
        "lora": lora,
        "learning_rate": trial.suggest_float("learning_rate_lora" if lora else "learning_rate", low, high, log=True),
        "epochs": float(trial.suggest_int("epochs", 1, 6)),
        "batch_size": trial.suggest_categorical("batch_size", list(BATCH_SIZES)),
        "warmup_ratio": trial.suggest_float("warmup_ratio", 0.0, 0.2),
        "weight_decay": trial.suggest_float("weight_decay", 0.0, 0.1),
        "max_length": trial.suggest_categorical("max_length", lengths),
    }


def starting_params(base: TrainConfig) -> dict[str, Any]:
    """The run the user would start anyway (the preset's or their own settings), as Optuna's parameters, put
    inside the ranges: the study's first trial, so its best is never worse on the validation rows than that run."""
    lengths = [n for n in MAX_LENGTHS if n <= max(base.max_length, MAX_LENGTHS[0])]
    low, high = (1e-4, 1e-3) if base.lora else (1e-5, 2e-4)
    return {"lora": bool(base.lora),
            "learning_rate_lora" if base.lora else "learning_rate": min(max(base.learning_rate, low), high),
            "epochs": min(max(round(base.epochs), 1), 6),
            "batch_size": min(BATCH_SIZES, key=lambda b: abs(b - base.batch_size)),
            "warmup_ratio": min(max(base.warmup_ratio, 0.0), 0.2),
            "weight_decay": min(max(base.weight_decay, 0.0), 0.1),
            "max_length": min(lengths, key=lambda n: abs(n - base.max_length))}


def settings_from_params(params: dict[str, Any]) -> dict[str, Any]:
    """Optuna's parameter names back to TrainConfig's (the two learning-rate ranges are one setting)."""
    values = dict(params)
    if "learning_rate_lora" in values:
        values["learning_rate"] = values.pop("learning_rate_lora")
    if "epochs" in values:
        values["epochs"] = float(values["epochs"])
    return values


def trial_config(base: TrainConfig, settings: dict[str, Any], name: str) -> TrainConfig:
    return dataclasses.replace(base, name=name, early_stopping_patience=0, **settings)
