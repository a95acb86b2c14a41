"""Stop and resume on a tiny model, trained in this process.

Stop ends a run at the step it is on, with one checkpoint and no evaluation. A run stopped or
killed in epoch 2 and resumed trains on exactly the batches an uninterrupted run trains on:
every training row once per epoch, and the same final weights.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from core.runs import runner
from core.runs.runner import claim_device, create_run, resume_run, stop_run
from core.runs.worker import execute
from core.store.run_folder import checkpoint_steps
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, write_toy_csv

STEPS_PER_EPOCH = 8  # 128 training rows (160 less 20% held out) in batches of 16


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    import torch

    torch.manual_seed(0)
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "bert")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory) -> Path:
    return write_toy_csv(tmp_path_factory.mktemp("data") / "toy.csv", rows=160)


class StepLog:
    """What every training step trained on, and actions to run just before chosen steps.

    Wraps the Trainer of each run made in this process; a step done twice (after a kill) is logged twice.
    """

    def __init__(self) -> None:
        self.history: list[tuple[int, list[tuple[int, ...]]]] = []
        self.before_step: dict[int, object] = {}
        self.train_rows: Counter | None = None

    def wrap(self, build):
        def build_and_watch(*args, **kwargs):
            trainer = build(*args, **kwargs)
            self.train_rows = Counter(tuple(ids) for ids in trainer.train_dataset["input_ids"])
            train_step = trainer.training_step

            def watched(model, inputs, num_items_in_batch=None):
                step = trainer.state.global_step + 1
                if step in self.before_step:
                    self.before_step.pop(step)()
                self.history.append((step, rows_in(inputs)))
                return train_step(model, inputs, num_items_in_batch)

            trainer.training_step = watched
            return trainer

        return build_and_watch

    def last_time_each_step(self) -> dict[int, list[tuple[int, ...]]]:
        return dict(self.history)

    def steps_done_again(self) -> dict[int, list[list[tuple[int, ...]]]]:
        """Steps trained more than once (after a kill, from the checkpoint on), with the rows of each time."""
        times: dict[int, list] = {}
        for step, rows in self.history:
            times.setdefault(step, []).append(rows)
        return {step: rows for step, rows in times.items() if len(rows) > 1}


def rows_in(inputs) -> list[tuple[int, ...]]:
    """Each row of a padded batch as its token ids, which identify the training row."""
    ids, mask = inputs["input_ids"].tolist(), inputs["attention_mask"].tolist()
    return [tuple(i for i, m in zip(row, keep, strict=True) if m) for row, keep in zip(ids, mask, strict=True)]


@pytest.fixture()
def step_log(monkeypatch) -> StepLog:
    from core.train import callbacks, finetune

    log = StepLog()
    monkeypatch.setattr(finetune, "build_trainer", log.wrap(finetune.build_trainer))
    monkeypatch.setattr(callbacks, "_POLL_SECONDS", 0.0)  # ask the store about Stop after every step
    monkeypatch.setattr(runner, "start_next", lambda store: None)  # Resume queues; this test trains it here
    return log


def start(workspace: Path, **settings) -> tuple[RunStore, str]:
    store = RunStore(workspace)
    config = TrainConfig.from_preset("quick", **{"epochs": 3, "batch_size": 16, "learning_rate": 2e-3,
                                                 "max_length": 16, "seed": 3, "logging_steps": 1, **settings})
    run = create_run(store, config)
    return store, run.id


def train(store: RunStore, run_id: str):
    assert claim_device(store, run_id, os.getpid())
    return execute(store, store.get(run_id))


def last_weights(run_dir: str) -> dict:
    from safetensors.torch import load_file

    folder = Path(run_dir) / "checkpoints" / f"checkpoint-{max(checkpoint_steps(run_dir))}"
    return load_file(folder / "model.safetensors")


def test_stop_mid_epoch_ends_at_that_step_with_one_checkpoint_and_no_evaluation(tmp_path, step_log):
    data = write_toy_csv(tmp_path / "many.csv", rows=400)  # 200 validation rows: an evaluation would show
    store, run_id = start(tmp_path, data=str(data), model=str(build_tiny_bert(tmp_path / "bert")),
                          val_fraction=0.5)
    step_log.before_step[5] = lambda: stop_run(store, run_id)
    run = train(store, run_id)

    assert run.status == "stopped", run.error
    assert run.global_step == run.results["global_step"] == 5
    assert max(step for step, _ in step_log.history) == 5  # not one step more
    assert checkpoint_steps(run.run_dir) == [5]
    assert store.metrics(run_id, "eval") == []  # no evaluation of the part epoch reached the chart
    state = json.loads((Path(run.run_dir) / "checkpoints" / "checkpoint-5" / "trainer_state.json").read_text())
    assert not any("eval_loss" in entry for entry in state["log_history"])  # saved once, before any evaluation
    assert state["best_model_checkpoint"] is None  # a part epoch can never become the best model
    assert "metrics" not in run.results and not (Path(run.run_dir) / "model").exists()


def kill() -> None:
    raise RuntimeError("the process died")  # as a kill does: no checkpoint at this step, no clean end


def epochs_of(steps: dict[int, list]) -> dict[int, Counter]:
    epochs: dict[int, Counter] = {}
    for step, rows in steps.items():
        epochs.setdefault((step - 1) // STEPS_PER_EPOCH, Counter()).update(rows)
    return epochs


@pytest.mark.parametrize("interruption", ["stop", "kill"])
def test_a_run_interrupted_in_epoch_2_and_resumed_trains_like_an_uninterrupted_one(
        tmp_path, tiny_bert, toy_data, step_log, interruption):
    import torch

    settings = {"data": str(toy_data), "model": str(tiny_bert), "checkpoint_steps": 10}
    store, whole_id = start(tmp_path / "whole", **settings)
    whole = train(store, whole_id)
    assert whole.status == "completed", whole.error
    whole_steps, step_log.history = step_log.last_time_each_step(), []

    store, run_id = start(tmp_path / "parts", **settings)
    if interruption == "stop":  # Stop pressed during step 11, the third of epoch 2
        step_log.before_step[11] = lambda: stop_run(store, run_id)
    else:  # the process dies during step 13; the last checkpoint is step 10's
        step_log.before_step[13] = kill
    first = train(store, run_id)
    assert first.status == ("stopped" if interruption == "stop" else "failed")
    resume_run(store, run_id)
    done = train(store, run_id)
    assert done.status == "completed", done.error
    assert done.resumed_from_step == (11 if interruption == "stop" else 10)

    seen = step_log.last_time_each_step()
    assert sorted(seen) == list(range(1, 3 * STEPS_PER_EPOCH + 1))
    for epoch, rows in epochs_of(seen).items():
        assert rows == step_log.train_rows, f"epoch {epoch + 1} did not see every training row exactly once"
    again = step_log.steps_done_again()
    assert sorted(again) == ([] if interruption == "stop" else [11, 12])
    assert all(first == later for first, *rest in again.values() for later in rest)  # the same rows both times
    assert seen == whole_steps  # the same batches, in the same order, as the run never interrupted

    resumed, uninterrupted = last_weights(done.run_dir), last_weights(whole.run_dir)
    assert resumed.keys() == uninterrupted.keys()
    for name, tensor in uninterrupted.items():
        assert torch.allclose(resumed[name], tensor, atol=1e-6), name


def test_the_last_checkpoint_of_a_finished_run_skips_the_optimizer_state(finished_run_workspace):
    """Nothing resumes a finished run, so its last checkpoint keeps the weights (to pick the best) but not the
    optimizer's state, twice the model's size; earlier checkpoints keep everything Resume needs."""
    import json

    run_dir = next((finished_run_workspace / "runs").iterdir())
    last = json.loads((run_dir / "results.json").read_text())["global_step"]
    checkpoints = sorted((run_dir / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    assert checkpoints[-1].name == f"checkpoint-{last}"
    assert (checkpoints[-1] / "model.safetensors").exists() and not (checkpoints[-1] / "optimizer.pt").exists()
    for earlier in checkpoints[:-1]:
        assert (earlier / "optimizer.pt").exists()
