"""Big data: a stratified sample to try first, a validation part of a bounded size, evaluation every N steps, and a
run that ends cleanly with its best model after N steps or M minutes.

With 300,000 rows a 20% validation share is 60,000 rows scored at every epoch end (minutes each on a CPU); 5,000
rows measure macro-F1 to within about a point, so the share is capped there unless the user raises the cap.
"""

from __future__ import annotations

import logging
import math
import time

from core.data.texts import LabelledTexts

log = logging.getLogger(__name__)

VAL_MAX_ROWS = 5_000  # the validation part's default size limit (TrainConfig.val_max_rows)
SAMPLE_ROWS = 5_000  # the Train page's "try it on a sample first"
SAMPLE_OFFER_SECONDS = 20 * 60  # ...offered when the whole run is estimated over this


def capped_val_share(share: float, rows: int, max_rows: int) -> float:
    """The validation share, lowered so that it holds at most `max_rows` rows (0: no limit)."""
    if not share or not max_rows or rows <= 0 or math.ceil(share * rows) <= max_rows:
        return share
    capped = max_rows / rows
    log.info("Validation share lowered from %.1f%% to %.2f%% (%d of %d rows)", share * 100, capped * 100, max_rows,
             rows)
    return capped


def val_rows_for(share: float, rows: int, max_rows: int) -> int:
    """How many rows the validation part gets (what the Data page says before training)."""
    return math.ceil(capped_val_share(share, rows, max_rows) * rows) if share else 0


def stratified_sample(data: LabelledTexts, rows: int, seed: int) -> LabelledTexts:
    """`rows` rows drawn with every label in its share (each label keeps at least one row), in file order."""
    if not rows or len(data) <= rows:
        return data
    from sklearn.model_selection import train_test_split  # heavy; only when sampling

    strata = ["\x00" if lab is None else lab for lab in data.labels]
    try:
        picked, _ = train_test_split(list(range(len(data))), train_size=rows, random_state=seed, stratify=strata)
    except ValueError:  # a label of one row cannot be split: sample plainly instead
        import random

        picked = random.Random(seed).sample(range(len(data)), rows)
    log.info("Training on a stratified sample of %d of %d rows", rows, len(data))
    return data.subset(sorted(picked))


def with_schedule(args, config):
    """Training arguments changed for evaluation every N steps and a step limit, as the config asks.

    Checkpoints are saved at the same steps as evaluations, so the best one can be loaded at the end.
    """
    from transformers.trainer_utils import IntervalStrategy, SaveStrategy

    if config.eval_every:
        args.eval_strategy, args.eval_steps = IntervalStrategy.STEPS, config.eval_every
        args.save_strategy, args.save_steps = SaveStrategy.STEPS, config.eval_every
    if config.max_steps:
        args.max_steps = config.max_steps
    return args


def time_budget_callback(minutes: float):
    """A callback that ends the run cleanly after `minutes`: one last evaluation and checkpoint, then the best
    model is kept as at any other end (not as after Stop, which keeps no model)."""
    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        def __init__(self) -> None:
            self.started: float | None = None
            self.spent = False

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.monotonic()

        def on_step_end(self, args, state, control, **kwargs):
            if self.spent or self.started is None or time.monotonic() - self.started < minutes * 60:
                return control
            log.info("The time budget of %g minutes is spent at step %d: ending with the best model", minutes,
                     state.global_step)
            self.spent = True
            control.should_training_stop = control.should_evaluate = control.should_save = True
            return control

    return TimeBudget()


def ended_by(config, global_step: int, max_steps_reached: bool, budget) -> str | None:
    """Why a run ended before its epochs were done: "time budget", "max steps", or None."""
    if budget is not None and budget.spent:
        return "time budget"
    if config.max_steps and max_steps_reached:
        return "max steps"
    return None
