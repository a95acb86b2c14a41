"""The Data page: the sample preselected, columns, the data doctor and its one-click fixes, validation."""

from __future__ import annotations

from pathlib import Path

from core.data.saved import DEFAULT_SAMPLE
from tests.pagetext import assert_no_error, messages, page_text
from ui.state import load_choices, save_choices

DIRTY = """text,label
What a wonderful film,positive
What a wonderful film,positive
A dull and empty story,negative
,positive
Great acting all round,Positive
Terrible plot and worse acting,negative
Lovely photography,positive
Boring from start to end,negative
A joy to watch,positive
Not worth the ticket,negative
"""


def test_the_sample_dataset_is_chosen_and_checked_on_first_start(empty_workspace, open_page):
    at = open_page("data").run()
    assert_no_error(at)
    assert Path(at.selectbox[0].value) == DEFAULT_SAMPLE
    assert at.selectbox[1].value == "text" and at.selectbox[2].value == "label"
    assert len(at.dataframe) == 1
    text = page_text(at)
    assert "Rows: 303" in text and "Labels: 2" in text
    assert len(at.get("plotly_chart")) == 2  # label distribution and text lengths


def test_the_data_doctor_finds_problems_and_a_click_saves_a_cleaned_copy(empty_workspace, open_page):
    folder = empty_workspace / "datasets"
    folder.mkdir(parents=True)
    (folder / "dirty.csv").write_text(DIRTY)
    at = open_page("data").run()
    dirty = next(o for o in at.selectbox[0].options if o.startswith("dirty.csv"))
    at.selectbox[0].select(dirty).run()
    assert not at.exception
    assert len(at.error) == 1 and "too few rows to learn from" in messages(at, "error")  # ten rows: expected
    warnings = messages(at, "warning")
    assert "blank text" in warnings and "repeat" in warnings and "more than one way" in warnings
    next(b for b in at.button if b.label == "Drop the blank rows").click().run()
    assert not at.exception and len(at.error) == 1
    chosen = Path(load_choices(empty_workspace).config.data)
    assert chosen.name == "dirty-clean.csv" and chosen.parent == folder
    assert "Saved a cleaned copy" in messages(at, "success")
    assert "blank text" not in messages(at, "warning")
    next(b for b in at.button if b.label == "Merge the spellings").click().run()
    assert "more than one way" not in messages(at, "warning")
    merged = Path(load_choices(empty_workspace).config.data)
    assert merged.name == "dirty-clean-2.csv" and chosen.exists()  # each fix a new copy; nothing is lost
    assert "Positive" not in merged.read_text()


def test_no_label_column_is_said_in_a_sentence(empty_workspace, open_page):
    at = open_page("data").run()
    at.selectbox[2].select("").run()
    assert not at.exception
    assert "no label" in messages(at, "error").lower()
    assert load_choices(empty_workspace).config.label_column == ""


def test_the_validation_share_is_kept(empty_workspace, open_page):
    at = open_page("data").run()
    at.slider[0].set_value(30).run()
    assert_no_error(at)
    assert load_choices(empty_workspace).config.val_fraction == 0.3
    assert "rows to learn from" in page_text(at)


def test_a_missing_file_is_a_sentence_not_a_traceback(empty_workspace, open_page):
    empty_workspace.mkdir(parents=True, exist_ok=True)
    (empty_workspace / "ui_state.json").write_text('{"dataset": "/no/such/file.csv"}')
    at = open_page("data").run()
    assert not at.exception
    assert "no longer there" in messages(at, "error")


def test_the_data_page_works_in_a_workspace_with_a_finished_run(finished_workspace, open_page):
    at = open_page("data").run()
    assert_no_error(at)
    assert at.dataframe


def test_the_length_chart_marks_the_max_length_of_the_chosen_preset(empty_workspace, open_page):
    import pandas as pd

    story = "the acting was quite good and the story kept me watching until the end of it"
    texts = [" ".join([story] * (1 + i % 6)) for i in range(40)]  # about 18 to 110 tokens
    data = empty_workspace / "datasets" / "long.csv"
    data.parent.mkdir(parents=True)
    pd.DataFrame({"text": texts, "label": ["positive", "negative"] * 20}).to_csv(data, index=False)
    for preset, mark in (("quick", "max length 64"), ("balanced", "max length 128")):
        choices = load_choices(empty_workspace)
        choices.config = choices.config.with_preset(preset)
        choices.config.data = str(data)
        save_choices(empty_workspace, choices)
        at = open_page("data").run()
        assert_no_error(at)
        lengths = next(c for c in at.get("plotly_chart") if "Text lengths" in c.proto.spec)
        assert mark in lengths.proto.spec
