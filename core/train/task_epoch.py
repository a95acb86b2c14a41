"""The epoch-end evaluation of a multi-label or regression run, through the saved model's code path as for single
labels (core.train.epoch_eval): answers kept by step, so the final report reuses the best epoch's."""

from __future__ import annotations

import math
import time
from typing import Any

from core.train.epoch_eval import EpochAnswers
from core.train.task_metrics import epoch_scores


class TaskEpochAnswers(EpochAnswers):
    """`label_ids` holds each row's multi-hot labels or its score; `scale` maps a regression model's answer back."""

    def __init__(self, texts, truth, max_length, pairs=None, task="multi-label", scale=None) -> None:
        super().__init__(texts, truth, max_length, pairs)
        self.task, self.scale = task, scale

    def evaluate(self, trainer: Any, prefix: str = "eval") -> dict[str, float]:
        begun = time.perf_counter()
        answers = self.answer_rows(trainer)
        if self.task == "regression":  # the model learns (score - mean) / std; its answers are shown as scores
            mean, std = self.scale
            answers = [[a[0] * std + mean] for a in answers]
        self.by_step[trainer.state.global_step] = answers
        seconds = time.perf_counter() - begun
        metrics = {f"{prefix}_loss": self._loss(answers),
                   **{f"{prefix}_{k}": v for k, v in epoch_scores(self.task, self.label_ids, answers).items()},
                   f"{prefix}_runtime": round(seconds, 4),
                   f"{prefix}_samples_per_second": round(len(answers) / max(seconds, 1e-9), 3)}
        trainer.log(metrics)
        trainer.control = trainer.callback_handler.on_evaluate(trainer.args, trainer.state, trainer.control, metrics)
        return metrics

    def _loss(self, answers: list[list[float]]) -> float:
        """Unweighted: mean binary cross-entropy per label, or the mean squared error of the normalised scores (the
        training loss's units, so the two curves compare)."""
        if self.task == "regression":
            std = self.scale[1]
            return sum(((a[0] - t) / std) ** 2 for a, t in zip(answers, self.label_ids, strict=True)) / len(answers)
        cells = [(p, t) for row, truth in zip(answers, self.label_ids, strict=True) for p, t in zip(row, truth)]
        return -sum(math.log(max(p if t else 1 - p, 1e-12)) for p, t in cells) / max(1, len(cells))
