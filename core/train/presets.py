"""Presets: named sets of TrainConfig values, so a newcomer picks "quick" instead of six numbers."""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # Batches of 16 give small datasets enough steps to learn (300 rows: 15 steps an epoch);
    # measured on the sample movie reviews, batch 32 x 3 epochs reached 65%, batch 16 x 4 epochs 85%.
    # quick: a first look in under a minute on a laptop CPU
    "quick": {"epochs": 3, "batch_size": 16, "learning_rate": 1e-4, "max_length": 64},
    # balanced: the default; a good model on a few thousand rows in a few minutes
    "balanced": {"epochs": 4, "batch_size": 16, "learning_rate": 8e-5, "max_length": 128},
    # best: more epochs and longer texts; early stopping keeps the best epoch and ends when it stops improving
    "best": {"epochs": 8, "batch_size": 16, "learning_rate": 5e-5, "max_length": 256,
             "early_stopping_patience": 2},
}
