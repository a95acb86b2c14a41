"""Long texts: the truncation choice (head, tail, head+tail) in training and in every answer, and sliding windows."""

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
from core.train.long_texts import encode, set_truncation, truncation_of
from tests.tiny import FILLER, NEGATIVE, POSITIVE, build_tiny_bert


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    import torch

    torch.manual_seed(0)
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "bert")


@pytest.fixture(scope="module")
def verdict_at_the_end(tmp_path_factory) -> Path:
    """Reviews whose only telling word is the last one, after ten words of filler."""
    rng, rows = random.Random(1), []
    for i in range(120):
        label = "positive" if i % 2 == 0 else "negative"
        words = [rng.choice(FILLER) for _ in range(10)] + [rng.choice(POSITIVE if i % 2 == 0 else NEGATIVE)]
        rows.append({"text": " ".join(words), "label": label})
    path = tmp_path_factory.mktemp("data") / "verdicts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def words_of(tokenizer, ids: list[int]) -> list[str]:
    return tokenizer.convert_ids_to_tokens(ids)


def test_each_choice_keeps_its_part_of_a_long_text(tiny_bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    text = "good " * 4 + "the " * 12 + "bad " * 4
    kept = {}
    for mode in ("head", "tail", "head+tail"):
        set_truncation(tokenizer, mode)
        ids = encode(tokenizer, [text, "nice film"], None, 10)["input_ids"]
        kept[mode] = words_of(tokenizer, ids[0])
        assert len(ids[0]) == 10 and words_of(tokenizer, ids[1]) == ["[CLS]", "nice", "film", "[SEP]"]
    assert kept["head"] == ["[CLS]", "good", "good", "good", "good", "the", "the", "the", "the", "[SEP]"]
    assert kept["tail"] == ["[CLS]", "the", "the", "the", "the", "bad", "bad", "bad", "bad", "[SEP]"]
    # a quarter of the 8 tokens from the start, the rest from the end
    assert kept["head+tail"] == ["[CLS]", "good", "good", "the", "the", "bad", "bad", "bad", "bad", "[SEP]"]


def test_the_choice_is_saved_with_the_tokenizer(tiny_bert, tmp_path):
    from transformers import AutoTokenizer

    for mode in ("tail", "head+tail"):
        tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
        set_truncation(tokenizer, mode)
        tokenizer.save_pretrained(tmp_path / mode)
        assert truncation_of(AutoTokenizer.from_pretrained(tmp_path / mode)) == mode
    assert truncation_of(AutoTokenizer.from_pretrained(tiny_bert)) == "head"


def train(workspace: Path, **settings):
    store = RunStore(workspace)
    config = TrainConfig.from_preset("quick", **{"epochs": 6, "batch_size": 16, "learning_rate": 3e-3,
                                                 "max_length": 8, "seed": 3, **settings})
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    return execute(store, store.get(run.id))


def test_tail_learns_a_verdict_that_head_cuts_off_and_predict_agrees(tmp_path, tiny_bert, verdict_at_the_end):
    from core.serve.predictor import Predictor

    head = train(tmp_path / "head", data=str(verdict_at_the_end), model=str(tiny_bert))
    tail = train(tmp_path / "tail", data=str(verdict_at_the_end), model=str(tiny_bert), truncation="tail")
    assert head.status == tail.status == "completed", (head.error, tail.error)
    scores = {}
    for run in (head, tail):
        results = json.loads((Path(run.run_dir) / "results.json").read_text())
        scores[results["truncation"]] = results["metrics"]["accuracy"]
        assert results["val_rows"] == 24
    assert scores["tail"] > 0.9 and scores["head"] < 0.75  # the last word decides; head never sees it
    # Try, files and predict cut as training did: the saved answers come back to the last digit
    predictor = Predictor(Path(tail.run_dir) / "model", device="cpu")
    rows = pd.read_csv(Path(tail.run_dir) / "val_predictions.csv")
    again = predictor.predict_table(rows["text"].tolist())
    assert (again["predicted"] == rows["predicted"]).all()
    assert again["confidence"].tolist() == pytest.approx(rows["confidence"].tolist(), abs=1e-4)


def tiny_classifier(tiny_bert: Path, folder: Path) -> Path:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=2,
                                                               id2label={0: "negative", 1: "positive"},
                                                               label2id={"negative": 0, "positive": 1})
    model.save_pretrained(folder, safe_serialization=True)
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(folder)
    return folder


def test_windows_average_the_answers_of_every_part_of_a_long_text(tiny_bert, tmp_path):
    from core.serve.predictor import Predictor
    from core.serve.windows import Windowed

    predictor = Predictor(tiny_classifier(tiny_bert, tmp_path / "clf"), max_length=8, device="cpu")
    words = [w for _ in range(3) for w in ("good", "the", "film", "bad", "sad", "plot")]  # 18 one-token words
    text = " ".join(words)
    by_six = Windowed(predictor, stride=6).probabilities([text, "nice film"])
    parts = predictor.probabilities([" ".join(words[i:i + 6]) for i in (0, 6, 12)])
    expected = [sum(p[j] for p in parts) / 3 for j in range(2)]
    assert by_six[0] == pytest.approx(expected, abs=1e-6)
    assert by_six[1] == pytest.approx(predictor.probabilities(["nice film"])[0], abs=1e-6)  # short: one window
    overlapping = Windowed(predictor, stride=3).probabilities([text])[0]  # windows at 0, 3, ..., 12: five of them
    parts = predictor.probabilities([" ".join(words[i:i + 6]) for i in (0, 3, 6, 9, 12)])
    assert overlapping == pytest.approx([sum(p[j] for p in parts) / 5 for j in range(2)], abs=1e-6)
    assert Windowed(predictor, stride=6).predict(text).probabilities["positive"] == pytest.approx(expected[1], abs=1e-4)


def test_try_reads_a_long_text_in_windows_when_switched_on(finished_workspace, open_page):
    from core.serve.predictor import Predictor
    from core.serve.windows import Windowed
    from tests.pagetext import assert_no_error, page_text

    run = RunStore(finished_workspace).list_runs()[0]
    text = " ".join(["the film was quite boring and bad"] * 3 + ["a lovely great wonderful story"] * 6)
    at = open_page("try").run()
    at.toggle(key="try_windows").set_value(True).run()
    assert_no_error(at)
    stride = at.number_input(key="try_stride").value
    assert stride == 7  # half of the run's 16 tokens less [CLS] and [SEP]
    at.text_input[0].input(text).run()
    assert_no_error(at)
    whole = Windowed(Predictor(Path(run.run_dir) / "model", device="cpu"), stride).predict(text)
    assert f"## {whole.label}" in page_text(at)


def test_the_exported_predict_py_reads_long_texts_in_windows_as_the_studio_does(finished_run_workspace, tmp_path):
    import subprocess
    import sys

    pytest.importorskip("onnxruntime")
    from core.serve.onnx_export import export_onnx
    from core.serve.onnx_predict import OnnxPredictor
    from core.serve.predictor import Predictor
    from core.serve.windows import Windowed

    run = RunStore(finished_run_workspace).list_runs()[0]
    export_onnx(run.run_dir, "none", tmp_path)
    text = " ".join(["the film was quite boring and bad"] * 3 + ["a lovely great wonderful story"] * 6)
    studio = Windowed(Predictor(Path(run.run_dir) / "model", device="cpu"), 5).probabilities([text])[0]
    onnx = OnnxPredictor(tmp_path)
    onnx.window_stride = 5
    assert onnx.probabilities([text])[0] == pytest.approx(studio, abs=1e-4)
    alone = subprocess.run([sys.executable, str(tmp_path / "predict.py"), "--window-stride", "5", text],
                           capture_output=True, text=True, check=True, cwd=tmp_path)
    answer = json.loads(alone.stdout.strip().splitlines()[-1])
    assert max(answer["probabilities"].values()) == pytest.approx(max(studio), abs=1e-3)
