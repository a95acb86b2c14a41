"""The Train page: Start queues a run, the live view re-attaches from the store, Stop, Resume, failures."""

from __future__ import annotations

import os
import time

from core.runs.runner import create_run
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.pagetext import assert_no_error, messages, page_text
from ui.state import load_choices, save_choices


def start_button(at):
    return next(b for b in at.button if b.label in ("Start training", "Add to the queue"))


def test_start_on_a_fresh_workspace_queues_a_run_with_the_defaults(empty_workspace, open_page, no_workers):
    at = open_page("train").run()
    assert_no_error(at)
    assert "No training yet" in messages(at, "info")
    start_button(at).click().run()
    assert_no_error(at)
    runs = RunStore(empty_workspace).list_runs()
    assert len(runs) == 1 and runs[0].status == "queued"
    assert runs[0].config["model"] == "default" and runs[0].config["data"].endswith("movie_reviews_en.csv")
    assert runs[0].config["preset"] == "balanced"
    assert load_choices(empty_workspace).run_id == runs[0].id
    assert "Starting" in messages(at, "info")  # the live view shows the queued run
    assert [b for b in at.button if b.label == "Stop"]


def test_a_second_start_joins_the_queue(empty_workspace, open_page, no_workers):
    at = open_page("train").run()
    start_button(at).click().run()
    assert start_button(at).label == "Add to the queue"
    start_button(at).click().run()
    assert_no_error(at)
    assert len(RunStore(empty_workspace).list_runs(("queued",))) == 2
    assert "Waiting in the queue (1)" in page_text(at)


def test_settings_are_kept_and_bad_data_is_a_sentence_at_start(empty_workspace, open_page, no_workers):
    at = open_page("train").run()
    at.radio[0].set_value("quick").run()
    batch = next(n for n in at.number_input if n.label == "Batch size")
    batch.set_value(8).run()
    choices = load_choices(empty_workspace)
    assert choices.config.preset == "quick" and choices.config.changed_from_preset() == {"batch_size": 8}
    choices.config.data = str(empty_workspace / "missing.csv")
    save_choices(empty_workspace, choices)
    at = open_page("train").run()
    start_button(at).click().run()
    assert not at.exception
    assert "does not exist" in messages(at, "error")
    assert RunStore(empty_workspace).list_runs() == []


def test_a_running_training_shows_progress_and_stop_asks_it_to_stop(empty_workspace, open_page, no_workers,
                                                                  tmp_path):
    store = RunStore(empty_workspace)
    run = create_run(store, load_choices(empty_workspace).config)
    now = time.time()
    store.update(run.id, status="running", pid=os.getpid(), heartbeat=now, started_at=now - 30, global_step=10,
                 max_steps=40, epoch=0.75, device="Test CPU (8 GB)")
    for step in (5, 10):
        store.add_metrics(run.id, "train", step, step / 13, {"loss": 0.7 - step / 100, "samples_per_second": 12.5})
    at = open_page("train").run()  # a new tab, or a refresh: it finds the run in the store
    assert_no_error(at)
    assert at.get("progress") and "Step 10 of 40" in at.get("progress")[0].proto.text
    text = page_text(at)
    assert "Texts / second: 12.5" in text and "Test CPU (8 GB)" in text
    assert "Time left" in text and "min" in text  # 30 s for 10 steps: 30 steps left is 1 min 30 s
    assert len(at.get("plotly_chart")) == 1  # the loss; scores come after the first evaluation
    next(b for b in at.button if b.label == "Stop").click().run()
    assert store.get(run.id).stop_requested


def test_a_dead_worker_shows_interrupted_and_resume_queues_it_again(empty_workspace, open_page, no_workers):
    store = RunStore(empty_workspace)
    run = create_run(store, load_choices(empty_workspace).config)
    store.update(run.id, status="running", pid=2**22 + 12345, heartbeat=time.time(), started_at=time.time())
    at = open_page("train").run()
    assert not at.exception
    assert store.get(run.id).status == "interrupted"
    assert "ended unexpectedly" in messages(at, "error")
    next(b for b in at.button if b.label == "Resume").click().run()
    assert_no_error(at)
    assert store.get(run.id).status == "queued"


def test_a_failed_run_says_why_and_folds_its_log_away(empty_workspace, open_page, no_workers):
    store = RunStore(empty_workspace)
    run = create_run(store, load_choices(empty_workspace).config)
    store.update(run.id, status="failed", error="Training ran out of memory on Test GPU.", error_kind="out_of_memory",
                 error_fix="Lower the batch size (e.g. 8) and start again.", ended_at=time.time())
    (empty_workspace / "runs" / run.id / "log.txt").write_text("line one\nTraceback: something deep\n")
    at = open_page("train").run()
    assert not at.exception
    error = messages(at, "error")
    assert "ran out of memory" in error and "Lower the batch size" in error
    assert at.expander and any("log" in e.label for e in at.expander)
    assert "Traceback" not in page_text(at).replace(at.code[-1].value, "")  # only inside the folded log


def test_a_finished_run_shows_its_curves_and_scores(finished_workspace, open_page):
    at = open_page("train").run()
    assert_no_error(at)
    assert "Finished: the model labels" in messages(at, "success")
    assert "toy sentiment" in page_text(at)
    assert len(at.get("plotly_chart")) == 2  # loss, and accuracy with macro-F1
    assert not [b for b in at.button if b.label in ("Stop", "Resume")]


def test_a_finished_run_on_imbalanced_labels_says_how_it_weighed_them(finished_workspace, open_page):
    store = RunStore(finished_workspace)
    run = store.list_runs()[0]
    store.update(run.id, results={**run.results, "class_weights": {"negative": 0.96, "positive": 9.57}})
    at = open_page("train").run()
    assert_no_error(at)
    assert "Label weights in the training loss" in page_text(at) and "positive 9.57" in page_text(at)


def test_the_shown_config_matches_what_start_would_submit(empty_workspace):
    config = load_choices(empty_workspace).config
    assert isinstance(config, TrainConfig) and config.text_column == "text" and config.label_column == "label"
    config.validate()


def test_remote_code_is_no_setting_of_the_page_only_the_servers(empty_workspace, open_page, no_workers, monkeypatch):
    monkeypatch.delenv("STUDIO_TRUST_REMOTE_CODE", raising=False)
    choices = load_choices(empty_workspace)
    choices.config.trust_remote_code = True  # saved by an older version that had a toggle
    save_choices(empty_workspace, choices)
    at = open_page("train").run()
    assert_no_error(at)
    widgets = [w.label for kind in ("toggle", "checkbox", "number_input", "selectbox") for w in getattr(at, kind)]
    assert widgets and not [label for label in widgets if "remote" in label.lower()]
    assert "STUDIO_TRUST_REMOTE_CODE=1" in page_text(at)  # the page says how to allow it
    start_button(at).click().run()
    assert RunStore(empty_workspace).list_runs()[0].config["trust_remote_code"] is False
    monkeypatch.setenv("STUDIO_TRUST_REMOTE_CODE", "1")  # whoever started the server allowed it
    at = open_page("train").run()
    assert "was started with STUDIO_TRUST_REMOTE_CODE=1" in page_text(at).replace("`", "")
    start_button(at).click().run()
    assert_no_error(at)
    assert [r.config["trust_remote_code"] for r in RunStore(empty_workspace).list_runs()] == [True, False]


def test_the_train_page_says_how_many_texts_the_presets_max_length_cuts(empty_workspace, open_page, no_workers):
    import pandas as pd

    long = " ".join(["the acting was quite good and the story kept me watching until the end"] * 8)  # ~120 tokens
    texts = [long] * 10 + ["a short and happy film"] * 30
    data = empty_workspace / "datasets" / "long.csv"
    data.parent.mkdir(parents=True)
    pd.DataFrame({"text": texts, "label": ["positive", "negative"] * 20}).to_csv(data, index=False)
    choices = load_choices(empty_workspace)
    choices.config.data = str(data)
    save_choices(empty_workspace, choices)
    at = open_page("train").run()
    assert_no_error(at)
    assert "longer than" not in page_text(at)  # balanced keeps 128 tokens: nothing is cut
    at.radio[0].set_value("quick").run()
    assert_no_error(at)
    assert "10 of the 40 texts are longer than 64 tokens and will be cut" in page_text(at)
