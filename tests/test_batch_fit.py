"""Automatic batch size: an out-of-memory error at the start halves the batch and doubles gradient accumulation,
says so in the log and on the page, and the next run starts at the size that fitted.

No GPU here: the device is simulated by a training step that raises torch.cuda.OutOfMemoryError for batches of more
than 4 texts, as a too-small GPU would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.store.run_folder import log_path
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.pagetext import assert_no_error, page_text
from tests.tiny import build_tiny_bert, write_toy_csv


@pytest.fixture()
def small_device(monkeypatch):
    """Every training step with more than 4 texts runs out of memory; counts the attempts that did."""
    import torch
    from transformers import Trainer

    real_step = Trainer.training_step
    failures = []

    def step(self, model, inputs, *args, **kwargs):
        if inputs["input_ids"].shape[0] > 4:
            failures.append(inputs["input_ids"].shape[0])
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_step(self, model, inputs, *args, **kwargs)

    monkeypatch.setattr(Trainer, "training_step", step)
    return failures


def train(store: RunStore, model: Path, data: Path):
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=1, batch_size=16,
                                     learning_rate=3e-3, max_length=16, devices="cpu")
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    return execute(store, store.get(run.id))


def test_out_of_memory_at_the_start_halves_the_batch_and_keeps_the_effective_one(tmp_path, small_device,
                                                                                  empty_workspace, open_page):
    model, data = build_tiny_bert(tmp_path / "bert"), write_toy_csv(tmp_path / "toy.csv", rows=80)
    store = RunStore(empty_workspace)
    done = train(store, model, data)
    assert done.status == "completed", done.error
    assert small_device == [16, 8]  # two attempts ran out of memory, the third (4 a batch) fitted
    results = json.loads((Path(done.run_dir) / "results.json").read_text())
    assert results["batch_fit"] == {"asked": 16, "used": 4, "gradient_accumulation": 4}
    assert results["effective_batch_size"] == 16 and done.global_step == 4  # 64 rows, 16 a step
    assert "Out of memory with a batch of 16" in log_path(done.run_dir).read_text()
    remembered = json.loads((empty_workspace / "batch_sizes.json").read_text())
    assert list(remembered.values()) == [4]

    again = train(store, model, data)  # the same model here: starts at the size that fitted, no failed attempt
    assert again.status == "completed" and small_device == [16, 8]
    assert again.results["batch_fit"]["used"] == 4

    at = open_page("train").run()
    assert_no_error(at)
    assert "A batch of 16 did not fit in memory" in page_text(at)
