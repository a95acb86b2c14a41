"""The Label page: start from an unlabelled file, define the labels, label one text at a time (buttons,
undo, skip), edit many in a table, and hand the labels to training. Everything lands in the database at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.data.saved import SAMPLE_DIR
from core.data.texts import load_texts
from core.labels.store import LabelStore
from tests.pagetext import assert_no_error, messages, page_text
from ui.labelling import HANDOVER
from ui.state import load_choices, update_choices

UNLABELLED = SAMPLE_DIR / "unlabelled_feedback.txt"
LABELS = ["positive", "negative", "neutral"]


@pytest.fixture()
def project(empty_workspace) -> int:
    """A project of the 120 unlabelled feedback texts with three labels, as a user would have set it up."""
    store = LabelStore(empty_workspace)
    created = store.create_project("feedback", load_texts(UNLABELLED, "text", ""))
    for name in LABELS:
        store.add_label(created.id, name)
    return created.id


def button(at, label: str | None = None, key: str | None = None):
    return next(b for b in at.button if (label is None or b.label == label) and (key is None or b.key == key))


def label_button(at, name: str):
    return next(b for b in at.button if b.key and b.key.startswith("give-") and b.label == name)


def shown_text(at) -> str:
    caption = next(c.value for c in at.caption if c.value.startswith("Text ") and " of " in c.value)
    return caption


def test_a_fresh_workspace_starts_from_the_unlabelled_sample(empty_workspace, open_page):
    at = open_page("label").run()
    assert_no_error(at)
    assert "No labelling yet" in messages(at, "info")
    assert Path(at.selectbox[0].value) == UNLABELLED
    assert "120 texts, 0 of them already labelled" in page_text(at)
    button(at, "Start labelling").click().run()
    assert_no_error(at)
    projects = LabelStore(empty_workspace).list_projects()
    assert len(projects) == 1 and LabelStore(empty_workspace).progress(projects[0].id).total == 120
    assert "Started labelling" in messages(at, "success")
    assert "First type the labels" in messages(at, "info")  # the next step: define the labels


def test_labels_are_added_in_one_go_and_get_number_keys(empty_workspace, open_page):
    store = LabelStore(empty_workspace)
    project = store.create_project("feedback", load_texts(UNLABELLED, "text", "")).id
    at = open_page("label").run()
    next(x for x in at.text_input if x.label == "New labels").input("positive, negative， neutral")
    button(at, "Add").click().run()
    assert_no_error(at)
    assert store.label_set(project) == LABELS
    buttons = [b for b in at.button if b.key and b.key.startswith("give-")]
    assert [b.label for b in buttons] == LABELS
    assert [b.proto.shortcut for b in buttons] == ["1", "2", "3"]


def test_a_label_button_saves_at_once_and_moves_on(empty_workspace, project, open_page):
    at = open_page("label").run()
    assert_no_error(at)
    assert "0 of 120 labelled" in at.get("progress")[0].proto.text
    first = shown_text(at)
    label_button(at, "negative").click().run()
    assert_no_error(at)
    assert "1 of 120 labelled" in at.get("progress")[0].proto.text
    assert shown_text(at) != first  # the next text is up
    assert "Saved: text 1 is negative" in page_text(at)
    fresh = LabelStore(empty_workspace)  # as after a refresh or a server restart
    assert fresh.row(project, 0).label == "negative"
    assert fresh.progress(project).per_label["negative"] == 1


def test_undo_gives_the_text_back_without_its_label(empty_workspace, project, open_page):
    at = open_page("label").run()
    label_button(at, "positive").click().run()
    label_button(at, "neutral").click().run()
    assert LabelStore(empty_workspace).progress(project).labelled == 2
    button(at, key="undo").click().run()
    assert_no_error(at)
    assert "Undone: text 2 has no label again" in messages(at, "info")
    assert shown_text(at) == "Text 2 of 120"
    store = LabelStore(empty_workspace)
    assert store.row(project, 1).label is None and store.row(project, 0).label == "positive"


def test_skip_moves_on_without_a_label(empty_workspace, project, open_page):
    at = open_page("label").run()
    assert shown_text(at) == "Text 1 of 120"
    button(at, key="skip").click().run()
    assert shown_text(at) == "Text 2 of 120"
    assert LabelStore(empty_workspace).progress(project).labelled == 0


def test_two_tabs_label_different_texts_and_never_overwrite_each_other(empty_workspace, project, open_page):
    first, second = open_page("label").run(), open_page("label").run()
    assert shown_text(first) != shown_text(second)  # each tab holds its own text
    shown = int(shown_text(first).split()[1]) - 1
    LabelStore(empty_workspace).set_label(project, shown, "neutral", session="another tab")
    label_button(first, "positive").click().run()  # this tab had read the text before the other one labelled it
    assert not first.exception
    assert "Someone else labelled this text a moment ago as neutral" in messages(first, "warning")
    assert LabelStore(empty_workspace).row(project, shown).label == "neutral"
    label_button(first, "positive").click().run()  # choosing again replaces it, knowingly
    assert LabelStore(empty_workspace).row(project, shown).label == "positive"


def test_the_table_saves_edits_and_filters_by_search(empty_workspace, project, open_page):
    at = open_page("label")
    at.session_state["label_view"] = "Table"
    at.run()
    assert_no_error(at)
    table = at.dataframe[0]
    assert table.editing_mode == "fixed" and len(table.value) == 120
    at.session_state[f"label_table-{project}-0-all-None-"] = {
        "edited_rows": {0: {"label": "negative"}, 2: {"label": "positive"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    button(at, "Save changes (2)").click().run()
    assert_no_error(at)
    assert "Saved 2 labels" in messages(at, "success")
    store = LabelStore(empty_workspace)
    assert (store.row(project, 0).label, store.row(project, 2).label) == ("negative", "positive")
    next(x for x in at.text_input if x.label == "Texts containing").input("refund").run()
    texts = at.dataframe[0].value["text"].tolist()
    assert texts and all("refund" in text.lower() for text in texts)


def test_labelled_texts_go_to_training_in_one_click(empty_workspace, project, open_page):
    store = LabelStore(empty_workspace)
    store.bulk_set(project, {0: "positive", 1: "negative", 2: "negative"})
    at = open_page("label").run()
    assert "Label texts with at least two different labels" not in page_text(at)
    button(at, "Train on these 3 texts").click().run()
    assert_no_error(at)
    choices = load_choices(empty_workspace)
    assert (choices.config.text_column, choices.config.label_column) == ("text", "label")
    data = load_texts(choices.config.data, "text", "label")
    assert data.labels == ["positive", "negative", "negative"]
    downloads = [b.label for b in at.get("download_button")]
    assert downloads == ["CSV", "Excel"]


def test_the_data_page_hands_an_unlabelled_file_to_the_label_page(empty_workspace, open_page):
    update_choices(empty_workspace, data=str(UNLABELLED), text_column="text", label_column="")
    data = open_page("data").run()
    button(data, "Label these texts").click().run()
    assert not data.exception
    handed = data.session_state[HANDOVER]
    assert handed == (str(UNLABELLED), "text", "")
    # (inside app.py the button switches to the Label page, which finds the hand-over in the session)
    at = open_page("label")
    at.session_state[HANDOVER] = handed
    at.run()
    assert_no_error(at)
    projects = LabelStore(empty_workspace).list_projects()
    assert len(projects) == 1 and projects[0].source == str(UNLABELLED)
    assert "Started labelling unlabelled_feedback: 120 texts" in messages(at, "success")
    again = open_page("label")
    again.session_state[HANDOVER] = handed
    again.run()  # handing the same file over again opens its project, with the labels given so far
    assert len(LabelStore(empty_workspace).list_projects()) == 1
    assert "Opened unlabelled_feedback again" in messages(again, "success")


def test_a_partly_labelled_chinese_file_keeps_its_labels(empty_workspace, open_page, tmp_path):
    path = tmp_path / "评论.csv"
    path.write_text("评论,情感\n物流很快，包装也好,好评\n质量太差了,差评\n客服态度一般,\n", encoding="utf-8-sig")
    store = LabelStore(empty_workspace)
    project = store.create_project("评论", load_texts(path, "评论", "情感")).id
    at = open_page("label").run()
    assert_no_error(at)
    assert "2 of 3 labelled" in at.get("progress")[0].proto.text
    assert "客服态度一般" in page_text(at)  # the one text without a label is up
    label_button(at, "差评").click().run()
    assert LabelStore(empty_workspace).progress(project).done
    assert "Every text has a label" in messages(at, "success")


def test_user_text_is_shown_literally(empty_workspace, open_page, tmp_path):
    path = tmp_path / "tricky.csv"
    path.write_text('text\n"<b>**bold**</b> [link](javascript:alert(1))"\n', encoding="utf-8")
    store = LabelStore(empty_workspace)
    project = store.create_project("tricky", load_texts(path, "text", "")).id
    store.add_label(project, "<i>odd</i>")
    at = open_page("label").run()
    assert_no_error(at)
    assert "<b>**bold**</b> [link](javascript:alert(1))" in page_text(at)
    assert not any(getattr(m.proto, "allow_html", False) for m in at.markdown)


def test_the_latest_model_suggests_labels_and_the_least_sure_text_comes_first(finished_workspace, open_page):
    from core.labels.suggest import suggesting_run
    from core.serve.validation import validation_report
    from core.store.runs import RunStore

    run = RunStore(finished_workspace).list_runs(("completed",))[0]
    texts = validation_report(run.run_dir)["rows_table"]["text"].tolist()[:12]
    store = LabelStore(finished_workspace)
    project = store.create_project("new reviews", load_texts_of(texts, finished_workspace)).id
    store.add_label(project, "positive")
    assert suggesting_run(RunStore(finished_workspace), store.label_set(project)) is None  # it knows 'negative' too
    store.add_label(project, "negative")
    at = open_page("label").run()
    toggle = next(x for x in at.toggle if x.label.startswith("Suggestions from the model"))
    toggle.set_value(True).run()
    assert_no_error(at)
    suggestion = next(m.value for m in at.markdown if m.value.startswith("The model suggests"))
    highlighted = [b.label for b in at.button if b.key and b.key.startswith("give-") and b.proto.type == "primary"]
    assert len(highlighted) == 1 and f"**{highlighted[0]}**" in suggestion
    sure = {i: p for i, p in enumerate(predicted_confidences(run, texts))}
    shown = int(shown_text(at).split()[1]) - 1
    assert sure[shown] == min(sure.values())  # the text the model is least sure of
    label_button(at, "positive").click().run()
    assert_no_error(at)
    assert LabelStore(finished_workspace).row(project, shown).label == "positive"


def load_texts_of(texts: list[str], folder: Path):
    path = folder / "unlabelled reviews.csv"
    path.write_text("text\n" + "\n".join(texts) + "\n", encoding="utf-8")
    return load_texts(path, "text", "")


def predicted_confidences(run, texts: list[str]) -> list[float]:
    from core.serve.predictor import Predictor, run_model_folder
    from core.store.runs import RunStore

    predictor = Predictor(run_model_folder(RunStore(Path(run.run_dir).parents[1]), run.id))
    return predictor.predict_table(texts)["confidence"].tolist()


def test_the_texts_a_search_finds_are_labelled_at_once_and_undone_at_once(empty_workspace, project, open_page):
    at = open_page("label")
    at.session_state["label_view"] = "Table"
    at.run()
    assert not [b for b in at.button if b.label.startswith("Label all")]  # never all rows at once
    next(x for x in at.text_input if x.label == "Texts containing").input("refund").run()
    found = len(at.dataframe[0].value)
    next(s for s in at.selectbox if s.label == "Give every text shown the label").select("negative")
    button(at, f"Label all {found} shown").click().run()
    assert_no_error(at)
    store = LabelStore(empty_workspace)
    assert store.progress(project).per_label["negative"] == found
    button(at, key="undo").click().run()
    assert LabelStore(empty_workspace).progress(project).labelled == 0
