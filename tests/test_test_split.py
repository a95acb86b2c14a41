"""A run with a test part: the rows kept apart are scored once, after training, and reported as the score."""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from tests.pagetext import assert_no_error, messages, page_text
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert


def write_unique_toy_csv(path: Path, rows: int, seed: int = 0) -> Path:
    """Toy sentiment rows whose texts all differ, so the parts can be told apart by their texts."""
    rng = random.Random(seed)
    texts, labels = [], []
    while len(texts) < rows:
        label = "positive" if len(texts) % 2 == 0 else "negative"
        words = rng.sample(FILLER, 4) + rng.sample(POSITIVE if label == "positive" else NEGATIVE, 2)
        rng.shuffle(words)
        if " ".join(words) not in texts:
            texts.append(" ".join(words))
            labels.append(label)
    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "bert")


def train(capsys, workspace: Path, *flags: str) -> dict:
    """`python -m core train ... --json`, in this process; the JSON it printed."""
    code = main(["train", "--workspace", str(workspace), "--preset", "quick", "--epochs", "3", "--batch-size", "16",
                 "--learning-rate", "2e-3", "--max-length", "16", "--seed", "3", "--json", *flags])
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0, payload
    return payload


@pytest.fixture(scope="module")
def split_run(tmp_path_factory, tiny_bert):
    """A workspace with one run that kept 20% of 150 rows apart as test rows; the CLI's JSON and the data."""
    root = tmp_path_factory.mktemp("split-run")
    data = write_unique_toy_csv(root / "toy.csv", rows=150)
    out = io.StringIO()  # a module fixture cannot take capsys
    with contextlib.redirect_stdout(out):
        code = main(["train", "--workspace", str(root / "ws"), "--preset", "quick", "--epochs", "6", "--batch-size",
                     "16", "--learning-rate", "2e-3", "--max-length", "16", "--seed", "3", "--json", "--data",
                     str(data), "--model", str(tiny_bert), "--test-fraction", "0.2"])
    payload = json.loads(out.getvalue().strip().splitlines()[-1])
    assert code == 0, payload
    return root / "ws", payload, data


def test_a_test_share_is_kept_apart_scored_after_training_and_printed(split_run):
    _, payload, data = split_run
    run_dir = Path(payload["run_dir"])
    results = json.loads((run_dir / "results.json").read_text())
    assert results["test_rows"] == 30 and results["val_rows"] == 30 and results["train_rows"] == 90
    test_metrics = results["test_metrics"]
    assert set(test_metrics) == set(results["metrics"])  # the same shape as the validation scores
    assert test_metrics["rows"] == 30 and sum(map(sum, test_metrics["confusion_matrix"])) == 30
    assert payload["test_metrics"]["accuracy"] == test_metrics["accuracy"]
    assert payload["test_metrics"]["macro_f1"] == test_metrics["macro_f1"]
    val = pd.read_csv(run_dir / "val_predictions.csv")
    test = pd.read_csv(run_dir / "test_predictions.csv")
    assert list(test.columns) == list(val.columns) and len(test) == 30
    assert (test["label"] == test["predicted"]).mean() == pytest.approx(test_metrics["accuracy"])
    all_texts = set(pd.read_csv(data)["text"])
    train_texts = all_texts - set(val["text"]) - set(test["text"])
    assert not set(test["text"]) & set(val["text"]) and len(train_texts) == 90
    assert json.loads((run_dir / "config.json").read_text())["test_fraction"] == 0.2


def test_the_evaluate_page_shows_the_test_rows_first_and_says_which_rows_it_scores(split_run, open_page,
                                                                                   monkeypatch):
    workspace, payload, _ = split_run
    monkeypatch.setenv("STUDIO_WORKSPACE", str(workspace))
    at = open_page("evaluate").run()
    assert_no_error(at)
    source = next(r for r in at.radio if r.label == "Measure it on")
    assert source.options == ["its test texts", "its validation texts", "another labelled file"]
    text = page_text(at)
    assert "The 30 test texts, kept apart" in text and "Scores on the test texts" in text
    assert f"Accuracy: {payload['test_metrics']['accuracy']:.1%}" in text
    source.set_value("validation").run()
    assert_no_error(at)
    assert "Scores on the validation texts" in page_text(at) and "a little optimistic" in page_text(at)


def test_the_runs_and_train_pages_report_the_test_score(split_run, open_page, monkeypatch):
    workspace, payload, _ = split_run
    monkeypatch.setenv("STUDIO_WORKSPACE", str(workspace))
    at = open_page("runs").run()
    assert_no_error(at)
    row = at.dataframe[0].value.iloc[0]
    assert row["Accuracy"] == pytest.approx(payload["test_metrics"]["accuracy"]) and row["Scored on"] == "test"
    at = open_page("train").run()
    assert_no_error(at)
    assert "on the 30 test texts" in messages(at, "success")


def test_the_data_page_keeps_a_test_share_apart_for_large_data_only(empty_workspace, open_page):
    from ui.state import load_choices

    folder = empty_workspace / "datasets"
    folder.mkdir(parents=True)
    big = write_unique_toy_csv(folder / "big.csv", rows=1_000)
    at = open_page("data").run()
    assert at.slider[1].label == "Test share" and at.slider[1].value == 0  # the small sample: every row is needed
    at.selectbox[0].set_value(big).run()
    assert_no_error(at)
    assert load_choices(empty_workspace).config.test_fraction == pytest.approx(0.1)
    assert at.slider[1].value == 10
    assert "700 rows to learn from, 200 to measure on, 100 kept apart" in page_text(at)
    at.slider[1].set_value(0).run()
    assert load_choices(empty_workspace).config.test_fraction == 0.0


def test_a_test_file_is_scored_and_a_run_without_one_has_no_test_scores(tmp_path, tiny_bert, capsys):
    data = write_unique_toy_csv(tmp_path / "toy.csv", rows=120, seed=1)
    test_file = write_unique_toy_csv(tmp_path / "held back.csv", rows=20, seed=2)
    payload = train(capsys, tmp_path / "ws", "--data", str(data), "--model", str(tiny_bert),
                    "--test-data", str(test_file))
    results = json.loads((Path(payload["run_dir"]) / "results.json").read_text())
    assert results["test_rows"] == 20 and results["train_rows"] + results["val_rows"] == 120
    assert results["test_metrics"]["rows"] == 20 and payload["test_metrics"]
    plain = train(capsys, tmp_path / "ws", "--data", str(data), "--model", str(tiny_bert), "--epochs", "1")
    results = json.loads((Path(plain["run_dir"]) / "results.json").read_text())
    assert results["test_rows"] == 0 and "test_metrics" not in results
    assert plain["test_metrics"] == {}
    assert not (Path(plain["run_dir"]) / "test_predictions.csv").exists()
