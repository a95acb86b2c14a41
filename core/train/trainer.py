"""The Hugging Face Trainer set up for one run: its arguments, the weighted loss and our batch sampler.

Speed comes from choices, not a hand-written loop: texts are tokenized once, batches are
padded only to their own longest text and grouped by length (little padding wasted), bf16
autocast is used where the device computes it natively, AdamW is the fused kernel, and the
model runs SDPA attention where it has it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.device import DeviceInfo
from core.train.config import TrainConfig
from core.train.distributed import rows_recorder
from core.train.metrics import trainer_metrics
from core.train.scale import with_schedule  # eval every N steps, max steps


def training_arguments(config: TrainConfig, run_dir: Path, device: DeviceInfo):
    from transformers import TrainingArguments

    on_cpu = device.kind == "cpu"
    return TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=max(1, config.gradient_accumulation),  # halved batches keep the effective one
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
    """Cross-entropy with each row weighed by its label's weight, averaged over the optimizer step's rows.

    The Trainer hands over `num_items_in_batch`, the rows of all micro-batches of one step, and adds
    the micro-batch losses as they are: dividing each sum by that count makes gradient accumulation
    give the same loss and gradient as one batch of all those rows (transformers' own losses do so).
    """
    import torch
    import torch.nn.functional as F

    tensor = torch.tensor(weights, dtype=torch.float32)

    def loss(outputs: Any, labels: Any, num_items_in_batch: Any = None):
        logits = outputs["logits"].float()
        per_row = F.cross_entropy(logits, labels, weight=tensor.to(logits.device), reduction="none")
        rows = num_items_in_batch if num_items_in_batch is not None else labels.numel()
        return per_row.sum() / rows

    return loss


def _trainer_class():
    from transformers import Trainer

    from core.train.sampler import ShuffledLengthBatches

    class StudioTrainer(Trainer):
        """The Trainer with our length-grouped sampler (core.train.sampler), fed the lengths measured at tokenizing;
        its evaluation loss is unweighted, and after Stop it ends at its checkpoint."""

        lengths: list[int] | None = None
        epoch_answers = None  # core.train.epoch_eval.EpochAnswers: evaluates through the saved model's code path
        rows_seen = None  # core.train.distributed.RowsSeen: lists the rows each process trains on (STUDIO_ROWS_SEEN)

        def training_step(self, model, inputs, num_items_in_batch=None):
            if self.rows_seen is not None:
                self.rows_seen.note(self.state.epoch, inputs)
            return super().training_step(model, inputs, num_items_in_batch)

        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
            if self.epoch_answers is None or eval_dataset is not None:
                return super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
            return self.epoch_answers.evaluate(self, metric_key_prefix)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if model.training or self.compute_loss_func is None:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            # evaluation: the model's own, unweighted loss, so eval_loss compares across runs (weights train only)
            outputs = model(**inputs)
            return (outputs["loss"], outputs) if return_outputs else outputs["loss"]

        def _load_best_model(self):
            # after Stop no model is saved: reading the best checkpoint back would only delay the end
            if any(getattr(callback, "stopped", False) for callback in self.callback_handler.callbacks):
                return
            best = self.state.best_model_checkpoint
            if best and Path(best).name == f"checkpoint-{self.state.global_step}":
                return  # the best is the last step's: its weights are the ones in memory already
            super()._load_best_model()

        def _save_optimizer_and_scheduler(self, output_dir):
            # the last step's checkpoint only serves to pick the best model: training has ended, so nothing will
            # resume from it and the optimizer's state (twice the model's size) need not be written
            if self.state.global_step < self.state.max_steps:
                super()._save_optimizer_and_scheduler(output_dir)

        def _get_eval_sampler(self, eval_dataset):
            # answers must come back in row order: val_predictions.csv pairs each text with its answer
            from torch.utils.data import SequentialSampler

            return SequentialSampler(eval_dataset)

        def _get_train_sampler(self, train_dataset=None):
            if self.lengths is not None and self.args.train_sampling_strategy == "group_by_length":
                seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
                return ShuffledLengthBatches(self.lengths, self.args.train_batch_size, seed=seed)
            return super()._get_train_sampler(train_dataset)

    return StudioTrainer


def build_trainer(config: TrainConfig, run_dir: Path, model, tokenizer, data: dict, callbacks: list, device):
    """The Trainer for this run; `data` holds the tokenized 'train' and 'val' sets and class 'weights'."""
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback

    if config.early_stopping_patience:
        callbacks = [*callbacks, EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience)]
    trainer = _trainer_class()(
        model=model, args=with_schedule(training_arguments(config, run_dir, device), config),
        train_dataset=data["train"],
        eval_dataset=data["val"], processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8 if device.kind == "cuda" else None),
        compute_metrics=trainer_metrics, callbacks=callbacks,
        compute_loss_func=data.get("loss") or (_weighted_loss(data["weights"]) if data.get("weights") else None),
    )
    trainer.lengths = list(data["train"]["length"])
    trainer.rows_seen = rows_recorder(data["train"])
    if data.get("best_metric"):  # multi-label: macro-F1 too; regression: the lowest mean absolute error
        trainer.args.metric_for_best_model, trainer.args.greater_is_better = data["best_metric"]
    return trainer
