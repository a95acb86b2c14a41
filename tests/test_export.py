"""Handing a run on: the zip loads with transformers.pipeline anywhere; renaming; settings side by side."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from core.errors import RunError
from core.runs.history import compare_configs, rename_run
from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.serve.export import model_zip, model_zip_bytes
from core.serve.model_card import model_card
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, write_toy_csv

FRESH_ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": ""}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[RunStore, str]:
    """A completed run of a tiny BERT on toy sentiment data, trained in this process."""
    root = tmp_path_factory.mktemp("export")
    model = build_tiny_bert(root / "tiny-bert")
    data = write_toy_csv(root / "toy.csv", rows=160)
    store = RunStore(root / "workspace")
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=8, batch_size=16,
                                     learning_rate=2e-3, max_length=16, seed=3, name="toy sentiment")
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    done = execute(store, store.get(run.id))
    assert done.status == "completed", done.error
    return store, done.run_dir


def extract(zip_path: Path, into: Path) -> Path:
    """Unzip and return the model folder inside (the one folder holding config.json)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    (folder,) = [p.parent for p in into.rglob("config.json")]
    return folder


def test_the_zip_loads_with_pipeline_in_a_fresh_process_and_answers_with_the_users_labels(finished, tmp_path):
    _, run_dir = finished
    folder = extract(model_zip(run_dir, tmp_path / "model.zip"), tmp_path / "elsewhere")
    script = ("import json, sys\nfrom transformers import pipeline\n"
              "classify = pipeline('text-classification', model=sys.argv[1])\n"
              "print(json.dumps([classify(t)[0]['label'] for t in sys.argv[2:]]))")
    answer = subprocess.run([sys.executable, "-c", script, str(folder), "wonderful lovely great",
                             "awful horrible terrible"], capture_output=True, text=True, cwd=tmp_path,
                            env=FRESH_ENV, timeout=300)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout.strip().splitlines()[-1]) == ["positive", "negative"]


def test_the_zip_holds_a_model_card_and_a_predict_script_that_runs(finished, tmp_path):
    _, run_dir = finished
    path = model_zip(run_dir, tmp_path / "model.zip")
    names = zipfile.ZipFile(path).namelist()
    top = names[0].split("/")[0]
    assert {f"{top}/README.md", f"{top}/predict.py", f"{top}/config.json", f"{top}/model.safetensors"} <= set(names)
    folder = extract(path, tmp_path / "unzipped")
    printed = subprocess.run([sys.executable, "predict.py", "great lovely wonderful"], capture_output=True,
                             text=True, cwd=folder, env=FRESH_ENV, timeout=300)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("positive\t")


def test_the_model_card_names_labels_metrics_base_model_and_settings(finished):
    _, run_dir = finished
    card = model_card(run_dir)
    results = json.loads((Path(run_dir) / "results.json").read_text())
    assert card.startswith("---\nlibrary_name: transformers")
    assert "# toy sentiment" in card
    assert "| positive |" in card and "| negative |" in card
    assert f"Accuracy: {results['metrics']['accuracy']:.3f}" in card
    assert "tiny-bert (a local model folder)" in card
    assert "| Learning rate | 0.002 |" in card and "| Epochs | 8 |" in card


def test_the_zip_carries_no_text_and_no_file_name_of_the_users(finished, tmp_path):
    _, run_dir = finished
    validation = pd.read_csv(Path(run_dir) / "val_predictions.csv", dtype=str)["text"].tolist()
    path = model_zip(run_dir, tmp_path / "model.zip")
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name).decode("utf-8", errors="ignore") for name in archive.namelist()}
    for name, text in contents.items():
        assert "toy.csv" not in text, name  # the data file's name stays with the trainer
        assert not [row for row in validation if row in text], name
    folder = extract(path, tmp_path / "unzipped")
    printed = subprocess.run([sys.executable, "predict.py"], capture_output=True, text=True, cwd=folder,
                             env=FRESH_ENV, timeout=300)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.split("\t")[0] in ("positive", "negative")  # the neutral example gets an answer
    assert "Labels: negative, positive" in printed.stderr


def test_asked_to_the_model_card_names_the_training_file(finished):
    _, run_dir = finished
    assert "- Trained on: `toy.csv`" in model_card(run_dir, name_files=True)
    assert "toy.csv" not in model_card(run_dir)


def test_the_model_card_reports_the_test_score_and_the_class_weights(finished, tmp_path):
    _, run_dir = finished
    copy = Path(shutil.copytree(run_dir, tmp_path / "run"))
    results = json.loads((copy / "results.json").read_text())
    validation = results["metrics"]
    per_class = {"negative": {"precision": 0.8, "recall": 1.0, "f1": 0.889, "support": 12},
                 "positive": {"precision": 1.0, "recall": 0.75, "f1": 0.857, "support": 8}}
    results.update(test_metrics={**validation, "accuracy": 0.9, "macro_f1": 0.873, "per_class": per_class,
                                 "rows": 20, "test_rows": 20},
                   test_rows=20, class_weights={"negative": 0.913, "positive": 1.095})
    (copy / "results.json").write_text(json.dumps(results))
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "test_data": "/home/me/held-out reviews.csv"}))
    card = model_card(copy)
    assert "held-out reviews" not in card  # no file of the trainer's, test file included
    assert "Measured on 20 test rows, held out from training and from choosing the checkpoint" in card
    assert "- Accuracy: 0.900" in card and "- Macro F1: 0.873" in card
    assert f"On the validation rows, which chose the checkpoint: accuracy {validation['accuracy']:.3f}" in card
    assert "| Label | Precision | Recall | F1 | Test rows | Weight in training |" in card
    assert "| negative | 0.800 | 1.000 | 0.889 | 12 | 0.913 |" in card
    assert "| positive | 1.000 | 0.750 | 0.857 | 8 | 1.095 |" in card


def test_without_test_rows_the_card_says_the_validation_score_may_flatter(finished):
    _, run_dir = finished
    card = model_card(run_dir)
    assert "validation rows held out from training" in card and "a little optimistic" in card
    assert "| Validation rows |" in card


def test_the_zip_in_memory_is_the_same_bundle(finished, tmp_path):
    _, run_dir = finished
    on_disk = zipfile.ZipFile(model_zip(run_dir, tmp_path / "model.zip")).namelist()
    in_memory = zipfile.ZipFile(io.BytesIO(model_zip_bytes(run_dir))).namelist()
    assert in_memory == on_disk
    assert model_zip(run_dir).parent == Path(run_dir)  # without a path it lies in the run folder


def test_a_run_without_a_model_cannot_be_zipped(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(RunError, match="no finished model"):
        model_zip(tmp_path / "run")


def test_rename_run_changes_the_store_and_the_folder_config(finished):
    store, run_dir = finished
    run_id = Path(run_dir).name
    rename_run(store, run_id, "  Sentiment, second try ")
    run = store.get(run_id)
    assert run.name == "Sentiment, second try" and run.config["name"] == "Sentiment, second try"
    assert json.loads((Path(run_dir) / "config.json").read_text())["name"] == "Sentiment, second try"
    with pytest.raises(RunError, match="needs a name"):
        rename_run(store, run_id, " ")
    with pytest.raises(RunError, match="no run called"):
        rename_run(store, "nope", "x")
    rename_run(store, run_id, "toy sentiment")


def test_compare_configs_flags_the_settings_that_differ():
    first = TrainConfig.from_preset("quick", data="a.csv", name="first", epochs=2).to_dict()
    second = TrainConfig.from_preset("quick", data="a.csv", name="second", epochs=2, learning_rate=3e-4,
                                     lora=True).to_dict()
    table = compare_configs([first, second])
    assert list(table.columns) == ["first", "second", "differs"]
    assert set(table.index[table["differs"]]) == {"Run name", "Learning rate", "LoRA"}
    assert table.loc["Learning rate", "second"] == "0.0003" and table.loc["LoRA", "second"] == "yes"
    assert table.loc["Epochs", "first"] == "2"
    assert list(table.index[:2]) == ["Training data", "Validation data"]  # the settings form's order


def test_compare_configs_keeps_same_named_runs_apart_and_shows_missing_settings():
    table = compare_configs([{"name": "run", "epochs": 2}, {"name": "run", "epochs": 2, "extra": 1}])
    assert list(table.columns) == ["run", "run (2)", "differs"]
    assert table.loc["Extra", "run"] == "—" and bool(table.loc["Extra", "differs"])
    assert not table.loc["Epochs", "differs"]
