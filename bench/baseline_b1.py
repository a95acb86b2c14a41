"""B1: the Hugging Face Trainer used as its docs show it, for the benchmark's baseline.

DataCollatorWithPadding, the default (random) sampler, fp32 — same model, rows, batch size,
epochs and learning rate as the engine. Prints one JSON line: samples/s over training steps,
peak memory and dev accuracy.
"""

from __future__ import annotations

import json
import resource

import numpy as np
from flags import side_parser  # bench/ is on the path of a script run from it


def main() -> None:
    parser = side_parser()
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    import pandas as pd
    import torch
    from datasets import Dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    from core.train.callbacks import StepTimer

    train = pd.read_csv(args.train, sep="\t")
    dev = pd.read_csv(args.dev, sep="\t").rename(columns={"content": "sentence"})
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=2)

    def encode(batch):
        return tokenizer(batch["sentence"], truncation=True, max_length=args.max_length)

    train_ds = Dataset.from_pandas(train).map(encode, batched=True)
    dev_ds = Dataset.from_pandas(dev).map(encode, batched=True)
    timer = StepTimer(len(train_ds), args.batch_size)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=args.out_dir, per_device_train_batch_size=args.batch_size,
                               per_device_eval_batch_size=64, num_train_epochs=args.epochs,
                               learning_rate=args.learning_rate, seed=args.seed, eval_strategy="no",
                               save_strategy="no", report_to="none", disable_tqdm=True,
                               use_cpu=not torch.cuda.is_available()),
        train_dataset=train_ds, processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
        callbacks=[timer],
    )
    trainer.train()
    output = trainer.predict(dev_ds)
    accuracy = float((np.argmax(output.predictions, axis=-1) == output.label_ids).mean())
    peak = (torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available()
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"train_samples_per_second": timer.samples_per_second, "train_step_seconds": timer.seconds,
                      "accuracy": accuracy, "peak_memory_mb": peak}))


if __name__ == "__main__":
    main()
