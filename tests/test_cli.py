"""The command line end to end, on the real packaged MiniLM-L6 and the project's sample data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import shared_dataset

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"


def run_cli(*args: str, workspace: Path, ok: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "core", *args, "--workspace", str(workspace)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    if ok:
        assert out.returncode == 0, out.stderr[-3000:]
    return out


def last_json(out: subprocess.CompletedProcess) -> dict:
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained_en(tmp_path_factory):
    """The quick preset on the English sample, with the real built-in model."""
    workspace = tmp_path_factory.mktemp("ws")
    out = run_cli("train", "--data", str(SAMPLES / "movie_reviews_en.csv"), "--preset", "quick", "--epochs", "3",
                  "--json", workspace=workspace)
    return workspace, last_json(out)


@pytest.mark.slow
def test_quick_training_on_english_reviews_beats_chance_by_far(trained_en):
    _, result = trained_en
    assert result["status"] == "completed"
    assert result["metrics"]["accuracy"] >= 0.75, result["metrics"]
    assert set(result["metrics"]["per_class"]) == {"negative", "positive"}


@pytest.mark.slow
def test_pipeline_round_trip_answers_with_the_users_labels(trained_en):
    from transformers import pipeline

    _, result = trained_en
    classify = pipeline("text-classification", model=str(Path(result["run_dir"]) / "model"))
    answers = classify(["An absolute joy from start to finish, I loved it.",
                        "A dull, lifeless mess that wasted two hours of my life."])
    assert [a["label"] for a in answers] == ["positive", "negative"]


@pytest.mark.slow
def test_predict_and_evaluate_through_the_cli(trained_en, tmp_path):
    workspace, result = trained_en
    one = last_json(run_cli("predict", "--run", result["run_id"], "--text", "I loved every minute of it.", "--json",
                            workspace=workspace))
    assert one["label"] == "positive" and set(one["probabilities"]) == {"negative", "positive"}
    assert abs(sum(one["probabilities"].values()) - 1) < 1e-3
    out_csv = tmp_path / "predictions.csv"
    batch = last_json(run_cli("predict", "--run", result["run_id"], "--data", str(SAMPLES / "movie_reviews_en.csv"),
                              "--out", str(out_csv), "--json", workspace=workspace))
    table = pd.read_csv(out_csv)
    assert batch["rows"] == len(table) == 303
    assert {"text", "predicted", "confidence", "p(negative)", "p(positive)"} <= set(table.columns)
    report = last_json(run_cli("evaluate", "--run", result["run_id"], "--data", str(SAMPLES / "movie_reviews_en.csv"),
                               "--json", workspace=workspace))
    assert report["accuracy"] > 0.8 and report["labels"] == ["negative", "positive"]
    assert sum(map(sum, report["confusion_matrix"])) == 303


@pytest.mark.slow
def test_chinese_reviews_with_chinese_columns_train_and_keep_chinese_labels(tmp_path):
    result = last_json(run_cli("train", "--data", str(SAMPLES / "product_reviews_zh.csv"), "--preset", "quick",
                               "--epochs", "1", "--json", workspace=tmp_path))
    assert result["status"] == "completed"
    assert set(result["metrics"]["per_class"]) == {"好评", "差评"}


def test_inspect_data_json(tmp_path):
    report = last_json(run_cli("inspect-data", str(SAMPLES / "product_reviews_zh.csv"), "--json",
                               workspace=tmp_path))
    assert report["rows"] == 300
    assert (report["text_column"], report["label_column"]) == ("评论", "情感")
    assert report["label_counts"] == {"好评": 150, "差评": 150}
    assert report["language"] == "zh"
    assert any("Chinese" in p["message"] for p in report["problems"]), "an English-only model on Chinese text"


def test_models_lists_the_built_in_model_first(tmp_path):
    models = last_json(run_cli("models", "--json", workspace=tmp_path))["models"]
    assert models[0]["id"] == "default" and models[0]["ready"]


@pytest.mark.parametrize("args, sentence", [
    (["train", "--data", "nope.csv"], "does not exist"),
    (["train", "--data", str(SAMPLES / "movie_reviews_en.csv"), "--epochs", "0"], "Epochs must be at least"),
    (["train", "--data", str(SAMPLES / "movie_reviews_en.csv"), "--label-column", "stars"], "stars"),
    (["predict", "--run", "nope", "--text", "hi"], "There is no run called 'nope'."),
])
def test_user_errors_exit_1_with_one_plain_sentence(tmp_path, args, sentence):
    out = run_cli(*args, workspace=tmp_path, ok=False)
    assert out.returncode == 1
    assert sentence in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_sms_spam_file_from_shared_datasets_trains(tmp_path):
    sms = shared_dataset("sms_spam/SMSSpamCollection")
    sample = tmp_path / "sms.tsv"
    lines = sms.read_text(encoding="utf-8").splitlines()
    sample.write_text("\n".join(lines[:600]) + "\n", encoding="utf-8")
    result = last_json(run_cli("train", "--data", str(sample), "--preset", "quick", "--epochs", "1", "--json",
                               workspace=tmp_path))
    assert result["status"] == "completed"
    assert result["metrics"]["accuracy"] > 0.9
