"""The full fine-tune, start to finish: data, model, Trainer, checkpoints, results, saved model.

The Trainer's own set-up (arguments, loss, sampler) is in core.train.trainer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.device import training_device
from core.models.loading import load_classifier
from core.store.run_folder import write_json
from core.store.runs import RunRecord, RunStore
from core.train.config import TrainConfig
from core.train.metrics import full_report
from core.train.phases import Phases, peak_memory_mb
from core.train.prepare import class_weights, prepare_data, tokenize
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
                                           trust_remote_code=config.trust_remote_code)
    with phases.time("tokenize"):
        data = {"train": tokenize(tokenizer, prepared.train, prepared.labels, config.max_length),
                "val": tokenize(tokenizer, prepared.val, prepared.labels, config.max_length),
                "weights": class_weights(prepared.train, prepared.labels) if config.class_weights else None}
    timer = StepTimer(len(prepared.train), config.batch_size)
    recorder = StoreCallback(store, run.id, timer, config.checkpoint_steps)
    trainer = build_trainer(config, run_dir, model, tokenizer, data, [timer, recorder], device)
    with phases.time("train"):
        trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    results = {"stopped": recorder.stopped, "labels": prepared.labels, "train_rows": len(prepared.train),
               "val_rows": len(prepared.val), "global_step": trainer.state.global_step,
               "train_samples_per_second": round(timer.samples_per_second, 2),
               "train_step_seconds": round(timer.seconds, 3), "device": device.to_dict()}
    if not recorder.stopped:
        with phases.time("evaluate"):
            results["metrics"] = _final_evaluation(trainer, data["val"], prepared)
        with phases.time("save_model"):
            save_model(trainer, tokenizer, run_dir / "model")
        results["best_checkpoint"] = trainer.state.best_model_checkpoint
    results["seconds"] = phases.as_dict()
    results["peak_memory_mb"] = round(peak_memory_mb(device.kind), 1)
    write_json(run_dir / "results.json", results)
    return results


def _final_evaluation(trainer, val_ds, prepared) -> dict[str, Any]:
    """Metrics of the best model on the validation rows, and each row's prediction for the Evaluate page."""
    import numpy as np
    import pandas as pd
    from scipy.special import softmax

    output = trainer.predict(val_ds, metric_key_prefix="eval")
    logits = output.predictions[0] if isinstance(output.predictions, tuple) else output.predictions
    probs = softmax(logits.astype("float64"), axis=-1)
    predicted = probs.argmax(axis=-1)
    report = full_report(output.label_ids, predicted, prepared.labels)
    report["loss"] = float(output.metrics.get("eval_loss", float("nan")))
    rows = pd.DataFrame({"text": prepared.val.texts, "label": prepared.val.labels,
                         "predicted": [prepared.labels[i] for i in predicted],
                         "confidence": np.round(probs.max(axis=-1), 4)})
    for i, name in enumerate(prepared.labels):
        rows[f"p({name})"] = np.round(probs[:, i], 4)
    rows.to_csv(Path(trainer.args.output_dir).parent / "val_predictions.csv", index=False)
    return report


def save_model(trainer, tokenizer, folder: Path) -> None:
    """A plain Hugging Face folder that `transformers.pipeline` loads, answering with the user's labels."""
    model = trainer.model
    if hasattr(model, "merge_and_unload"):  # LoRA: fold the adapters in, so no peft is needed to use it
        model = model.merge_and_unload()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
