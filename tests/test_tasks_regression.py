"""A number per text: a score column told from class ids, read (text in it named by row), trained on normalised
targets with the scale folded back into the saved model, answered and scored as numbers."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from core.data.check import build_report
from core.data.task_texts import load_task_texts
from core.errors import DataError
from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.serve.export import predict_script
from core.serve.model_card import model_card
from core.serve.predictor import Predictor
from core.store.runs import RunStore
from core.train.config import TrainConfig
from core.train.task_metrics import regression_report
from tests.pagetext import assert_no_error, page_text
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert


def write_scored(path: Path, rows: int = 160) -> Path:
    """The score is 1 plus the number of happy words (0 to 4), so it goes from 1 to 5."""
    rng = random.Random(7)
    texts, scores = [], []
    for i in range(rows):
        happy = i % 5
        words = rng.sample(FILLER, 3) + rng.sample(POSITIVE, happy) + rng.sample(NEGATIVE, 4 - happy)
        rng.shuffle(words)
        texts.append(" ".join(words))
        scores.append(1 + happy)
    pd.DataFrame({"text": texts, "rating": scores}).to_csv(path, index=False)
    return path


def _file(tmp_path: Path, **columns) -> Path:
    path = tmp_path / "f.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def test_a_score_column_is_told_from_class_ids_and_says_why(tmp_path):
    texts = [f"review {i}" for i in range(40)]
    rated = load_task_texts(_file(tmp_path, text=texts, rating=[1 + i % 5 for i in range(40)]))
    assert rated.task == "regression" and "named like a score" in rated.task_reason and rated.scores[:3] == [1, 2, 3]
    classes = load_task_texts(_file(tmp_path, text=texts, label=[1 + i % 4 for i in range(40)]))
    assert getattr(classes, "task", "single-label") == "single-label"  # 1..4 under 'label': topic ids
    fractions = load_task_texts(_file(tmp_path, text=texts, similarity=[f"{(i * 37 % 100) / 20:.2f}"
                                                                        for i in range(40)]))
    assert fractions.task == "regression" and fractions.label_column == "similarity"
    forced = load_task_texts(_file(tmp_path, text=texts, label=[1 + i % 4 for i in range(40)]), task="regression")
    assert forced.task == "regression"


def test_text_in_a_score_column_is_one_sentence_naming_its_rows(tmp_path):
    scores = ["4", "5", "great", "3", "2", "1", "n/a", "4"]
    with pytest.raises(DataError) as err:
        load_task_texts(_file(tmp_path, text=[f"t {i}" for i in range(8)], rating=scores), task="regression")
    assert "rows 4, 8" in err.value.message and "'great'" in err.value.message and "--task" in err.value.fix
    assert main(["inspect-data", str(tmp_path / "f.csv"), "--task", "regression"]) == 1  # one sentence, exit 1


def test_the_data_check_draws_the_scores_not_classes(tmp_path):
    path = _file(tmp_path, text=[f"some review number {i}" for i in range(30)], stars=[1 + i % 5 for i in range(30)])
    report = build_report(load_task_texts(path))
    assert report.task == "regression" and report.label_counts == {}
    histogram = report.task_details["histogram"]
    assert histogram["edges"] == [1, 2, 3, 4, 5] and histogram["counts"] == [6] * 5
    assert not [p for p in report.problems if p.code in ("small_classes", "imbalance", "one_label")]


def test_regression_scores():
    report = regression_report([1, 2, 3, 4], [1.5, 2, 3, 3.5])
    assert report["mae"] == pytest.approx(0.25) and report["spearman"] == pytest.approx(1.0)
    assert report["r2"] == pytest.approx(1 - 0.5 / 5) and regression_report([1, 2], [3, 3])["pearson"] is None


def test_a_tiny_regression_run_answers_in_the_scores_own_units(tmp_path, capsys, monkeypatch, open_page):
    import torch

    torch.manual_seed(0)
    model = build_tiny_bert(tmp_path / "bert")
    data = write_scored(tmp_path / "scores.csv")
    store = RunStore(tmp_path / "ws")
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=4, batch_size=16,
                                     learning_rate=3e-3, max_length=16, seed=3)
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    run = execute(store, store.get(run.id))
    assert run.status == "completed", run.error
    results = json.loads((Path(run.run_dir) / "results.json").read_text())
    assert results["task"] == "regression" and results["labels"] == ["rating"]
    mean, std = results["target_scale"]
    assert mean == pytest.approx(3.0, abs=0.2) and std == pytest.approx(1.41, abs=0.1)
    saved_config = json.loads((Path(run.run_dir) / "model" / "config.json").read_text())
    assert saved_config["problem_type"] == "regression" and saved_config["target_scale"]["folded"]
    assert {"mae", "rmse", "pearson", "spearman", "r2"} <= set(results["metrics"])
    saved = pd.read_csv(Path(run.run_dir) / "val_predictions.csv")
    assert list(saved.columns) == ["text", "label", "predicted", "error"]
    assert saved["predicted"].between(0, 6).all()  # in the ratings' units, not normalised ones
    predictor = Predictor(Path(run.run_dir) / "model")
    row = saved.iloc[0]
    assert predictor.predict(row["text"]).value == pytest.approx(row["predicted"], abs=1e-3)
    ws = ["--workspace", str(tmp_path / "ws"), "--run", run.id, "--json"]
    assert main(["predict", *ws, "--text", row["text"]]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["value"] == pytest.approx(row["predicted"], abs=1e-3)
    assert main(["evaluate", *ws, "--data", str(data)]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert {"mae", "rmse", "pearson", "spearman", "r2"} <= set(report) and report["rows"] == 160
    from fastapi.testclient import TestClient

    from core.serve.service import create_app

    served = TestClient(create_app(predictor, {"run_id": run.id})).post("/predict", json={"texts": [row["text"]]})
    assert served.json()["predictions"][0]["value"] == pytest.approx(row["predicted"], abs=1e-3)  # the service too
    script, card = predict_script(run.run_dir), model_card(run.run_dir)  # the zip says how plain transformers answers
    assert "function_to_apply=\"none\"" in script and "function_to_apply=\"none\"" in card and "Spearman" in card
    # the pages: Evaluate's scores and scatter, Try's number on the scores' scale
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    at = open_page("evaluate").run()
    assert_no_error(at, "evaluate")
    assert "The largest errors" in page_text(at) and any(m.label == "Spearman" for m in at.metric)
    at = open_page("try").run()
    at.text_input[0].input(row["text"]).run()
    assert_no_error(at, "try")
    assert f"## {row['predicted']:.2f}" in page_text(at) and "from 1 to 5" in page_text(at)
