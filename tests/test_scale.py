"""Big data: a stratified sample first, a bounded validation part, evaluation every N steps, and runs that end
cleanly with their best model after N steps or M minutes."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pandas as pd
import pytest

from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.store.runs import RunStore
from core.train.config import TrainConfig
from core.train.scale import capped_val_share, val_rows_for
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "bert")


@pytest.fixture(scope="module")
def three_to_one(tmp_path_factory) -> Path:
    """400 rows, three positive to one negative."""
    rng, rows = random.Random(2), []
    for i in range(400):
        label = "negative" if i % 4 == 0 else "positive"
        words = rng.sample(FILLER, 4) + rng.sample(NEGATIVE if label == "negative" else POSITIVE, 2)
        rows.append({"text": " ".join(words), "label": label})
    path = tmp_path_factory.mktemp("data") / "big.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def train(workspace: Path, **settings):
    store = RunStore(workspace)
    config = TrainConfig.from_preset("quick", **{"epochs": 2, "batch_size": 16, "learning_rate": 2e-3,
                                                 "max_length": 16, "seed": 3, **settings})
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    finished = execute(store, store.get(run.id))
    assert finished.status == "completed", finished.error
    return store, finished, json.loads((Path(finished.run_dir) / "results.json").read_text())


def test_the_validation_share_is_capped_unless_raised():
    assert capped_val_share(0.2, 300_000, 5_000) == pytest.approx(5_000 / 300_000)
    assert val_rows_for(0.2, 300_000, 5_000) == 5_000 and val_rows_for(0.2, 300_000, 0) == 60_000
    assert capped_val_share(0.2, 1_000, 5_000) == 0.2  # small data keeps its share


def test_a_sample_run_with_a_capped_validation_part_evaluates_every_n_steps_and_stops_at_max_steps(
        tmp_path, tiny_bert, three_to_one):
    store, run, results = train(tmp_path, data=str(three_to_one), model=str(tiny_bert), sample_rows=200,
                                val_max_rows=20, eval_every=2, max_steps=4)
    assert results["sampled_from"] == 400
    assert results["train_rows"] + results["val_rows"] == 200 and results["val_rows"] == 20
    assert results["ended_by"] == "max steps" and results["global_step"] == 4
    assert [p["step"] for p in store.metrics(run.id, "eval")] == [2, 4]
    assert (Path(run.run_dir) / "model" / "config.json").exists()  # a stopped-early run still keeps its best model
    rows = pd.read_csv(Path(run.run_dir) / "val_predictions.csv")
    assert (rows["label"] == "negative").sum() == 5  # the sample kept the labels' 1:3 shares


def test_a_time_budget_ends_the_run_cleanly_with_its_best_model(tmp_path, tiny_bert, three_to_one):
    _, run, results = train(tmp_path, data=str(three_to_one), model=str(tiny_bert), time_budget=0.001, epochs=4)
    assert results["ended_by"] == "time budget" and not results["stopped"]
    assert results["global_step"] < 4 * 20  # far fewer than four epochs of 20 steps
    assert "metrics" in results and (Path(run.run_dir) / "model" / "config.json").exists()


def test_the_train_page_offers_a_sample_first_when_the_run_is_long(empty_workspace, open_page, no_workers):
    from tests.pagetext import assert_no_error, messages
    from ui.state import load_choices, save_choices

    rng = random.Random(0)
    data = empty_workspace / "datasets" / "big.csv"
    data.parent.mkdir(parents=True)
    texts = [" ".join(rng.choice(FILLER + POSITIVE + NEGATIVE) for _ in range(30)) for _ in range(15_000)]
    pd.DataFrame({"text": texts, "label": ["positive", "negative"] * 7_500}).to_csv(data, index=False)
    choices = load_choices(empty_workspace)
    choices.config.data, choices.config.epochs = str(data), 100.0  # hours on any CPU
    save_choices(empty_workspace, choices)
    at = open_page("train").run()
    assert_no_error(at)
    assert "Try it on a sample of 5,000 rows first" in messages(at, "warning")
    at.button(key="big_try_sample").click().run()
    assert_no_error(at)
    assert load_choices(empty_workspace).config.sample_rows == 5_000
    assert "stratified sample of 5,000 rows" in messages(at, "info")
    at.button(key="big_use_all").click().run()
    assert load_choices(empty_workspace).config.sample_rows == 0


def test_the_label_table_reads_one_page_at_a_time(tmp_path):
    from core.data.texts import load_texts
    from core.labels.store import LabelStore

    path = tmp_path / "texts.csv"
    pd.DataFrame({"text": [f"text number {i}" for i in range(1_200)]}).to_csv(path, index=False)
    store = LabelStore(tmp_path / "workspace")
    project = store.create_project("paging", load_texts(path, "text", ""))
    second = store.rows(project.id, limit=501, offset=500)
    assert len(second) == 501 and second["text"].iloc[0] == "text number 500"
    assert store.rows(project.id, limit=501, offset=1_000)["text"].tolist()[-1] == "text number 1199"


def test_a_whole_file_is_labelled_in_chunks_straight_into_a_csv(finished_run_workspace, tmp_path, monkeypatch):
    from core.serve import batch_file
    from core.serve.batch_file import predict_to_csv
    from core.serve.predictor import Predictor

    monkeypatch.setattr(batch_file, "CHUNK", 400)  # the file's shape, at a test's size
    monkeypatch.setattr(batch_file, "PREVIEW", 500)

    run = RunStore(finished_run_workspace).list_runs()[0]
    predictor = Predictor(Path(run.run_dir) / "model", device="cpu")
    texts = [f"{w} film" for w in (POSITIVE + NEGATIVE) * 70][:1_000]
    seen = []
    preview, counts = predict_to_csv(predictor, texts, None, tmp_path / "out.csv", lambda d, n: seen.append((d, n)))
    assert seen == [(400, 1_000), (800, 1_000), (1_000, 1_000)]
    written = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")
    whole = predictor.predict_table(texts)
    assert len(written) == 1_000 and (written["predicted"] == whole["predicted"]).all()
    assert len(preview) == 500 and sum(counts.values()) == 1_000
