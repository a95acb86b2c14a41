"""The few-shot method: SetFit. Pairs of labelled texts (same label or not) fine-tune the sentence encoder
contrastively, then a logistic regression learns the labels on its embeddings. For roughly 4-64 labelled
rows per label, where a full fine-tune has too little to learn from.

Live loss goes to the run store like any run's; Stop ends the encoder's training at the next step (the run
ends as stopped). Resume starts it again from the beginning, and says so with the time it takes: SetFit's
trainer keeps no checkpoint, and its pairs are drawn afresh, so a run of a minute or two is cheaper redone.
How many pairs each text makes is method_estimate.pairs_per_text (SetFit's 20 at 8 texts per label, fewer
for more texts, so the contrastive part stays near 40 steps on a CPU).
The model folder is the quick method's (core.train.methods.saved), its encoder SetFit's own save.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from core.store.runs import RunRecord, RunStore

log = logging.getLogger(__name__)
_POLL_SECONDS = 0.5


class FewShotCallback(TrainerCallback):
    """SetFit's steps to the run store (loss, step), and a Stop request turned into the end of training."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store, self.run_id, self.stopped, self._last_poll = store, run_id, False, 0.0
        self.began = self.ended = 0.0  # the contrastive steps' own time, for the next run's estimate

    def on_train_begin(self, args, state, control, **kwargs):
        self.began = time.perf_counter()
        self.store.update(self.run_id, max_steps=state.max_steps + 1, global_step=0)  # +1: the head's fit

    def on_train_end(self, args, state, control, **kwargs):
        self.ended = time.perf_counter()

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended - self.began)

    def on_step_end(self, args, state, control, **kwargs):
        now = time.monotonic()
        if now - self._last_poll < _POLL_SECONDS:
            return
        self._last_poll = now
        self.store.update(self.run_id, global_step=state.global_step, epoch=state.epoch, heartbeat=time.time())
        run = self.store.get(self.run_id)
        if run is not None and run.stop_requested and state.global_step < state.max_steps:
            self.stopped = True
            control.should_training_stop = True

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("embedding_loss")
        if loss is None:
            return
        values = {"loss": float(loss)}
        if (logs or {}).get("learning_rate") is not None:
            values["learning_rate"] = float(logs["learning_rate"])
        log.info("step %d/%d · loss %.4f", state.global_step, state.max_steps, values["loss"])
        self.store.add_metrics(self.run_id, "train", state.global_step, state.epoch, values)


def setfit_arguments(config, output_dir: Path, texts: int):
    """SetFit's settings from the run's: its batch size, max length and seed; pairs per text (num_iterations)."""
    from setfit import TrainingArguments

    from core.train.methods.method_estimate import pairs_per_text

    return TrainingArguments(output_dir=str(output_dir), batch_size=config.batch_size, num_epochs=1,
                             num_iterations=pairs_per_text(config.few_shot_pairs, texts),
                             max_length=config.max_length, seed=config.seed, logging_steps=config.logging_steps,
                             save_strategy="no", report_to="none", show_progress_bar=False)


def train_setfit(config, encoder_folder: Path, texts: list[str], label_ids: list[int], output_dir: Path,
                 callbacks: list | None = None, phases=None):
    """A trained SetFitModel (encoder and head) from these labelled texts; `phases` times loading and training."""
    from contextlib import nullcontext

    def phase(name: str):
        return phases.time(name) if phases is not None else nullcontext()

    with phase("load_model"):  # setfit and datasets imported, the encoder read
        from datasets import Dataset
        from setfit import SetFitModel, Trainer

        from core.train.methods.quick import device_kind

        model = SetFitModel.from_pretrained(str(encoder_folder), device=device_kind())
        model.model_body.max_seq_length = config.max_length
        trainer = Trainer(model=model, args=setfit_arguments(config, output_dir, len(texts)),
                          callbacks=callbacks or [], train_dataset=Dataset.from_dict({"text": texts,
                                                                                      "label": label_ids}))
    with phase("train"):
        trainer.train()
    return model


def run_few_shot(store: RunStore, run: RunRecord, resume_from: Path | None = None) -> dict[str, Any]:
    """Train with SetFit, save, score: the few-shot run from start to finish (a resumed one starts it again)."""
    from core.models.resolve import resolve_model
    from core.train.config import TrainConfig
    from core.train.methods.enough import require_enough
    from core.train.methods.method_estimate import estimate_for_run, measured
    from core.train.methods.quick import (
        device_kind,
        device_label,
        evaluate_saved,
        refuse_pairs_and_other_tasks,
        stopped_results,
        summary,
    )
    from core.train.methods.saved import save_embedding_model
    from core.train.phases import Phases
    from core.train.prepare import prepare_data

    config, run_dir, phases, started = TrainConfig.from_dict(run.config), Path(run.run_dir), Phases(), time.time()
    store.update(run.id, device=device_label())
    with phases.time("read_data"):
        prepared = prepare_data(config)
        refuse_pairs_and_other_tasks(prepared, config.method)
        require_enough(prepared.train.texts, prepared.train.labels)
    estimate = estimate_for_run(store, run, config, prepared, "few-shot")
    store.update(run.id, results={"estimate": estimate})  # the Train page's time left, until steps are timed
    if run.resume_requested:
        log.info("A few-shot run keeps no checkpoint (SetFit saves none while it trains): it starts again from the "
                 "beginning%s", f"; it takes about {estimate['seconds']:.0f} s" if estimate else "")
    index = {name: i for i, name in enumerate(prepared.labels)}
    recorder = FewShotCallback(store, run.id)
    model = train_setfit(config, resolve_model(config.model, trust_remote_code=config.trust_remote_code),
                         prepared.train.texts, [index[lab] for lab in prepared.train.labels], run_dir / "setfit",
                         [recorder], phases)
    if recorder.stopped:
        return {**stopped_results(prepared, phases), "method": "few-shot", "estimate": estimate}
    steps = (store.get(run.id).max_steps or 1)
    with phases.time("save_model"):
        save_embedding_model(run_dir / "model", "few-shot", prepared.labels, model.model_head, config.max_length,
                             lambda path: model.save_pretrained(str(path)))
    with phases.time("evaluate"):
        results = evaluate_saved(run_dir, prepared, config.max_length, device_kind())
    store.update(run.id, global_step=steps, epoch=1.0)
    store.add_metrics(run.id, "eval", steps, 1.0, {k: results["metrics"][k] for k in ("loss", "accuracy",
                                                                                      "macro_f1")})
    results.update(summary(prepared, phases, global_step=steps, started=started), estimate=estimate,
                   contrastive_seconds=round(recorder.seconds, 3))
    results.update(measured(results, "few-shot", len(prepared.val) + len(prepared.test or []), steps - 1,
                            recorder.seconds))
    return results
