"""The floor of overhead: a minimal hand-written training loop, for the benchmark.

The same rows, model, batch size, epochs, learning rate, warm-up and weight decay as the engine, and the
engine's own speed choices (texts tokenized once, the same length-grouped batches, bf16 autocast where the
CPU or GPU computes it natively, fused AdamW, SDPA attention) but nothing else: no Trainer, no evaluation
during training, no checkpoints, no run store. Prints one JSON line like baseline_b1.py.
"""

from __future__ import annotations

import json
import math
import resource
import time

from flags import side_parser  # bench/ is on the path of a script run from it


def main() -> None:
    parser = side_parser()
    args = parser.parse_args()

    import pandas as pd
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from core.device import training_device
    from core.train.sampler import ShuffledLengthBatches

    torch.manual_seed(args.seed)
    device = training_device()
    on = torch.device("cuda" if device.kind == "cuda" else "cpu")
    train = pd.read_csv(args.train, sep="\t")
    dev = pd.read_csv(args.dev, sep="\t").rename(columns={"content": "sentence"})
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=2,
                                                               attn_implementation="sdpa").to(on)
    encoded = tokenizer(train["sentence"].tolist(), truncation=True, max_length=args.max_length)["input_ids"]
    labels = train["label"].tolist()
    sampler = ShuffledLengthBatches([len(ids) for ids in encoded], args.batch_size, seed=args.seed)
    steps_per_epoch = math.ceil(len(encoded) / args.batch_size)
    total_steps = math.ceil(steps_per_epoch * args.epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=0.01,
                                  fused=device.kind in ("cpu", "cuda"))
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * total_steps), total_steps)

    def batches(order: list[int], rows: list[list[int]], targets: list[int]):
        for start in range(0, len(order), args.batch_size):
            chosen = order[start:start + args.batch_size]
            longest = max(len(rows[i]) for i in chosen)
            ids = torch.full((len(chosen), longest), tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, i in enumerate(chosen):
                ids[row, :len(rows[i])] = torch.tensor(rows[i])
                mask[row, :len(rows[i])] = 1
            yield ids.to(on), mask.to(on), torch.tensor([targets[i] for i in chosen]).to(on)

    model.train()
    step, seconds, seen = 0, 0.0, 0
    for epoch in range(math.ceil(args.epochs)):
        sampler.set_epoch(epoch)
        for ids, mask, target in batches(list(sampler), encoded, labels):
            if step >= total_steps:
                break
            begun = time.perf_counter()
            with torch.autocast(device_type=on.type, dtype=torch.bfloat16, enabled=bool(device.bf16)):
                loss = model(input_ids=ids, attention_mask=mask, labels=target).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            if on.type == "cuda":
                torch.cuda.synchronize()
            seconds += time.perf_counter() - begun
            step, seen = step + 1, seen + len(target)

    model.eval()
    dev_ids = tokenizer(dev["sentence"].tolist(), truncation=True, max_length=args.max_length)["input_ids"]
    right = 0
    with torch.no_grad(), torch.autocast(device_type=on.type, dtype=torch.bfloat16, enabled=bool(device.bf16)):
        for ids, mask, target in batches(list(range(len(dev_ids))), dev_ids, dev["label"].tolist()):
            right += int((model(input_ids=ids, attention_mask=mask).logits.argmax(-1) == target).sum())
    peak = (torch.cuda.max_memory_allocated() / 2**20 if on.type == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"train_samples_per_second": seen / seconds, "train_step_seconds": seconds,
                      "accuracy": right / len(dev_ids), "peak_memory_mb": peak}))


if __name__ == "__main__":
    main()
