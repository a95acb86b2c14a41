"""The Model page: the catalogue as cards, choosing a model, the Hub box offline, and will-it-fit."""

from __future__ import annotations

import json

from core.device import DeviceInfo
from core.store.runs import RunStore
from tests.pagetext import assert_no_error, messages, page_text
from ui.state import load_choices, save_choices


def test_a_newcomer_sees_the_built_in_model_ready_and_already_chosen(empty_workspace, open_page):
    at = open_page("model").run()
    assert_no_error(at)
    text = page_text(at)
    assert "MiniLM-L6 (built in)" in text and "Ready now" in text and "In use" in text
    assert "New here?" in text  # the way straight to Train
    assert not [b for b in at.button if b.label == "Use this model"]  # already the chosen one
    assert {m.label for m in at.metric} >= {"Memory needed", "Time per epoch"}
    assert "It fits on" in messages(at, "success")


def test_a_hub_id_that_cannot_be_downloaded_is_one_plain_sentence(empty_workspace, open_page, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    at = open_page("model").run()
    at.text_input[0].input("someone/not-in-the-cache").run()
    next(b for b in at.button if b.label == "Fetch and use").click().run()
    assert not at.exception
    assert "offline" in messages(at, "error")
    assert load_choices(empty_workspace).config.model == "default"  # the choice did not change


def test_a_model_that_does_not_fit_offers_one_click_fixes(empty_workspace, open_page, monkeypatch):
    import core.device

    # the estimate counts the sample's real tokens (short reviews), so 256 of them need a GPU smaller than 2 GB
    monkeypatch.setattr(core.device, "describe_device", lambda: DeviceInfo("cuda", "Toy GPU", 1.0, 4, None))
    choices = load_choices(empty_workspace)
    choices.config.batch_size, choices.config.max_length = 256, 512
    save_choices(empty_workspace, choices)
    at = open_page("model").run()
    assert not at.exception
    assert "out-of-memory" in messages(at, "error")
    fix = next(b for b in at.button if b.key and b.key.startswith("fix-"))
    assert "batch size" in fix.label.lower()
    fix.click().run()
    assert_no_error(at)
    assert load_choices(empty_workspace).config.batch_size < 256


def test_the_estimate_uses_the_speed_measured_by_a_finished_run(finished_workspace, open_page):
    run = RunStore(finished_workspace).list_runs()[0]
    choices = load_choices(finished_workspace)
    choices.config.model, choices.config.data = run.config["model"], run.config["data"]
    choices.config = choices.config.with_preset("quick")
    choices.config.max_length = run.config["max_length"]
    save_choices(finished_workspace, choices)
    at = open_page("model").run()
    assert_no_error(at)
    text = page_text(at)
    assert f"measured on run {run.id}" in text
    assert "In use" in text  # the chosen local folder gets a card of its own


def test_the_page_speaks_chinese(empty_workspace, open_page):
    (empty_workspace).mkdir(parents=True, exist_ok=True)
    (empty_workspace / "ui_state.json").write_text(json.dumps({"language": "zh"}))
    at = open_page("model").run()
    assert_no_error(at)
    assert at.title[0].value == "选择模型"
    assert "可以直接用" in page_text(at)
