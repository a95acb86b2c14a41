"""Quick and few-shot runs: refused at once for data they cannot learn (several labels, a score, pairs), their own
time estimate (texts to embed, SetFit's steps; recorded beside the real time), and an honest Resume."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.runs.runner import claim_device, create_run, resume_run
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, write_toy_csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
UNSUPPORTED = [("support_tickets_en.csv", "several labels per text"), ("rated_reviews_en.csv", "a number per text"),
               ("question_pairs_en.csv", "pairs of texts")]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("few-shot-limits") / "tiny-bert")


@pytest.mark.parametrize("method", ["quick", "few-shot"])
@pytest.mark.parametrize(("sample", "what"), UNSUPPORTED)
def test_the_command_line_refuses_data_quick_and_few_shot_cannot_learn_before_any_run(tmp_path, capsys, method,
                                                                                      sample, what):
    from core.cli import main

    workspace = tmp_path / "ws"
    assert main(["train", "--data", str(SAMPLES / sample), "--method", method, "--workspace", str(workspace)]) == 1
    said = capsys.readouterr().err.strip()
    assert what in said and "one label per single text" in said and "Choose the fine-tune method" in said
    assert len(said.splitlines()) == 1 and "Traceback" not in said
    assert RunStore(workspace).list_runs() == []  # refused before a run was even queued


def test_the_train_page_says_so_when_quick_is_picked_for_several_labels_and_start_refuses(empty_workspace,
                                                                                          open_page, no_workers):
    from tests.pagetext import messages, page_text
    from ui.state import load_choices, save_choices

    at = open_page("train").run()
    choices = load_choices(empty_workspace)
    choices.config.data, choices.config.text_column, choices.config.label_column = (
        str(SAMPLES / "support_tickets_en.csv"), "ticket", "tags")
    save_choices(empty_workspace, choices)
    at = open_page("train").run()
    assert "only a fine-tune learns" in page_text(at)  # the recommendation, before anything is picked
    at.radio(key="train_method").set_value("quick").run()
    assert "Quick model learns one label per single text" in messages(at, "warning")
    assert "choose Fine-tune" in messages(at, "warning")
    next(b for b in at.button if b.label in ("Start training", "Add to the queue")).click().run()
    assert not at.exception
    assert "several labels per text" in messages(at, "error")
    assert RunStore(empty_workspace).list_runs() == []
    choices = load_choices(empty_workspace)  # single labels: few-shot's own estimate, steps and texts, no epochs
    choices.config.data, choices.config.text_column, choices.config.label_column = (
        str(SAMPLES / "movie_reviews_en.csv"), None, None)
    choices.config.method = "few-shot"
    save_choices(empty_workspace, choices)
    at = open_page("train").run()
    assert "contrastive steps, then" in page_text(at) and "Epochs:" not in page_text(at)


def test_few_shot_time_is_its_contrastive_steps_and_quick_time_shrinks_with_cached_texts():
    from core.device import DeviceInfo
    from core.train.estimate import TokenStats
    from core.train.methods.method_estimate import contrastive_steps, method_estimate, pairs_per_text

    assert pairs_per_text(0, 16) == 20 and pairs_per_text(0, 128) < 20 and pairs_per_text(7, 128) == 7
    assert contrastive_steps(0, 16, 16) == 40  # SetFit's default at 8 per class on two labels
    cpu = DeviceInfo("cpu", "Test CPU", 16.0, 2, False)
    config, tokens = TrainConfig.from_preset("balanced", method="few-shot"), TokenStats(mean=20, longest=40)
    few = method_estimate("few-shot", 22_700_000, config, 16, 872, tokens, cpu)
    assert few.contrastive_steps == 40 and few.texts_to_embed == 16 + 872
    quick = method_estimate("quick", 22_700_000, config, 16, 872, tokens, cpu)
    assert quick.contrastive_steps == 0 and few.run_seconds()[0] > 2 * quick.run_seconds()[0]
    cached = method_estimate("quick", 22_700_000, config, 2000, 500, tokens, cpu, cached_texts=2000)
    fresh = method_estimate("quick", 22_700_000, config, 2000, 500, tokens, cpu)
    assert cached.texts_to_embed == 500 and cached.run_seconds()[1] < fresh.run_seconds()[1] / 2
    assert few.run_seconds() == few.run_seconds(99)  # epochs change nothing here


def start(store: RunStore, config: TrainConfig, stop_at_once: bool = False):
    from core.runs.worker import execute

    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    if stop_at_once:
        store.update(run.id, stop_requested=True)  # Stop pressed before the first step ends
    return execute(store, store.get(run.id))


def test_a_stopped_few_shot_run_says_resume_restarts_it_and_resume_finishes_it_with_its_estimate(tmp_path,
                                                                                                 tiny_bert,
                                                                                                 no_workers):
    from core.runs.worker import execute
    from ui.methods import stopped_note

    store = RunStore(tmp_path / "ws")
    config = TrainConfig.from_preset("quick", data=str(write_toy_csv(tmp_path / "toy.csv", rows=24)),
                                     model=str(tiny_bert), method="few-shot", max_length=16, few_shot_pairs=2,
                                     batch_size=4, logging_steps=1)
    run = start(store, config, stop_at_once=True)
    assert run.status == "stopped", run.error
    note = stopped_note(run)
    assert "keeps no checkpoint" in note and "starts it again from the beginning" in note and "about" in note
    resume_run(store, run.id)  # the Resume button's own call (no worker process here: this one trains it)
    assert claim_device(store, run.id, os.getpid())
    done = execute(store, store.get(run.id))
    assert done.status == "completed", done.error
    log = (Path(done.run_dir) / "log.txt").read_text()
    assert "keeps no checkpoint" in log and "starts again from the beginning" in log
    results = json.loads((Path(done.run_dir) / "results.json").read_text())
    estimate = results["estimate"]
    # 2 pairs per text, each a same-label and a different-label pair, in steps of 4: a step per training text
    assert estimate["contrastive_steps"] == results["global_step"] - 1 == results["train_rows"]
    assert estimate["low"] <= estimate["seconds"] <= estimate["high"] and results["seconds"]["total"] > 0
    assert results["encode_rate"] > 0 and results["contrastive_step_seconds"] > 0


def test_a_quick_run_records_its_estimate_and_the_next_one_is_estimated_from_it(tmp_path, tiny_bert):
    store = RunStore(tmp_path / "ws")
    config = TrainConfig.from_preset("quick", data=str(write_toy_csv(tmp_path / "toy.csv", rows=40)),
                                     model=str(tiny_bert), method="quick", max_length=16)
    first = start(store, config)
    assert first.status == "completed", first.error
    assert first.results["estimate"]["texts_to_embed"] == 40 and first.results["encode_rate"] > 0
    again = start(store, TrainConfig.from_dict({**config.to_dict(), "name": ""}))
    estimate = again.results["estimate"]
    assert estimate["basis"] == "run"  # the first run's measured speed
    assert estimate["texts_to_embed"] == 8  # the 32 training texts are cached: only the validation rows
