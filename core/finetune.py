"""One fine-tuning run, start to finish: data, model, Trainer, checkpoints, results, saved model."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.config import TrainConfig
from core.device import DeviceInfo, training_device
from core.metrics import full_report, trainer_metrics
from core.models import load_classifier
from core.rundir import write_json
from core.store import RunRecord, RunStore
from core.training import Phases, class_weights, peak_memory_mb, prepare_data, tokenize

log = logging.getLogger(__name__)

def training_arguments(config: TrainConfig, run_dir: Path, device: DeviceInfo):
    from transformers import TrainingArguments

    on_cpu = device.kind == "cpu"
    return TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(64, config.batch_size * 2),
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,  # a float below 1 is a share of all steps in transformers 5
        seed=config.seed,
        data_seed=config.seed,
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,  # the best and the latest; Resume needs the latest
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        logging_first_step=True,  # the loss chart gets its first point after one step
        train_sampling_strategy="group_by_length",
        bf16=bool(device.bf16),
        fp16=device.kind == "cuda" and not device.bf16,
        use_cpu=on_cpu,
        optim="adamw_torch_fused" if device.kind in ("cpu", "cuda") else "adamw_torch",
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=True,
    )


def _weighted_loss(weights: list[float]):
    import torch
    import torch.nn.functional as F

    tensor = torch.tensor(weights, dtype=torch.float32)

    def loss(outputs: Any, labels: Any, num_items_in_batch: Any = None):
        logits = outputs["logits"].float()
        return F.cross_entropy(logits, labels, weight=tensor.to(logits.device))

    return loss


def _trainer_class():
    from transformers import Trainer

    from core.sampler import ShuffledLengthBatches

    class StudioTrainer(Trainer):
        """The Trainer with our length-grouped sampler (core.sampler), given the lengths measured at tokenizing."""

        lengths: list[int] | None = None

        def _get_eval_sampler(self, eval_dataset):
            # answers must come back in row order: val_predictions.csv pairs each text with its answer
            from torch.utils.data import SequentialSampler

            return SequentialSampler(eval_dataset)

        def _get_train_sampler(self, train_dataset=None):
            if self.lengths is not None and self.args.train_sampling_strategy == "group_by_length":
                return ShuffledLengthBatches(self.lengths, self.args.train_batch_size)
            return super()._get_train_sampler(train_dataset)

    return StudioTrainer


def build_trainer(config: TrainConfig, run_dir: Path, model, tokenizer, data: dict, callbacks: list, device):
    """The Trainer for this run; `data` holds the tokenized 'train' and 'val' sets and class 'weights'."""
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback

    if config.early_stopping_patience:
        callbacks = [*callbacks, EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience)]
    trainer = _trainer_class()(
        model=model, args=training_arguments(config, run_dir, device), train_dataset=data["train"],
        eval_dataset=data["val"], processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8 if device.kind == "cuda" else None),
        compute_metrics=trainer_metrics, callbacks=callbacks,
        compute_loss_func=_weighted_loss(data["weights"]) if data.get("weights") else None,
    )
    trainer.lengths = list(data["train"]["length"])
    return trainer


def run_training(store: RunStore, run: RunRecord, resume_from: Path | None = None) -> dict[str, Any]:
    """Train the run described by `run.config`; returns its results (also written to results.json).

    Raises StudioError subclasses for problems the user can fix. When Stop was pressed the
    results say `stopped: True` and no model is written (a checkpoint is).
    """
    from transformers import set_seed

    from core.callbacks import StepTimer, StoreCallback

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
