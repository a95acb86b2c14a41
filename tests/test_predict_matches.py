"""Answers outside training are the answers training reported: the run's own max length, the same numbers."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert

MAX_LENGTH = 16  # tokens; every text below is about twice as long


def write_long_texts(path: Path, rows: int = 160) -> Path:
    """Reviews of 28 words, the telling words anywhere: cut at 16 tokens, a text loses half of what it says."""
    rng = random.Random(4)
    texts, labels = [], []
    for i in range(rows):
        label = "positive" if i % 2 == 0 else "negative"
        words = rng.choices(FILLER, k=22) + rng.sample(POSITIVE if label == "positive" else NEGATIVE, 6)
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("short-run")
    model = build_tiny_bert(root / "bert")
    data = write_long_texts(root / "long.csv")
    store = RunStore(root / "workspace")
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=8, batch_size=16,
                                     learning_rate=2e-3, max_length=MAX_LENGTH, seed=3)
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    run = execute(store, store.get(run.id))
    assert run.status == "completed", run.error
    return root / "workspace", run


def test_the_texts_are_longer_than_the_runs_max_length(short_run):
    from transformers import AutoTokenizer

    _, run = short_run
    tokenizer = AutoTokenizer.from_pretrained(Path(run.run_dir) / "model")
    texts = pd.read_csv(Path(run.run_dir) / "val_predictions.csv")["text"].tolist()
    assert min(len(ids) for ids in tokenizer(texts, truncation=False)["input_ids"]) >= 2 * MAX_LENGTH - 2


def test_predict_on_the_validation_rows_reproduces_val_predictions_exactly(short_run, tmp_path, capsys):
    workspace, run = short_run
    reported = Path(run.run_dir) / "val_predictions.csv"
    out = tmp_path / "again.csv"
    assert main(["predict", "--run", run.id, "--data", str(reported), "--out", str(out),
                 "--workspace", str(workspace), "--json"]) == 0
    capsys.readouterr()
    before, again = pd.read_csv(reported), pd.read_csv(out, encoding="utf-8-sig")
    assert before["p(positive)"].nunique() > 10  # a model that answers each text its own way: the test can fail
    assert again["text"].tolist() == before["text"].tolist()
    assert again["predicted"].tolist() == before["predicted"].tolist()
    for column in ["confidence", "p(negative)", "p(positive)"]:
        assert again[column].tolist() == before[column].tolist(), column  # to the 4 decimals written


def test_evaluate_on_the_validation_rows_gives_the_scores_the_run_reported(short_run, capsys):
    workspace, run = short_run
    reported = Path(run.run_dir) / "val_predictions.csv"
    assert main(["evaluate", "--run", run.id, "--data", str(reported), "--label-column", "label",
                 "--text-column", "text", "--workspace", str(workspace), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["accuracy"] == run.results["metrics"]["accuracy"]
    assert scores["confusion_matrix"] == run.results["metrics"]["confusion_matrix"]


def test_the_saved_model_keeps_the_max_length_wherever_it_is_copied(short_run, tmp_path):
    from core.serve.predictor import Predictor

    _, run = short_run
    folder = Path(run.run_dir) / "model"
    assert Predictor(folder).max_length == MAX_LENGTH  # from the run's settings beside the folder
    copy = shutil.copytree(folder, tmp_path / "exported")
    assert Predictor(copy).max_length == MAX_LENGTH  # from the tokenizer the run saved
    assert Predictor(copy, max_length=32).max_length == 32
