"""The label store: labels survive restarts, undo is per tab, and two tabs never lose each other's work."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.data.texts import LabelledTexts, load_texts, prepare_for_training
from core.labels.records import LabelConflict, LabelError
from core.labels.store import LabelStore, create_project, export_for_training


def texts(n: int = 10, labels: list[str | None] | None = None) -> LabelledTexts:
    return LabelledTexts(texts=[f"review number {i}" for i in range(n)], labels=labels or [None] * n,
                         text_column="text", label_column=None, source="/somewhere/reviews.csv")


@pytest.fixture()
def store(tmp_path) -> LabelStore:
    return LabelStore(tmp_path / "workspace")


@pytest.fixture()
def project(store) -> int:
    project = store.create_project("Reviews", texts())
    for name in ("positive", "negative"):
        store.add_label(project.id, name)
    return project.id


def test_labels_survive_a_restart(store, project):
    store.set_label(project, 3, "positive", session="tab")
    store.set_label(project, 4, "negative", session="tab")
    restarted = LabelStore(store.workspace)  # a fresh object, fresh connections: as after a server restart
    assert [p.name for p in restarted.list_projects()] == ["Reviews"]
    assert restarted.row(project, 3).label == "positive"
    assert restarted.label_set(project) == ["positive", "negative"]
    assert restarted.progress(project).labelled == 2
    # and the session's history survived too
    assert restarted.undo(project, "tab").rows == [4]


def test_a_project_remembers_where_its_texts_came_from(store):
    made = create_project(store.workspace, "", texts(3))
    assert made.name == "reviews" and made.source == "/somewhere/reviews.csv" and made.text_column == "text"
    assert store.get_project(made.id) == made
    store.delete_project(made.id)
    assert store.list_projects() == []
    with pytest.raises(LabelError, match="no labelling project"):
        store.get_project(made.id)


def test_undo_reverts_only_that_sessions_last_change_and_twice_undoes_two(store, project):
    store.set_label(project, 0, "positive", session="a")
    store.set_label(project, 1, "negative", session="a")
    store.set_label(project, 2, "positive", session="b")
    assert store.undo(project, "a").rows == [1]
    assert store.row(project, 1).label is None and store.row(project, 0).label == "positive"
    assert store.undo(project, "a").rows == [0]
    assert store.undo(project, "a") is None
    assert store.row(project, 2).label == "positive"  # b's work stands


def test_undo_of_a_relabel_restores_the_old_label(store, project):
    store.set_label(project, 0, "positive", session="a")
    store.set_label(project, 0, "negative", session="a")
    store.undo(project, "a")
    assert store.row(project, 0).label == "positive"


def test_undo_never_overwrites_someone_elses_later_label(store, project):
    store.set_label(project, 5, "positive", session="a")
    store.set_label(project, 5, "negative", session="b")
    undone = store.undo(project, "a")
    assert undone.rows == [] and undone.kept == [5]
    assert store.row(project, 5).label == "negative"


def test_rename_label_renames_every_row_and_undo_renames_back(store, project):
    store.bulk_set(project, {0: "positive", 1: "positive", 2: "negative"})
    assert store.rename_label(project, "positive", "good", session="a") == 2
    assert store.label_set(project) == ["good", "negative"]
    assert store.rows(project, label="good")["row"].tolist() == [0, 1]
    store.undo(project, "a")
    assert store.label_set(project) == ["positive", "negative"]
    assert store.rows(project, label="positive")["row"].tolist() == [0, 1]


def test_renaming_onto_an_existing_label_merges_them(store, project):
    store.add_label(project, "Positive ")
    assert store.label_set(project) == ["positive", "negative", "Positive"]
    store.bulk_set(project, {0: "Positive", 1: "positive"})
    store.rename_label(project, "Positive", "positive")
    assert store.label_set(project) == ["positive", "negative"]
    assert store.progress(project).per_label == {"positive": 2, "negative": 0}


def test_remove_label_unlabels_its_rows_and_undo_brings_them_back(store, project):
    store.add_label(project, "neutral")
    store.bulk_set(project, {0: "positive", 1: "negative", 2: "negative"})
    assert store.remove_label(project, "negative", session="a") == 2
    assert store.label_set(project) == ["positive", "neutral"]
    assert store.progress(project).labelled == 1
    store.undo(project, "a")
    assert store.label_set(project) == ["positive", "negative", "neutral"]  # back in its place, so its key too
    assert store.rows(project, label="negative")["row"].tolist() == [1, 2]


def test_label_set_order_gives_the_keys(store, project):
    assert store.reorder_labels(project, ["negative"]) == ["negative", "positive"]
    assert LabelStore(store.workspace).label_set(project) == ["negative", "positive"]
    with pytest.raises(LabelError, match="needs a name"):
        store.add_label(project, "  ")
    with pytest.raises(LabelError, match="no label 'maybe'"):
        store.remove_label(project, "maybe")


def test_a_stale_version_raises_a_conflict_in_a_plain_sentence(store, project):
    seen = store.row(project, 7)  # tab A reads the row ...
    store.set_label(project, 7, "negative", expected_version=seen.version, session="b")  # ... tab B labels it
    with pytest.raises(LabelConflict) as caught:
        store.set_label(project, 7, "positive", expected_version=seen.version, session="a")
    assert caught.value.message == "Someone else labelled this row a moment ago as 'negative'."
    assert caught.value.label == "negative" and caught.value.version == seen.version + 1
    assert store.row(project, 7).label == "negative"
    # agreeing with them is no conflict, and a fresh version lets A replace it on purpose
    assert store.set_label(project, 7, "negative", expected_version=seen.version) == seen.version + 1
    store.set_label(project, 7, "positive", expected_version=caught.value.version, session="a")
    assert store.row(project, 7).label == "positive"


def test_a_stale_bulk_edit_saves_nothing(store, project):
    versions = dict(zip(*[store.rows(project)[c].tolist() for c in ("row", "version")]))
    store.set_label(project, 2, "negative")
    with pytest.raises(LabelConflict):
        store.bulk_set(project, {1: "positive", 2: "positive"}, expected_versions=versions)
    assert store.row(project, 1).label is None and store.row(project, 2).label == "negative"


def test_two_writers_on_their_own_rows_lose_nothing(store, project):
    rows = store.create_project("Big", texts(200)).id

    def label(parity: int) -> None:
        mine = LabelStore(store.workspace)  # its own object and connections, as a second server thread has
        for row in range(parity, 200, 2):
            mine.set_label(rows, row, "even" if parity == 0 else "odd", session=f"tab{parity}")

    threads = [threading.Thread(target=label, args=(p,)) for p in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.progress(rows).per_label == {"even": 100, "odd": 100}
    assert all(store.row(rows, r).label == ("even" if r % 2 == 0 else "odd") for r in range(200))


def test_two_tabs_working_through_the_queue_label_every_row_once(store):
    project = store.create_project("Queue", texts(60)).id
    given: dict[str, list[int]] = {"a": [], "b": []}
    conflicts = {"a": 0, "b": 0}

    def work(session: str) -> None:  # no assert in here: a failing assert in a thread is only a warning
        mine = LabelStore(store.workspace)
        while conflicts[session] < 60 and (row := mine.next_unlabelled(project, session=session)) is not None:
            try:
                mine.set_label(project, row.row, session, expected_version=row.version, session=session)
                given[session].append(row.row)
            except LabelConflict:
                conflicts[session] += 1

    threads = [threading.Thread(target=work, args=(s,)) for s in given]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(conflicts.values()) < 60  # the tabs did not keep colliding on the same row
    assert sorted(given["a"] + given["b"]) == list(range(60))  # each row labelled once: nobody overwrote anybody
    frame = store.rows(project)
    assert all(frame.loc[frame["row"].isin(given[s]), "label"].eq(s).all() for s in given)


def test_next_unlabelled_skips_labelled_and_skipped_rows_and_wraps_around(store, project):
    store.bulk_set(project, {0: "positive", 1: "negative", 4: "positive"})
    assert store.next_unlabelled(project).row == 2
    assert store.next_unlabelled(project, after=2).row == 3
    assert store.next_unlabelled(project, after=3, skip={5, 6}).row == 7
    assert store.next_unlabelled(project, after=9).row == 2  # back to the top for rows left behind
    store.bulk_set(project, {r: "positive" for r in range(10)})
    assert store.next_unlabelled(project) is None


def test_two_tabs_are_handed_different_rows(store, project):
    first = store.next_unlabelled(project, session="a")
    second = LabelStore(store.workspace).next_unlabelled(project, session="b")
    assert (first.row, second.row) == (0, 1)
    assert store.next_unlabelled(project, session="a").row == 0  # a tab keeps its own row on a rerun
    store.set_label(project, 0, "positive", session="a")
    assert store.next_unlabelled(project, session="a").row == 2


def test_when_only_rows_held_by_others_are_left_one_is_still_shown(store):
    project = store.create_project("Two", texts(2)).id
    assert store.next_unlabelled(project, session="a").row == 0
    assert store.next_unlabelled(project, session="b").row == 1
    assert store.next_unlabelled(project, session="c").row == 0


def test_progress_counts_labelled_rows_per_label(store, project):
    store.bulk_set(project, {0: "positive", 1: "positive", 2: "negative"})
    progress = store.progress(project)
    assert (progress.labelled, progress.total) == (3, 10)
    assert progress.per_label == {"positive": 2, "negative": 1}
    assert progress.share == pytest.approx(0.3) and not progress.done


def test_table_view_filters(store, project):
    store.bulk_set(project, {1: "positive", 2: "negative", 3: "positive"})
    assert store.rows(project, filter="unlabelled")["row"].tolist() == [0, 4, 5, 6, 7, 8, 9]
    assert store.rows(project, filter="labelled")["label"].tolist() == ["positive", "negative", "positive"]
    assert store.rows(project, label="positive")["row"].tolist() == [1, 3]
    assert store.rows(project, search="NUMBER 1")["row"].tolist() == [1]
    assert list(store.rows(project).columns) == ["row", "text", "label", "version", "updated_at", "text_pair"]
    with pytest.raises(LabelError):
        store.rows(project, filter="odd")


def test_bulk_set_adds_new_labels_and_undoes_as_one(store, project):
    assert store.bulk_set(project, {0: "positive", 1: "mixed", 2: None}, session="a") == 2
    assert store.label_set(project) == ["positive", "negative", "mixed"]
    store.undo(project, "a")
    assert store.progress(project).labelled == 0
    assert store.label_set(project) == ["positive", "negative"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_round_trips_through_load_texts(store, project, tmp_path, suffix):
    store.bulk_set(project, {0: "positive", 2: "negative", 5: "positive"})
    path = store.export(project, tmp_path / f"labels.{suffix}")
    loaded = load_texts(path)
    assert loaded.texts == ["review number 0", "review number 2", "review number 5"]
    assert loaded.labels == ["positive", "negative", "positive"]
    with pytest.raises(LabelError, match="cannot be saved"):
        store.export(project, tmp_path / "labels.pdf")


def test_a_partly_labelled_file_keeps_its_labels(store, tmp_path):
    path = tmp_path / "partly.csv"
    path.write_text("text,label\ngreat film,positive\nawful film,\nboring film,negative\nfine film, \n")
    project = store.create_project("Partly", load_texts(path)).id
    assert store.label_set(project) == ["negative", "positive"]
    assert store.rows(project)["label"].tolist()[0::2] == ["positive", "negative"]
    assert store.progress(project).labelled == 2
    assert store.next_unlabelled(project).text == "awful film"


def test_chinese_texts_and_labels(store, tmp_path):
    data = LabelledTexts(texts=["这部电影很好看", "剧情太无聊了", "演员表演出色", "浪费时间"],
                         labels=["正面", None, None, None], text_column="评论", label_column="标签", source="影评.csv")
    project = store.create_project("影评", data).id
    store.add_label(project, "负面")
    store.set_label(project, 1, "负面")
    store.bulk_set(project, {2: "正面", 3: "负面"})
    assert store.progress(project).per_label == {"正面": 2, "负面": 2}
    assert store.rows(project, search="电影")["row"].tolist() == [0]
    loaded = load_texts(store.export(project, tmp_path / "影评标注.csv"))
    assert loaded.texts == data.texts and loaded.labels == ["正面", "负面", "正面", "负面"]
    store.rename_label(project, "正面", "好评")
    assert store.label_set(project) == ["好评", "负面"]


def test_export_for_training_saves_a_dataset_that_trains(store, project):
    store.bulk_set(project, {0: "positive", 1: "negative", 2: "positive"})
    path = export_for_training(store.workspace, project)
    assert path.parent == Path(store.workspace) / "datasets" and path.suffix == ".csv"
    prepared = prepare_for_training(load_texts(path))
    assert prepared.labels == ["positive", "negative", "positive"]
    data = store.to_labelled_texts(project)
    assert (data.text_column, data.label_column, len(data)) == ("text", "label", 3)


def test_export_for_training_with_nothing_labelled_says_so(store, project):
    with pytest.raises(LabelError, match="No row is labelled"):
        store.export_for_training(project)


def test_unknown_rows_and_projects_are_plain_errors(store, project):
    with pytest.raises(LabelError, match="Row 99"):
        store.set_label(project, 99, "positive")
    with pytest.raises(LabelError, match="no labelling project"):
        store.set_label(12345, 0, "positive")
