"""Several labels per text: read from separated cells, JSON lists or 0/1 columns, trained with sigmoid outputs and
per-label thresholds, answered and scored as sets of labels. The end-to-end test on the packaged model covers
multi-label and regression together (one training each on the sample files)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
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
from tests.pagetext import assert_no_error, page_text
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert
from ui.i18n import t

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def write_tagged(path: Path, rows: int = 200, separator: str = ";") -> Path:
    """'up' when a text holds a happy word, 'down' when it holds a sad one: none, one or both."""
    rng = random.Random(5)
    texts, tags = [], []
    for i in range(rows):
        up, down = i % 2 == 0, i % 3 == 0
        words = rng.sample(FILLER, 3) + (rng.sample(POSITIVE, 2) if up else []) + (rng.sample(NEGATIVE, 2) if down
                                                                                   else [])
        rng.shuffle(words)
        texts.append(" ".join(words))
        tags.append(separator.join([t for t, on in (("up", up), ("down", down)) if on]))
    pd.DataFrame({"text": texts, "tags": tags}).to_csv(path, index=False)
    return path


def _frame_file(tmp_path: Path, name: str, **columns) -> Path:
    path = tmp_path / name
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("separator", [";", "|", ",", "，", "、"])
def test_separated_labels_are_read_as_several_and_the_reason_names_the_separator(tmp_path, separator):
    cells = [f"物流{separator}质量", "物流", f"价格{separator}客服{separator}物流", "质量", "客服"] * 4
    path = _frame_file(tmp_path, "t.csv", text=[f"工单 {i}" for i in range(20)], labels=cells)
    data = load_task_texts(path)
    assert data.task == "multi-label" and f"separated by '{separator}'" in data.task_reason
    assert data.label_sets[2] == ["价格", "客服", "物流"]


def test_json_lists_and_zero_one_columns_and_an_explicit_choice(tmp_path):
    path = _frame_file(tmp_path, "j.csv", text=[f"t {i}" for i in range(6)],
                       label=['["a", "b"]', '["b"]', "[]", '["a"]', '["c", "a"]', '["b"]'])
    data = load_task_texts(path)
    assert data.task == "multi-label" and "JSON" in data.task_reason and data.label_sets[2] == []
    path = _frame_file(tmp_path, "c.csv", text=[f"t {i}" for i in range(6)], A=[1, 0, 1, 0, 1, 1],
                       B=[0, 0, 1, 1, 0, 1], C=[0] * 6)
    chosen = load_task_texts(path, label_columns="A,B,C")
    assert chosen.label_sets[:3] == [["A"], [], ["A", "B"]] and chosen.label_columns == ["A", "B", "C"]
    found = load_task_texts(path)  # detected: the columns holding 0 and 1 (C is never 1, so not a label column)
    assert found.task == "multi-label" and found.label_columns == ["A", "B"]
    one = load_task_texts(_frame_file(tmp_path, "s.csv", text=["x y"] * 6, label=["a;b", "a"] * 3),
                          task="single-label")
    assert getattr(one, "task", "single-label") == "single-label"
    with pytest.raises(DataError) as err:
        load_task_texts(_frame_file(tmp_path, "bad.csv", text=["a", "b", "c"], A=[1, 0, "maybe"], B=[0, 1, 1]),
                        label_columns="A,B")
    assert "row 4" in err.value.message and "'maybe'" in err.value.message


def test_plain_labels_with_a_comma_in_a_sentence_stay_single(tmp_path):
    labels = ["positive", "negative", "mixed, mostly good", "positive", "negative"] * 10
    data = load_task_texts(_frame_file(tmp_path, "p.csv", text=[f"t {i}" for i in range(50)], label=labels))
    assert getattr(data, "task", "single-label") == "single-label"


def test_the_data_check_counts_labels_and_names_the_task_problems(tmp_path):
    path = _frame_file(tmp_path, "c.csv", text=[f"ticket number {i}" for i in range(12)], 物流=[1] * 12,
                       质量=[1, 0] * 6, 价格=[0] * 12, 客服=[0, 0, 1] * 4)
    report = build_report(load_task_texts(path, label_columns="物流,质量,价格,客服"))
    assert report.task == "multi-label" and report.label_columns == ["物流", "质量", "价格", "客服"]
    assert report.label_counts == {"客服": 4, "物流": 12, "质量": 6}
    codes = {p.code: p for p in report.problems}
    assert "'价格'" in codes["labels_never_used"].message
    assert "'物流'" in codes["label_on_every_row"].message
    assert "one_label" not in codes and "imbalance" not in codes  # single-label counting does not apply
    report = build_report(load_task_texts(_frame_file(tmp_path, "n.csv", text=[f"t {i}" for i in range(8)],
                                                      tags=["a;b", "", "a", "b", "", "a;b", "a", "b"])))
    assert report.task_details["no_label_rows"] == 2 and "no_label_rows" in {p.code for p in report.problems}


def test_a_tiny_multi_label_run_saves_thresholds_and_answers_sets_of_labels(tmp_path, capsys, monkeypatch,
                                                                           open_page):
    import torch

    torch.manual_seed(0)
    model = build_tiny_bert(tmp_path / "bert")
    data = write_tagged(tmp_path / "tags.csv")
    store = RunStore(tmp_path / "ws")
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=6, batch_size=16,
                                     learning_rate=3e-3, max_length=16, seed=3)
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    run = execute(store, store.get(run.id))
    assert run.status == "completed", run.error
    folder = Path(run.run_dir) / "model"
    results = json.loads((Path(run.run_dir) / "results.json").read_text())
    assert results["task"] == "multi-label" and results["labels"] == ["down", "up"]
    thresholds = json.loads((folder / "thresholds.json").read_text())
    assert set(thresholds) == {"down", "up"} and results["metrics"]["thresholds"] == thresholds
    assert json.loads((folder / "config.json").read_text())["problem_type"] == "multi_label_classification"
    assert {"micro_f1", "macro_f1", "subset_accuracy", "per_class"} <= set(results["metrics"])
    saved = pd.read_csv(Path(run.run_dir) / "val_predictions.csv", keep_default_na=False)
    assert list(saved.columns) == ["text", "label", "predicted", "confidence", "p(down)", "p(up)"]
    predictor = Predictor(folder)
    row = saved.iloc[0]
    answer = predictor.predict(row["text"])
    assert answer.probabilities["up"] == pytest.approx(row["p(up)"], abs=1e-4)
    assert answer.labels == [n for n in ("down", "up") if answer.probabilities[n] >= thresholds[n]]
    assert "; ".join(answer.labels) == row["predicted"]
    ws = ["--workspace", str(tmp_path / "ws"), "--run", run.id, "--json"]
    assert main(["predict", *ws, "--text", row["text"]]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["labels"] == answer.labels and set(out["probabilities"]) == {"down", "up"}
    assert main(["evaluate", *ws, "--data", str(data)]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert {"micro_f1", "macro_f1", "per_class", "thresholds"} <= set(report) and report["rows"] == 200
    assert report["per_class"]["up"]["support"] == 100
    script, card = predict_script(run.run_dir), model_card(run.run_dir)  # the zip says how plain transformers answers
    assert "top_k=None" in script and "thresholds.json" in script and "Micro F1" in card and "thresholds.json" in card
    # the pages: Evaluate's per-label table, Try's bars with the thresholds and the labels given
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    at = open_page("evaluate").run()
    assert_no_error(at, "evaluate")
    assert "Each label" in page_text(at) and any(m.label == "Micro-F1" for m in at.metric)
    at = open_page("try").run()
    at.text_input[0].input(row["text"]).run()
    assert_no_error(at, "try")
    shown = "; ".join(answer.labels) or "(no label)"
    assert f"## {shown}" in page_text(at) and "threshold" in page_text(at)
    from core.runs.history import best_scores  # the Runs table: its final macro-F1, scored on validation rows

    assert best_scores(store, store.get(run.id))["macro_f1"] == pytest.approx(results["metrics"]["macro_f1"])
    at = open_page("runs").run()
    assert_no_error(at, "runs")
    assert at.dataframe[0].value.iloc[0][t("runs.col.scored_on")] == t("runs.on.validation")


def test_the_data_page_shows_the_detected_task_and_counts_per_label(empty_workspace, open_page):
    at = open_page("data").run()
    sample = next(o for o in at.selectbox[0].options if "support_tickets_zh" in o)
    at.selectbox[0].set_value(sample).run()
    assert_no_error(at, "data")
    text = page_text(at)
    assert "Several labels per text" in text and "separated by '、'" in text
    assert any("物流" in json.loads(c.proto.spec)["data"][0]["x"] for c in at.get("plotly_chart"))  # counts per label


def test_packaged_model_learns_tags_and_scores_end_to_end(tmp_path):
    """The built-in MiniLM on slices of the two sample files: held-out micro-F1 and Spearman well above chance,
    and both saved folders answer the same in plain transformers, in a fresh process."""
    import pandas as pd

    store = RunStore(tmp_path / "ws")
    folders, metrics = {}, {}
    for name, rows, settings in (("support_tickets_en.csv", 120, {"learning_rate": 3e-4, "epochs": 3}),
                                 ("rated_reviews_en.csv", 120, {"learning_rate": 3e-4, "epochs": 3})):
        part = tmp_path / name
        table = pd.read_csv(SAMPLES / name, encoding="utf-8-sig", dtype=str)
        table.head(rows).to_csv(part, index=False)
        config = TrainConfig.from_preset("quick", data=str(part), max_length=32, batch_size=16, seed=1,
                                         test_fraction=0.25, val_fraction=0.15, **settings)
        run = create_run(store, config)
        assert claim_device(store, run.id, os.getpid())
        run = execute(store, store.get(run.id))
        assert run.status == "completed", run.error
        folders[name] = Path(run.run_dir) / "model"
        metrics[name] = json.loads((Path(run.run_dir) / "results.json").read_text())["test_metrics"]
    # chance: always answering every tag gives micro-F1 about 0.5 on these tickets; Spearman 0 for guessing
    assert metrics["support_tickets_en.csv"]["micro_f1"] > 0.7, metrics["support_tickets_en.csv"]
    assert metrics["rated_reviews_en.csv"]["spearman"] > 0.6, metrics["rated_reviews_en.csv"]
    text = "The parcel went missing and nobody from support replies to my messages."
    review = "Absolutely brilliant, I love it."
    tags, score = Predictor(folders["support_tickets_en.csv"]), Predictor(folders["rated_reviews_en.csv"])
    plain = ("import sys, json; from transformers import pipeline\n"
             "tags = pipeline('text-classification', model=sys.argv[1], top_k=None)(sys.argv[3])\n"
             "score = pipeline('text-classification', model=sys.argv[2], function_to_apply='none')(sys.argv[4])\n"
             "print(json.dumps([tags, score]))")
    done = subprocess.run([sys.executable, "-c", plain, str(folders["support_tickets_en.csv"]),
                           str(folders["rated_reviews_en.csv"]), text, review], capture_output=True, text=True,
                          check=True)
    plain_tags, plain_score = json.loads(done.stdout.splitlines()[-1])
    plain_tags = plain_tags[0] if plain_tags and isinstance(plain_tags[0], list) else plain_tags
    ours = tags.predict(text).probabilities
    assert {d["label"]: round(d["score"], 4) for d in plain_tags} == pytest.approx(ours, abs=1e-3)
    plain_score = plain_score[0] if isinstance(plain_score, list) else plain_score
    assert plain_score["score"] == pytest.approx(score.predict(review).value, abs=1e-3)  # the scale is folded in
    assert score.predict(review).value > score.predict("Broke the first time I used it.").value
