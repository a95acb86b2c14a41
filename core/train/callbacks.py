"""Trainer callbacks: write every logged step and evaluation to the run store, honour Stop at once,
save extra checkpoints every N steps, and time the training steps alone (for samples/s)."""

from __future__ import annotations

import logging
import math
import time

from transformers import TrainerCallback

from core.store.runs import RunStore
from core.train.distributed import agreed

log = logging.getLogger(__name__)

_TRAIN_KEYS = {"loss": "loss", "learning_rate": "learning_rate", "grad_norm": "grad_norm"}
_EVAL_KEYS = {"eval_loss": "loss", "eval_accuracy": "accuracy", "eval_macro_f1": "macro_f1",
              # multi-label and regression runs (core.train.task_epoch)
              "eval_micro_f1": "micro_f1", "eval_subset_accuracy": "subset_accuracy", "eval_mae": "mae",
              "eval_rmse": "rmse", "eval_spearman": "spearman", "eval_pearson": "pearson"}
_POLL_SECONDS = 0.5  # how often the store is asked whether Stop was pressed


class StepTimer(TrainerCallback):
    """Seconds spent inside training steps (forward, backward, optimizer) and samples they saw.

    Data loading, evaluation and checkpointing fall outside, so samples/s compares engines fairly.
    """

    def __init__(self, train_rows: int, batch_size: int) -> None:
        self.train_rows, self.batch_size = train_rows, batch_size
        self.steps_per_epoch = max(1, math.ceil(train_rows / batch_size))
        self.seconds = 0.0
        self.samples = 0
        self._started: float | None = None

    def on_step_begin(self, args, state, control, **kwargs):
        self._started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self._started is not None:
            self._sync()
            self.seconds += time.perf_counter() - self._started
            self.samples += self._samples_in_step(state.global_step)
            self._started = None

    def _samples_in_step(self, global_step: int) -> int:
        # the last step of an epoch gets the remainder of the rows
        if global_step % self.steps_per_epoch == 0:
            return self.train_rows - (self.steps_per_epoch - 1) * self.batch_size
        return self.batch_size

    @staticmethod
    def _sync() -> None:
        import torch

        if torch.cuda.is_available():  # GPU work is asynchronous: wait for it before reading the clock
            torch.cuda.synchronize()

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds if self.seconds else 0.0


class StoreCallback(TrainerCallback):
    """Writes progress to the run store and turns a Stop request into a checkpoint and an end."""

    def __init__(self, store: RunStore, run_id: str, timer: StepTimer, checkpoint_steps: int = 0) -> None:
        self.store, self.run_id, self.timer = store, run_id, timer
        self.checkpoint_steps = checkpoint_steps
        self.stopped = False
        self._last_poll = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        self.store.update(self.run_id, max_steps=state.max_steps, global_step=state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if self.checkpoint_steps and state.global_step % self.checkpoint_steps == 0:
            control.should_save = True
        # several processes: rank 0's reading of Stop decides for all of them, at this very step
        if agreed(self._stop_asked(state)) and state.global_step < state.max_steps:
            self.stopped = True
            control.should_save = True  # the checkpoint Resume starts from: the only one this step gets
            control.should_evaluate = False
            control.should_training_stop = True

    def _stop_asked(self, state) -> bool:
        """Whether Stop was pressed, asked of the store twice a second (and at the last step), with the progress."""
        now = time.monotonic()
        if now - self._last_poll < _POLL_SECONDS and state.global_step < state.max_steps:
            return False
        self._last_poll = now
        self.store.update(self.run_id, global_step=state.global_step, epoch=state.epoch, heartbeat=time.time())
        run = self.store.get(self.run_id)
        return bool(run is not None and run.stop_requested)

    def on_epoch_end(self, args, state, control, **kwargs):
        # The Trainer ends an epoch cut short by Stop as if it were whole: it would evaluate the part epoch
        # (which could then become the best model) and save the stop step a second time. Stop means now.
        if self.stopped:
            control.should_evaluate = False
            control.should_save = False

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" not in logs:
            return
        values = {name: logs[key] for key, name in _TRAIN_KEYS.items() if key in logs}
        values["samples_per_second"] = round(self.timer.samples_per_second, 2)
        log.info("step %d/%d · epoch %.2f · loss %.4f", state.global_step, state.max_steps, state.epoch or 0,
                 values["loss"])
        self.store.add_metrics(self.run_id, "train", state.global_step, state.epoch, values)

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        values = {name: (metrics or {})[key] for key, name in _EVAL_KEYS.items() if key in (metrics or {})}
        if values:
            log.info("evaluation at step %d: %s", state.global_step,
                     ", ".join(f"{k} {v:.4f}" for k, v in values.items()))
            self.store.add_metrics(self.run_id, "eval", state.global_step, state.epoch, values)
