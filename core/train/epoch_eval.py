"""The evaluation at each epoch's end, answered through core.train.inference: the saved model's own code path.

The answers at the best epoch are then the saved model's answers to the last digit (same weights, batches, order
and full precision), so the run's final report reuses them instead of answering the same rows a second time:
on a laptop CPU that second pass cost about as long as the epoch's evaluation itself (7 s for 872 rows).
"""

from __future__ import annotations

import math
import time
from typing import Any

from core.train.inference import probabilities
from core.train.metrics import headline_metrics


class EpochAnswers:
    """Evaluates the model being trained on the validation rows, and keeps each evaluation's answers by step."""

    def __init__(self, texts: list[str], label_ids: list[int], max_length: int, pairs: list[str] | None = None) -> None:
        self.texts, self.label_ids, self.max_length = list(texts), list(label_ids), max_length
        self.pairs = list(pairs) if pairs is not None else None
        self.by_step: dict[int, list[list[float]]] = {}

    def answer_rows(self, trainer: Any) -> list[list[float]]:
        """The model's answers to the validation rows, in eval mode and full precision, then put back as it was."""
        model = trainer.accelerator.unwrap_model(trainer.model)
        was_training = model.training
        model.eval()  # no dropout: the answers must be the saved model's
        wrapped = _without_autocast(model)
        try:
            return probabilities(model, trainer.processing_class, self.texts, self.max_length, str(model.device),
                                 pairs=self.pairs)
        finally:
            model.train(was_training)
            if wrapped is not None:
                model.forward = wrapped

    def evaluate(self, trainer: Any, prefix: str = "eval") -> dict[str, float]:
        """What the Trainer's own evaluate returns and tells its callbacks, computed our way."""
        import numpy as np

        begun = time.perf_counter()
        probs = self.answer_rows(trainer)
        self.by_step[trainer.state.global_step] = probs
        seconds = time.perf_counter() - begun
        predicted = np.argmax(np.asarray(probs), axis=-1)
        # unweighted, as the final report's loss, so the curves compare across runs whatever their class weights
        loss = -sum(math.log(max(p[t], 1e-12)) for p, t in zip(probs, self.label_ids, strict=True)) / len(probs)
        metrics = {f"{prefix}_loss": loss,
                   **{f"{prefix}_{k}": v for k, v in headline_metrics(np.asarray(self.label_ids), predicted).items()},
                   f"{prefix}_runtime": round(seconds, 4),
                   f"{prefix}_samples_per_second": round(len(probs) / max(seconds, 1e-9), 3)}
        trainer.log(metrics)
        trainer.control = trainer.callback_handler.on_evaluate(trainer.args, trainer.state, trainer.control, metrics)
        return metrics

    def at(self, checkpoint: str | None) -> list[list[float]] | None:
        """The answers given at this checkpoint's step ('.../checkpoint-57'); None if this process did not see it."""
        if not checkpoint:
            return None
        try:
            return self.by_step.get(int(str(checkpoint).rstrip("/").rsplit("-", 1)[1]))
        except ValueError:
            return None


def _without_autocast(model: Any):
    """Answer in full precision, as the saved model does; returns the mixed-precision forward to put back.

    With bf16 or fp16 on, accelerate wraps the model's forward in autocast and keeps the plain one as
    `_original_forward` (its own unwrap_model(keep_fp32_wrapper=False) restores it the same way, for good).
    """
    original = model.__dict__.get("_original_forward")
    if original is None:
        return None
    wrapped = model.__dict__.get("forward")
    model.forward = original
    return wrapped
