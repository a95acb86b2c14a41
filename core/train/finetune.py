"""The full fine-tune, start to finish: data, model, Trainer, checkpoints, results, saved model.

The Trainer's own set-up (arguments, loss, sampler) is in core.train.trainer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.device import training_device
from core.errors import StudioError
from core.models.loading import load_classifier
from core.store.run_folder import write_json
from core.store.runs import RunRecord, RunStore
from core.train.config import TrainConfig
from core.train.distributed import effective_batch_size, is_main, rank, run_facts
from core.train.long_texts import set_truncation
from core.train.metrics import full_report
from core.train.phases import Phases, peak_memory_mb
from core.train.prepare import class_weights, prepare_data, tokenize
from core.train.scale import ended_by, time_budget_callback
from core.train.task_prepare import problem_type, task_inputs
from core.train.task_results import final_task_evaluation
from core.train.trainer import build_trainer

log = logging.getLogger(__name__)


def run_training(store: RunStore, run: RunRecord, resume_from: Path | None = None) -> dict[str, Any]:
    """Train the run described by `run.config`; returns its results (also written to results.json).

    Raises StudioError subclasses for problems the user can fix. When Stop was pressed the
    results say `stopped: True` and no model is written (a checkpoint is).
    """
    from transformers import set_seed

    from core.train.callbacks import StepTimer, StoreCallback

    config, run_dir, phases = TrainConfig.from_dict(run.config), Path(run.run_dir), Phases()
    device = training_device()
    store.update(run.id, device=device.label)
    with phases.time("read_data"):
        prepared = prepare_data(config)
    with phases.time("load_model"):
        set_seed(config.seed)  # the new classifier head starts from the same random weights every time
        model, tokenizer = load_classifier(config.model, prepared.labels, lora=config.lora, lora_r=config.lora_r,
                                           trust_remote_code=config.trust_remote_code,
                                           problem_type=problem_type(prepared.task))
    set_truncation(tokenizer, config.truncation)  # saved with the tokenizer: every later answer cuts the same way
    with phases.time("tokenize"):
        data = task_inputs(tokenizer, prepared, config) if prepared.task != "single-label" else {
                "train": tokenize(tokenizer, prepared.train, prepared.labels, config.max_length),
                "val": tokenize(tokenizer, prepared.val, prepared.labels, config.max_length),
                "weights": class_weights(prepared.train, prepared.labels) if config.class_weights else None}
    estimate = _estimate(store, run, config, prepared, data["train"]["length"], device)
    store.update(run.id, results={"estimate": estimate})  # the Train page's time left, until the pace is measured
    timer = StepTimer(len(prepared.train), effective_batch_size(config))  # samples/s counts every process
    recorder = StoreCallback(store, run.id, timer, config.checkpoint_steps)
    from core.train.tensorboard import field_tool_callbacks

    budget = time_budget_callback(config.time_budget) if config.time_budget else None  # ends with the best model
    callbacks = [timer, recorder, *field_tool_callbacks(run_dir), *([budget] if budget else [])]
    answers = _epoch_answers(prepared, config)

    def make_trainer(fitted: TrainConfig):
        made = build_trainer(fitted, run_dir, model, tokenizer, data, callbacks, device)
        made.epoch_answers = answers
        return made

    from core.train import batch_fit

    asked, config = config, batch_fit.start_config(store.workspace, config, device.label)  # the size that fitted
    with phases.time("train"):  # out of memory at the start: half the batch, twice the accumulation, again
        trainer, config = batch_fit.train_fitting(make_trainer, config, resume_from, store.workspace, device.label,
                                                  lambda c: store.update(run.id, results={
                                                      "estimate": estimate, "batch_fit": batch_fit.note(asked, c)}))
    results = {"stopped": recorder.stopped, "labels": prepared.labels, "train_rows": len(prepared.train),
               "text_column": prepared.train.text_column,
               "text_pair_column": prepared.train.text_pair_column,  # the model answers pairs of texts
               "val_rows": len(prepared.val), "truncation": config.truncation, "test_rows": len(prepared.test or []),
               "global_step": trainer.state.global_step, "task": prepared.task,
               "target_scale": list(prepared.target_scale) if prepared.target_scale else None,
               "train_samples_per_second": round(timer.samples_per_second, 2),
               "train_step_seconds": round(timer.seconds, 3), "device": device.to_dict()}
    results.update(sampled_from=prepared.sampled_from,  # big data: how the run was made smaller, if it was
                   ended_by=ended_by(config, trainer.state.global_step, trainer.state.global_step >= config.max_steps,
                                     budget))
    # the weights the training loss gave each label (None: not balanced), for the run's settings
    results["class_weights"] = ({name: round(w, 4) for name, w in zip(prepared.labels, data["weights"], strict=True)}
                                if data["weights"] else None)
    results.update(run_facts(config), batch_fit=batch_fit.note(asked, config))  # world_size, devices, batches
    if not is_main():  # one of several processes: rank 0 alone writes the model, its answers and results.json
        log.info("Process %d of %d trained its share; process 0 writes the model and the results",
                 rank(), results["world_size"])
        return results
    if not recorder.stopped:
        with phases.time("save_model"):
            save_model(trainer, tokenizer, run_dir / "model", config.max_length, prepared.target_scale)
        with phases.time("evaluate"):
            _release_training_memory(trainer, device.kind)
            # without LoRA the saved model is the best epoch's weights as they were evaluated: reuse those answers
            reused = None if config.lora else answers.at(trainer.state.best_model_checkpoint)
            results.update(_final_evaluation(run_dir, prepared, config.max_length, device.kind, reused)
                           if prepared.task == "single-label" else
                           final_task_evaluation(run_dir, prepared, config, device.kind, reused))
        results["best_checkpoint"] = trainer.state.best_model_checkpoint
    results["seconds"] = phases.as_dict()
    results["estimate"] = estimate  # beside results["seconds"]["total"]: how good the Train page's estimate was
    results["peak_memory_mb"] = round(peak_memory_mb(device.kind), 1)
    write_json(run_dir / "results.json", results)
    return results


def _estimate(store: RunStore, run: RunRecord, config: TrainConfig, prepared, lengths: list[int],
              device) -> dict[str, Any] | None:
    """The run's time as the Train page estimates it, with the exact rows and token counts now known."""
    from core.models.inspect import inspect_model
    from core.train.calibrate import cached_cost
    from core.train.estimate import TokenStats, run_estimate

    try:
        info = inspect_model(config.model)
    except StudioError:
        return None
    if not info.parameters or not lengths:
        return None
    tokens = TokenStats.from_lengths(lengths)
    result = run_estimate(info.parameters, config, len(prepared.train), len(prepared.val), tokens, device,
                          runs=[r for r in store.list_runs(("completed",)) if r.id != run.id],
                          step_cost=cached_cost(store.workspace, config.model, device.name),
                          hidden_size=info.hidden_size, layers=info.layers)
    low, high = result.run_seconds(config.epochs)
    return {"seconds": round((low * high) ** 0.5, 1), "low": round(low, 1), "high": round(high, 1),
            "basis": result.basis, "seconds_per_step": round(result.seconds_per_epoch / result.steps_per_epoch, 4)}


def _epoch_answers(prepared, config: TrainConfig):
    from core.train.epoch_eval import EpochAnswers

    if prepared.task != "single-label":  # several labels, or a score
        from core.train.task_epoch import TaskEpochAnswers
        from core.train.task_results import truth_of

        return TaskEpochAnswers(prepared.val.texts, truth_of(prepared.val, prepared), config.max_length,
                                prepared.val.text_pairs, prepared.task, prepared.target_scale)

    index = {name: i for i, name in enumerate(prepared.labels)}
    return EpochAnswers(prepared.val.texts, [index[lab] for lab in prepared.val.labels], config.max_length,
                        prepared.val.text_pairs)


def _final_evaluation(run_dir: Path, prepared, max_length: int, device: str,
                      val_answers: list[list[float]] | None = None) -> dict[str, Any]:
    """Scores of the saved (best) model on the validation rows and on the test rows, each row's answer beside them.

    The saved folder answers through the same code as Try, Evaluate and `core predict` (full precision, the run's
    max length, the same batches), so they reproduce these answers exactly; `val_answers`, the best epoch's own
    (core.train.epoch_eval, the same code path), stand in for the validation rows. The test rows are new to it.
    """
    from core.train.inference import load_saved, probabilities

    parts = {"metrics": (prepared.val, "val_predictions.csv", "validation rows"),
             "test_metrics": (prepared.test, "test_predictions.csv", "test rows")}
    scores, loaded = {}, None
    for key, (rows, file_name, rows_name) in parts.items():
        if rows is None or not len(rows):
            continue
        if key == "metrics" and val_answers is not None:
            probs = val_answers
        else:
            model, tokenizer = loaded = loaded or load_saved(run_dir / "model", device)
            probs = probabilities(model, tokenizer, rows.texts, max_length, device, pairs=rows.text_pairs)
        scores[key] = _scored(rows, probs, prepared.labels, run_dir / file_name, rows_name)
    return scores


def _scored(rows, probs: list[list[float]], labels: list[str], path: Path, rows_name: str) -> dict[str, Any]:
    """The report on these rows, and the rows with their answers written to `path` for the Evaluate page."""
    import math

    from core.train.inference import answer_table

    index = {name: i for i, name in enumerate(labels)}
    true = [index[lab] for lab in rows.labels]
    table = answer_table(rows.texts, probs, labels, rows.text_pairs)
    table.insert(2 if rows.text_pairs is not None else 1, "label", rows.labels)
    table.to_csv(path, index=False)
    report = full_report(true, [index[x] for x in table["predicted"]], labels, rows_name=rows_name)
    # unweighted, so the loss compares across runs whatever their class weights
    report["loss"] = -sum(math.log(max(p[t], 1e-12)) for p, t in zip(probs, true, strict=True)) / len(true)
    return report


def _release_training_memory(trainer, device: str) -> None:
    """Training is over: free the GPU of the optimizer's state and the trained copy before the saved model loads."""
    if device != "cuda":
        return
    import gc

    import torch

    trainer.accelerator.free_memory()
    trainer.optimizer = trainer.lr_scheduler = None
    trainer.model.to("cpu")
    gc.collect()
    torch.cuda.empty_cache()


def save_model(trainer, tokenizer, folder: Path, max_length: int | None = None,
               target_scale: tuple[float, float] | None = None) -> None:
    """A plain Hugging Face folder that `transformers.pipeline` loads, answering with the user's labels.

    Its tokenizer keeps the run's max length, so whatever loads the folder cuts texts where training did.
    """
    model = trainer.model
    if hasattr(model, "merge_and_unload"):  # LoRA: fold the adapters in, so no peft is needed to use it
        model = model.merge_and_unload()
    if target_scale:  # regression: the raw output becomes the score itself (core.train.task_results)
        from core.train.task_results import fold_scale

        fold_scale(model, target_scale)
    model.save_pretrained(folder, safe_serialization=True)
    if max_length:
        tokenizer.model_max_length = max_length
    tokenizer.save_pretrained(folder)
