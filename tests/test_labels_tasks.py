"""Labelling projects for every task: several labels per text, a number per text, and pairs of texts.

Each is created from a file as core.data detects it, labelled, reloaded as after a restart, and exported into a
file that core.data reads back as the same task, so training picks the right one.
"""

from __future__ import annotations

import sqlite3

import pytest

from core.data.saved import SAMPLE_DIR
from core.data.task_texts import load_task_texts, prepare_task_rows, task_of
from core.data.texts import LabelledTexts, load_texts
from core.labels.records import LabelError
from core.labels.store import LabelStore

TICKETS = SAMPLE_DIR / "support_tickets_en.csv"
RATED = SAMPLE_DIR / "rated_reviews_en.csv"
PAIRS = SAMPLE_DIR / "question_pairs_en.csv"


@pytest.fixture()
def store(tmp_path) -> LabelStore:
    return LabelStore(tmp_path / "workspace")


def unlabelled(n: int = 6) -> LabelledTexts:
    return LabelledTexts(texts=[f"ticket {i}" for i in range(n)], labels=[None] * n, text_column="text",
                         label_column=None, source="/somewhere/tickets.csv")


def test_a_multi_label_file_starts_a_multi_label_project_with_its_labels(store):
    data = load_task_texts(TICKETS)
    project = store.create_project("tickets", data)
    assert project.task == "multi-label" and not project.pairs
    assert store.label_set(project.id) == ["price", "quality", "service", "shipping"]
    progress = store.progress(project.id)
    assert progress.labelled == len(data) == progress.total
    expected = {name: sum(name in labels for labels in data.label_sets) for name in store.label_set(project.id)}
    assert progress.per_label == expected  # a text with two labels counts for both
    store.set_label(project.id, 0, ["shipping", "price"], session="tab")
    store.set_label(project.id, 1, [], session="tab")  # looked at: none of the labels
    restarted = LabelStore(store.workspace)
    assert restarted.row(project.id, 0).label == '["price", "shipping"]'
    assert restarted.progress(project.id).no_label == 1


def test_renaming_and_removing_a_label_keeps_each_texts_other_labels(store):
    project = store.create_project("tickets", unlabelled(), task="multi-label").id
    store.bulk_set(project, {0: ["billing", "shipping"], 1: ["billing"], 2: ["shipping"]}, session="tab")
    assert store.label_set(project) == ["billing", "shipping"]
    assert store.rename_label(project, "billing", "price", session="tab") == 2
    assert [store.row(project, r).label for r in (0, 1)] == ['["price", "shipping"]', '["price"]']
    assert store.remove_label(project, "shipping", session="tab") == 2
    assert [store.row(project, r).label for r in (0, 2)] == ['["price"]', "[]"]
    store.undo(project, "tab")
    assert store.row(project, 0).label == '["price", "shipping"]' and "shipping" in store.label_set(project)
    assert len(store.rows(project, label="price")) == 2


def test_undoing_one_text_keeps_a_label_other_texts_still_hold(store):
    project = store.create_project("tickets", unlabelled(), task="multi-label").id
    store.set_label(project, 0, ["refund"], session="a")
    store.set_label(project, 1, ["refund", "late"], session="b")
    store.undo(project, "a")
    assert "refund" in store.label_set(project)


def test_multi_label_export_is_read_back_as_several_labels(store):
    project = store.create_project("tickets", unlabelled(6), task="multi-label").id
    given = {0: ["billing", "shipping"], 1: ["billing"], 2: ["shipping", "quality"], 3: [], 4: ["quality"]}
    store.bulk_set(project, given, session="tab")
    path = store.export_for_training(project)
    data = load_task_texts(path)
    assert task_of(data) == "multi-label"
    assert data.label_sets == [sorted(labels) for labels in given.values()]
    assert len(prepare_task_rows(data)) == 5  # the text with none of the labels is an answer too


def test_multi_label_export_stays_several_labels_when_few_texts_have_two(store):
    project = store.create_project("tickets", unlabelled(40), task="multi-label").id
    labels = {i: ["billing" if i % 2 else "shipping"] for i in range(40)}
    labels[0] = ["billing", "shipping"]  # one text in forty with two: a ';' alone would read as one label
    store.bulk_set(project, labels, session="tab")
    data = load_task_texts(store.export_for_training(project))
    assert task_of(data) == "multi-label" and data.label_sets[0] == ["billing", "shipping"]


def test_a_score_file_starts_a_regression_project_and_words_are_refused(store):
    data = load_task_texts(RATED)
    project = store.create_project("rated", data)
    assert project.task == "regression" and store.label_set(project.id) == []
    progress = store.progress(project.id)
    assert (progress.low, progress.high, progress.ready) == (1.0, 5.0, True)
    store.set_label(project.id, 0, "4.5", session="tab")
    store.set_label(project.id, 1, 3, session="tab")
    with pytest.raises(LabelError, match="'great', which is not a number, so nothing was saved"):
        store.bulk_set(project.id, {2: "2", 3: "great"}, session="tab")
    assert store.row(project.id, 2).label == f"{data.scores[2]:g}"  # the good cell of that edit waited too
    restarted = LabelStore(store.workspace)
    assert (restarted.row(project.id, 0).label, restarted.row(project.id, 1).label) == ("4.5", "3")
    with pytest.raises(LabelError, match="no label names"):
        store.add_label(project.id, "good")


def test_regression_export_is_read_back_as_scores(store):
    project = store.create_project("ratings", unlabelled(5), task="regression").id
    store.bulk_set(project, {0: 1, 1: "2.5", 2: "４", 3: 5}, session="tab")
    assert store.progress(project).fractions == 1
    path = store.export_for_training(project)
    data = load_task_texts(path)
    assert (task_of(data), data.label_column) == ("regression", "score")
    assert data.scores == [1.0, 2.5, 4.0, 5.0]


def test_pairs_keep_both_texts_through_labelling_and_export(store):
    data = load_texts(PAIRS)
    project = store.create_project("pairs", data)
    assert project.pairs and project.task == "single-label"
    row = store.row(project.id, 0)
    assert (row.text, row.text_pair) == (data.texts[0], data.text_pairs[0])
    in_second = sum("refrigerated" in b and "refrigerated" not in a for a, b in zip(data.texts, data.text_pairs))
    assert in_second and len(store.rows(project.id, search="refrigerated")) == sum(
        "refrigerated" in a + b for a, b in zip(data.texts, data.text_pairs))  # the search reads the second texts too
    store.set_label(project.id, 0, "different", session="tab")
    back = load_task_texts(store.export_for_training(project.id))
    assert (back.text_column, back.text_pair_column, back.label_column) == ("text_a", "text_b", "label")
    assert back.text_pairs == data.text_pairs and back.labels[0] == "different"


def test_the_task_can_be_chosen_for_a_file_without_labels(store):
    project = store.create_project("tickets", unlabelled(), task="multi-label")
    assert project.task == "multi-label" and store.progress(project.id).labelled == 0
    with pytest.raises(LabelError, match="cannot have the task"):
        store.create_project("x", unlabelled(), task="ranking")


def test_a_workspace_from_before_tasks_keeps_its_projects(tmp_path):
    workspace = tmp_path / "old"
    workspace.mkdir()
    with sqlite3.connect(workspace / "studio.db") as db:  # the tables as the first release made them
        db.executescript("""
            CREATE TABLE label_projects (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
                source TEXT NOT NULL, text_column TEXT NOT NULL, label_column TEXT, created_at REAL NOT NULL);
            CREATE TABLE label_rows (project_id INTEGER NOT NULL, "row" INTEGER NOT NULL, text TEXT NOT NULL,
                label TEXT, updated_at REAL, version INTEGER NOT NULL DEFAULT 0, claimed_by TEXT,
                claimed_until REAL, PRIMARY KEY (project_id, "row"));
            INSERT INTO label_projects (name, source, text_column, created_at) VALUES ('old', 'a.csv', 'text', 1);
            INSERT INTO label_rows (project_id, "row", text, label)
                VALUES (1, 0, 'great', 'positive'), (1, 1, 'bad', NULL);
        """)
    store = LabelStore(workspace)
    (project,) = store.list_projects()
    assert (project.task, project.pairs) == ("single-label", False)
    store.set_label(project.id, 1, "negative", session="tab")
    assert store.progress(project.id).per_label == {"positive": 1, "negative": 1}
    assert load_texts(store.export_for_training(project.id)).labels == ["positive", "negative"]
