"""The Label page for every task: check boxes for several labels per text (number keys tick them, Enter saves),
a slider for a number per text (a word in the table is refused), both texts of a pair, the task taken over from
the file when a project starts, and Enter accepting a suggestion.
"""

from __future__ import annotations

from pathlib import Path

from core.data.saved import SAMPLE_DIR
from core.data.task_texts import load_task_texts, task_of
from core.data.texts import load_texts
from core.labels.store import LabelStore
from tests.pagetext import assert_no_error, messages, page_text
from ui.label_tasks import TICKED, UNTICKED
from ui.state import load_choices

TAGS = ["billing", "shipping", "quality"]


def button(at, label: str | None = None, key: str | None = None):
    return next(b for b in at.button if (label is None or b.label == label) and (key is None or b.key == key))


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def test_several_labels_are_ticked_saved_at_once_and_handed_to_training(empty_workspace, open_page, tmp_path):
    path = write(tmp_path, "tickets.txt", "The parcel came late and I was charged twice\nIt broke\nAll fine\n")
    store = LabelStore(empty_workspace)
    project = store.create_project("tickets", load_texts(path, "text", ""), task="multi-label").id
    for name in TAGS:
        store.add_label(project, name)
    at = open_page("label").run()
    assert_no_error(at)
    boxes = [button(at, key=f"tick-{i}") for i in range(3)]
    assert [b.label for b in boxes] == TAGS and [b.proto.shortcut for b in boxes] == ["1", "2", "3"]
    assert {b.proto.icon for b in boxes} == {UNTICKED}
    boxes[0].click().run()
    button(at, key="tick-1").click().run()  # as the number key 2 does
    button(at, key="tick-2").click().run()
    button(at, key="tick-2").click().run()  # ticked and unticked again
    assert [button(at, key=f"tick-{i}").proto.icon for i in range(3)] == [TICKED, TICKED, UNTICKED]
    save = button(at, key="save-ticked")
    assert save.label == "Save 2 ticked and next" and save.proto.shortcut.lower() == "enter"
    save.click().run()
    assert_no_error(at)
    assert LabelStore(empty_workspace).row(project, 0).label == '["billing", "shipping"]'
    assert "Saved: text 1 is billing; shipping" in page_text(at)
    assert "Text 2 of 3" in page_text(at)
    assert {button(at, key=f"tick-{i}").proto.icon for i in range(3)} == {UNTICKED}  # a fresh text
    button(at, key="save-ticked").click().run()  # nothing ticked: none of these labels
    assert LabelStore(empty_workspace).row(project, 1).label == "[]"
    assert "billing · 1" in page_text(at) and "none of the labels · 1" in page_text(at)
    button(at, key="undo").click().run()
    assert LabelStore(empty_workspace).row(project, 1).label is None
    LabelStore(empty_workspace).set_label(project, 2, ["quality"])
    at.run()
    button(at, "Train on these 2 texts").click().run()
    assert_no_error(at)
    config = load_choices(empty_workspace).config
    assert (config.task, config.label_separator) == ("multi-label", ";")
    assert task_of(load_task_texts(config.data)) == "multi-label"


def test_a_number_is_saved_from_the_slider_and_a_word_in_the_table_is_refused(empty_workspace, open_page, tmp_path):
    path = write(tmp_path, "rated.csv", "review,rating\nAwful,1\nFine,3\nLovely,5\nSo-so,\nNot bad,\n")
    data = load_task_texts(path)
    assert task_of(data) == "regression"
    store = LabelStore(empty_workspace)
    project = store.create_project("rated", data).id
    at = open_page("label").run()
    assert_no_error(at)
    assert "So-so" in page_text(at)
    slider = next(s for s in at.slider if s.key and s.key.startswith("label_score-"))
    assert (slider.min, slider.max, slider.value) == (1.0, 5.0, 3.0)  # the scores' range, in whole steps
    assert [button(at, key=f"score-key-{v}").proto.shortcut for v in range(1, 6)] == ["1", "2", "3", "4", "5"]
    button(at, key="score-key-2").click().run()  # as the number key 2 does
    assert next(s for s in at.slider if s.key == slider.key).value == 2.0
    slider = next(s for s in at.slider if s.key == slider.key)
    slider.set_value(4.0).run()
    assert "Keys: 1–5 set the score" in page_text(at)
    save = button(at, key="save-score")
    assert save.proto.shortcut.lower() == "enter"
    save.click().run()
    assert_no_error(at)
    assert LabelStore(empty_workspace).row(project, 3).label == "4"
    assert "Saved: text 4 is 4" in page_text(at)
    at.session_state["label_view"] = "Table"
    at.run()
    key = f"label_table-{project}-0-all-None-"
    at.session_state[key] = {"edited_rows": {0: {"label": "2"}, 4: {"label": "great"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    button(at, "Save changes (2)").click().run()
    assert not at.exception
    assert "Text 5 holds 'great', which is not a number, so nothing was saved" in messages(at, "error")
    store = LabelStore(empty_workspace)
    assert (store.row(project, 0).label, store.row(project, 4).label) == ("1", None)  # nothing half-saved
    at.session_state[key] = {"edited_rows": {0: {"label": "2"}, 4: {"label": "2.5"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    button(at, "Save changes (2)").click().run()
    assert_no_error(at)
    assert (store.row(project, 0).label, store.row(project, 4).label) == ("2", "2.5")


def test_a_pair_shows_both_texts_marked(empty_workspace, open_page, tmp_path):
    path = write(tmp_path, "pairs.csv", "question1,question2,label\nHow do I boil an egg?,What is the way to boil "
                                        "eggs?,duplicate\nWhere is Paris?,How tall is Everest?,\n")
    store = LabelStore(empty_workspace)
    project = store.create_project("pairs", load_texts(path)).id
    store.add_label(project, "different")
    at = open_page("label").run()
    assert_no_error(at)
    text = page_text(at)
    assert "Text A" in text and "Text B" in text
    assert "Where is Paris?" in text and "How tall is Everest?" in text
    button(at, "different").click().run()
    assert LabelStore(empty_workspace).row(project, 1).label == "different"
    at.session_state["label_view"] = "Table"
    at.run()
    assert at.dataframe[0].value["text_pair"].tolist() == ["What is the way to boil eggs?", "How tall is Everest?"]


def test_a_project_started_from_a_multi_label_file_takes_its_task(empty_workspace, open_page):
    at = open_page("label").run()
    next(s for s in at.selectbox if s.label == "File").select(SAMPLE_DIR / "support_tickets_en.csv").run()
    assert_no_error(at)
    task = next(s for s in at.selectbox if s.label == "What each text gets")
    assert task.value == "multi-label"
    assert "separated by ';'" in page_text(at)
    button(at, "Start labelling").click().run()
    assert_no_error(at)
    (project,) = LabelStore(empty_workspace).list_projects()
    assert project.task == "multi-label"
    assert LabelStore(empty_workspace).label_set(project.id) == ["price", "quality", "service", "shipping"]


def test_enter_accepts_the_preselected_suggestion(finished_workspace, open_page):
    from core.serve.validation import validation_report
    from core.store.runs import RunStore

    run = RunStore(finished_workspace).list_runs(("completed",))[0]
    texts = validation_report(run.run_dir)["rows_table"]["text"].tolist()[:6]
    path = write(finished_workspace, "new reviews.csv", "text\n" + "\n".join(texts) + "\n")
    store = LabelStore(finished_workspace)
    project = store.create_project("new reviews", load_texts(path, "text", "")).id
    for name in ("positive", "negative"):
        store.add_label(project, name)
    at = open_page("label").run()
    next(x for x in at.toggle if x.label.startswith("Suggestions from the model")).set_value(True).run()
    assert_no_error(at)
    accept = button(at, key="accept")
    assert accept.proto.shortcut.lower() == "enter"
    assert "Enter accepts the suggestion" in page_text(at)
    preselected = next(b.label for b in at.button if b.key and b.key.startswith("give-") and b.proto.type == "primary")
    shown = int(next(c.value for c in at.caption if c.value.startswith("Text ")).split()[1]) - 1
    accept.click().run()
    assert_no_error(at)
    assert LabelStore(finished_workspace).row(project, shown).label == preselected


def test_the_table_edits_several_labels_per_text(empty_workspace, open_page, tmp_path):
    path = write(tmp_path, "tickets.txt", "Late and charged twice\nIt broke\nAll fine\n")
    store = LabelStore(empty_workspace)
    project = store.create_project("tickets", load_texts(path, "text", ""), task="multi-label").id
    store.set_label(project, 1, ["quality"])
    at = open_page("label")
    at.session_state["label_view"] = "Table"
    at.run()
    assert_no_error(at)
    assert at.dataframe[0].value["label"].tolist()[:2] == [None, ["quality"]]
    at.session_state[f"label_table-{project}-0-all-None-"] = {
        "edited_rows": {0: {"label": ["shipping", "billing"]}}, "added_rows": [], "deleted_rows": []}
    at.run()
    button(at, "Save changes (1)").click().run()  # the untouched empty rows stay unlabelled
    assert_no_error(at)
    assert LabelStore(empty_workspace).row(project, 0).label == '["billing", "shipping"]'
    assert LabelStore(empty_workspace).row(project, 2).label is None
    assert {"billing", "shipping", "quality"} <= set(LabelStore(empty_workspace).label_set(project))
