"""Pairs of texts (sentence1/sentence2, question1/question2, 句子1/句子2): found, trained, answered, checked."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.data.check import build_report
from core.data.texts import load_texts
from core.errors import DataError
from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.serve.evaluate import evaluate
from core.serve.export import predict_script
from core.serve.model_card import model_card
from core.serve.predictor import Predictor
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert


def write_pairs(path: Path, rows: int = 160, first: str = "sentence1", second: str = "sentence2") -> Path:
    """The label is the second text's mood; the first text's mood is random, so it alone tells nothing."""
    rng = random.Random(1)
    data = {first: [], second: [], "label": []}
    for i in range(rows):
        moods = [rng.random() < 0.5, i % 2 == 0]
        texts = [" ".join(rng.sample(FILLER, 2) + rng.sample(POSITIVE if m else NEGATIVE, 2)) for m in moods]
        data[first].append(texts[0])
        data[second].append(texts[1])
        data["label"].append("yes" if moods[1] else "no")
    pd.DataFrame(data).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("names", [("sentence1", "sentence2"), ("question1", "question2"), ("text_a", "text_b"),
                                   ("premise", "hypothesis"), ("query", "passage"), ("句子1", "句子2")])
def test_pair_columns_are_found_by_their_names(tmp_path, names):
    data = load_texts(write_pairs(tmp_path / "p.csv", 12, *names))
    assert (data.text_column, data.text_pair_column, data.label_column) == (*names, "label")
    assert len(data.text_pairs) == 12 and data.text_pairs[0]


def test_single_texts_stay_single(tmp_path):
    pd.DataFrame({"text": ["a", "b"], "title": ["x", "y"], "label": ["p", "n"]}).to_csv(tmp_path / "s.csv",
                                                                                      index=False)
    data = load_texts(tmp_path / "s.csv")
    assert data.text_pairs is None and data.text_pair_column is None


def test_a_blank_second_side_is_a_plain_sentence_and_no_row_is_lost(tmp_path):
    path = write_pairs(tmp_path / "p.csv", 20)
    frame = pd.read_csv(path)
    frame.loc[[2, 5], "sentence2"] = ""
    frame.to_csv(path, index=False)
    data = load_texts(path)
    assert len(data) == 20 and data.text_pairs[2] == ""
    problem = next(p for p in build_report(data).problems if p.code == "blank_pairs")
    assert problem.count == 2 and "2 rows have a blank second text ('sentence2')" in problem.message
    frame["sentence2"] = ""
    frame.to_csv(path, index=False)
    assert load_texts(path).text_pairs is None  # an empty column is not a pair column
    with pytest.raises(DataError, match="blank in every row"):
        load_texts(path, text_pair_column="sentence2")


def test_a_pair_run_trains_answers_and_evaluates_with_both_texts(tmp_path, monkeypatch, open_page):
    import torch

    torch.manual_seed(0)
    model = build_tiny_bert(tmp_path / "bert")
    data = write_pairs(tmp_path / "pairs.csv", 240)
    store = RunStore(tmp_path / "ws")
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=8, batch_size=16,
                                     learning_rate=3e-3, max_length=24, seed=3)
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    run = execute(store, store.get(run.id))
    assert run.status == "completed", run.error
    results = json.loads((Path(run.run_dir) / "results.json").read_text())
    assert results["text_pair_column"] == "sentence2"
    assert results["metrics"]["accuracy"] > 0.8  # the first text alone tells nothing: the second was read
    saved = pd.read_csv(Path(run.run_dir) / "val_predictions.csv")
    assert list(saved.columns[:3]) == ["text", "text_pair", "label"]
    predictor = Predictor(Path(run.run_dir) / "model")
    assert predictor.pairs
    row = saved.iloc[0]
    answer = predictor.predict(row["text"], row["text_pair"])
    assert answer.to_dict()["text_pair"] == row["text_pair"]
    assert answer.probabilities[answer.label] == pytest.approx(row[f"p({answer.label})"], abs=1e-4)
    report = evaluate(predictor, load_texts(data))
    assert list(report["rows_table"].columns[:3]) == ["text", "text_pair", "label"]
    assert report["accuracy"] > 0.75
    cli = [sys.executable, "-m", "core", "predict", "--workspace", str(tmp_path / "ws"), "--run", run.id, "--json",
           "--text", row["text"], "--text-pair", row["text_pair"]]
    out = json.loads(subprocess.run(cli, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
    assert out["text_pair"] == row["text_pair"] and out["label"] == answer.label
    # the folder answers pairs in plain transformers, in a fresh process; the zip's predict.py takes two texts
    plain = ("import sys, json; from transformers import pipeline; c = pipeline('text-classification', "
             "model=sys.argv[1]); print(json.dumps(c({'text': sys.argv[2], 'text_pair': sys.argv[3]})))")
    done = subprocess.run([sys.executable, "-c", plain, str(Path(run.run_dir) / "model"), row["text"],
                           row["text_pair"]], capture_output=True, text=True, check=True)
    plain_answer = json.loads(done.stdout.splitlines()[-1])
    plain_answer = plain_answer[0] if isinstance(plain_answer, list) else plain_answer
    assert plain_answer["label"] == answer.label
    assert plain_answer["score"] == pytest.approx(answer.confidence, abs=1e-3)
    assert '"text_pair"' in predict_script(run.run_dir) and "text_pair" in model_card(run.run_dir)
    # Try: two boxes, named by the run's columns, and an answer once both hold text
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    at = open_page("try").run()
    assert not at.exception and [a.label for a in at.text_area] == ["sentence1", "sentence2"]
    at.text_area[0].input(row["text"])
    at.text_area[1].input(row["text_pair"]).run()
    assert not at.exception and any(m.value == f"## {answer.label}" for m in at.markdown)
    # example pairs from the validation rows, every label among them; a click fills both boxes and answers
    pairs = [b for b in at.button if (b.key or "").startswith("pair_example-")]
    shown = {(r["text"], r["text_pair"]): r["label"] for _, r in saved.iterrows()}
    assert len(pairs) >= 2
    pairs[-1].click().run()
    first, second = at.text_area[0].value, at.text_area[1].value
    assert not at.exception and shown.get((first, second)) is not None  # a whole validation pair, not its start
    clicked = predictor.predict(first, second)
    assert any(m.value == f"## {clicked.label}" for m in at.markdown)
    from ui.try_examples import pair_examples

    labels_shown = {shown[(a, b)] for a, b in pair_examples(run.run_dir)}
    assert labels_shown == set(saved["label"].astype(str))


def test_the_data_page_shows_the_pairs_of_the_sample(empty_workspace, open_page):
    at = open_page("data").run()
    sample = next(o for o in at.selectbox[0].options if "question_pairs" in o)
    at.selectbox[0].set_value(next(v for v in at.selectbox[0].options if v == sample)).run()
    assert not at.exception and not at.error
    pickers = {box.label: box.value for box in at.selectbox}
    assert pickers["Second text column (pairs)"] == "question2"
    assert any("question1" in c.value and "question2" in c.value for c in at.caption)


def test_packaged_model_tells_duplicate_questions_from_different_ones_end_to_end(tmp_path):
    """The built-in MiniLM on the sample question pairs: held-out accuracy well above chance (half the pairs are
    duplicates), beating the single-text baseline, and the saved folder answers pairs alike in plain transformers."""
    samples = Path(__file__).resolve().parents[1] / "sample_data"
    store = RunStore(tmp_path / "ws")
    config = TrainConfig.from_preset("quick", data=str(samples / "question_pairs_en.csv"), max_length=48, seed=1,
                                     test_fraction=0.2)
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    run = execute(store, store.get(run.id))
    assert run.status == "completed", run.error
    results = json.loads((Path(run.run_dir) / "results.json").read_text())
    assert results["text_pair_column"] == "question2" and results["test_rows"] >= 100
    assert results["test_metrics"]["accuracy"] > 0.8, results["test_metrics"]
    assert results["test_metrics"]["accuracy"] > results["baseline_metrics"]["accuracy"] + 0.2
    predictor = Predictor(Path(run.run_dir) / "model")
    pairs = [("How long do eggs last in the fridge?", "When do eggs in the fridge go bad?"),
             ("How long do eggs last in the fridge?", "Do I need a visa to visit Japan?")]
    assert predictor.predict(*pairs[1]).label == "different"
    plain = ("import sys, json; from transformers import pipeline; c = pipeline('text-classification', "
             "model=sys.argv[1], top_k=None); print(json.dumps([c({'text': a, 'text_pair': b}) "
             "for a, b in json.loads(sys.argv[2])]))")
    done = subprocess.run([sys.executable, "-c", plain, str(Path(run.run_dir) / "model"), json.dumps(pairs)],
                          capture_output=True, text=True, check=True)
    for (first, second), answers in zip(pairs, json.loads(done.stdout.splitlines()[-1]), strict=True):
        ours = predictor.predict(first, second).probabilities
        assert {a["label"]: a["score"] for a in answers} == pytest.approx(ours, abs=1e-3)
