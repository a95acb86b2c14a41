"""Training on tiny models built in the test: what a run writes and how it behaves."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.errors import ConfigError, DataError
from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, build_tiny_gpt2, write_toy_csv


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "bert")


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory) -> Path:
    return build_tiny_gpt2(tmp_path_factory.mktemp("models") / "gpt2")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory) -> Path:
    return write_toy_csv(tmp_path_factory.mktemp("data") / "toy.csv", rows=160)


def train_here(workspace: Path, **settings):
    """Create a run and train it in this process, as `python -m core train` does."""
    store = RunStore(workspace)
    config = TrainConfig.from_preset("quick", **{"epochs": 8, "batch_size": 16, "learning_rate": 2e-3,
                                                 "max_length": 16, "seed": 3, **settings})
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    return store, execute(store, store.get(run.id))


def test_a_run_folder_describes_itself(tmp_path, tiny_bert, toy_data):
    store, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert))
    assert run.status == "completed", run.error
    folder = Path(run.run_dir)
    assert json.loads((folder / "config.json").read_text())["model"] == str(tiny_bert)
    results = json.loads((folder / "results.json").read_text())
    assert results["metrics"]["accuracy"] > 0.8
    assert set(results["metrics"]["per_class"]) == {"negative", "positive"}
    assert results["train_samples_per_second"] > 0
    assert {"read_data", "load_model", "tokenize", "train", "evaluate", "save_model", "total"} <= set(
        results["seconds"])
    assert results["peak_memory_mb"] > 0 and results["device"]["kind"] == "cpu"
    rows = pd.read_csv(folder / "val_predictions.csv")  # each text beside its own answer, in row order
    assert (rows["label"] == rows["predicted"]).mean() == pytest.approx(results["metrics"]["accuracy"])
    # every logged step and every evaluation reached the store
    train_points, eval_points = store.metrics(run.id, "train"), store.metrics(run.id, "eval")
    assert len(eval_points) == 8 and {"loss", "accuracy", "macro_f1"} <= set(eval_points[-1])
    assert {"loss", "learning_rate", "grad_norm", "samples_per_second"} <= set(train_points[-1])
    assert run.global_step == run.max_steps == results["global_step"]


def test_the_saved_model_answers_with_the_users_label_names_through_pipeline(tmp_path, tiny_bert, toy_data):
    from transformers import pipeline

    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert))
    classify = pipeline("text-classification", model=str(Path(run.run_dir) / "model"))
    assert classify("wonderful lovely great")[0]["label"] == "positive"
    assert classify("awful horrible terrible")[0]["label"] == "negative"


def test_same_seed_same_model(tmp_path, tiny_bert, toy_data):
    _, first = train_here(tmp_path / "a", data=str(toy_data), model=str(tiny_bert), epochs=2)
    _, second = train_here(tmp_path / "b", data=str(toy_data), model=str(tiny_bert), epochs=2)
    assert first.results["metrics"]["loss"] == pytest.approx(second.results["metrics"]["loss"], rel=1e-5)


def test_a_decoder_model_trains_as_a_classifier(tmp_path, tiny_gpt2, toy_data):
    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_gpt2))
    assert run.status == "completed", run.error
    assert run.results["metrics"]["accuracy"] > 0.7


def test_lora_trains_and_saves_a_plain_model(tmp_path, tiny_bert, toy_data):
    from transformers import AutoModelForSequenceClassification

    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert), lora=True, learning_rate=5e-3)
    assert run.status == "completed", run.error
    model = AutoModelForSequenceClassification.from_pretrained(Path(run.run_dir) / "model")
    assert model.config.id2label == {0: "negative", 1: "positive"}
    assert not any("lora" in name for name, _ in model.named_parameters())


def test_checkpoints_every_n_steps_and_at_epoch_ends(tmp_path, tiny_bert, toy_data):
    from core.store.run_folder import checkpoint_steps

    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert), epochs=2, checkpoint_steps=3)
    # 128 training rows / 16 = 8 steps an epoch; the two newest kept plus the best
    assert run.status == "completed"
    steps = checkpoint_steps(run.run_dir)
    assert steps and max(steps) == 16


def test_one_label_is_refused_before_a_run_is_made(tmp_path, tiny_bert):
    data = tmp_path / "one.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},positive\n" for i in range(20)))
    with pytest.raises(DataError, match="only one label"):
        train_here(tmp_path, data=str(data), model=str(tiny_bert))
    assert RunStore(tmp_path).list_runs() == []


def test_a_broken_model_fails_the_run_with_a_plain_sentence_and_the_traceback_in_the_log(tmp_path, tiny_bert,
                                                                                          toy_data):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bert, broken)
    (broken / "model.safetensors").write_bytes(b"not a tensor file")
    _, run = train_here(tmp_path, data=str(toy_data), model=str(broken))
    assert run.status == "failed"
    assert run.error and "Traceback" not in run.error and run.error_fix
    assert "Traceback" in (Path(run.run_dir) / "log.txt").read_text()


def test_validate_reports_every_problem_at_once(tmp_path):
    config = TrainConfig(data=str(tmp_path / "missing.csv"), epochs=0, batch_size=0, learning_rate=1.0)
    with pytest.raises(ConfigError) as caught:
        config.validate()
    assert len(caught.value.problems) == 4


@pytest.mark.parametrize("error, kind, words", [
    (RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), "out_of_memory", "batch size"),
    (MemoryError(), "out_of_memory", "max length"),
    (ValueError("something odd"), "error", "log"),
])
def test_failures_in_training_become_one_plain_sentence_with_a_fix(error, kind, words):
    from core.runs.worker import classify_failure

    failure = classify_failure(error, "NVIDIA T4")
    assert failure.kind == kind
    assert words in failure.fix
    assert "\n" not in failure.message
