"""core.serve.validation and core.runs.history: a run's validation report read from its folder, confusion-matrix
cells, mistakes, best scores."""

from __future__ import annotations

import json

import pandas as pd

from core.runs.history import best_scores
from core.serve.validation import (
    cell_rows,
    confident_mistakes,
    largest_confusion,
    read_predictions,
    rows_agree,
    validation_report,
    validation_texts,
)
from core.store.runs import RunRecord, RunStore

ROWS = pd.DataFrame({
    "text": ["a", "b", "c", "d", "e"],
    "label": ["NA", "NA", "yes", "yes", "NA"],
    "predicted": ["NA", "yes", "yes", "NA", "yes"],
    "confidence": [0.9, 0.6, 0.8, 0.99, 0.7],
})


def write_run(folder, rows: pd.DataFrame, matrix: list[list[int]]):
    folder.mkdir(parents=True, exist_ok=True)
    metrics = {"accuracy": 0.4, "macro_f1": 0.4, "labels": ["NA", "yes"], "confusion_matrix": matrix,
               "per_class": {}, "rows": len(rows)}
    (folder / "results.json").write_text(json.dumps({"metrics": metrics}))
    rows.to_csv(folder / "val_predictions.csv", index=False)
    return folder


def test_the_report_reads_labels_as_text(tmp_path):
    run = write_run(tmp_path / "run", ROWS, [[1, 2], [1, 1]])
    report = validation_report(run)
    table = report["rows_table"]
    assert table["label"].tolist() == ["NA", "NA", "yes", "yes", "NA"]  # not read as missing values
    assert table["confidence"].dtype.kind == "f"
    assert report["accuracy"] == 0.4 and rows_agree(report)
    assert validation_texts(report).labels == ROWS["label"].tolist()


def test_rows_saved_in_another_order_than_the_matrix_are_caught(tmp_path):
    run = write_run(tmp_path / "run", ROWS, [[3, 0], [0, 2]])
    assert not rows_agree(validation_report(run))


def test_a_run_without_final_scores_has_no_report(tmp_path):
    (tmp_path / "results.json").write_text(json.dumps({"stopped": True}))
    assert validation_report(tmp_path) is None
    assert read_predictions(tmp_path / "missing.csv") is None


def test_cells_and_mistakes_come_surest_first():
    assert cell_rows(ROWS, "NA", "yes")["text"].tolist() == ["e", "b"]
    assert confident_mistakes(ROWS)["text"].tolist() == ["d", "e", "b"]
    assert confident_mistakes(ROWS, limit=1)["text"].tolist() == ["d"]


def test_the_largest_confusion_is_where_to_look_first():
    assert largest_confusion(["a", "b", "c"], [[5, 1, 0], [4, 5, 0], [0, 2, 9]]) == ("b", "a")
    assert largest_confusion(["a", "b"], [[5, 0], [0, 5]]) is None


def test_best_scores_of_an_unfinished_run_come_from_its_evaluations(tmp_path):
    store = RunStore(tmp_path)
    run = RunRecord(id="r1", name="r1", status="stopped", config={}, run_dir=str(tmp_path / "r1"), created_at=1.0)
    store.add_run(run)
    assert best_scores(store, run) == {"accuracy": None, "macro_f1": None}
    store.add_metrics("r1", "eval", 10, 1.0, {"accuracy": 0.7, "macro_f1": 0.6})
    store.add_metrics("r1", "eval", 20, 2.0, {"accuracy": 0.65, "macro_f1": 0.66})
    assert best_scores(store, run) == {"accuracy": 0.7, "macro_f1": 0.66}
    run.results = {"metrics": {"accuracy": 0.9, "macro_f1": 0.8}}
    assert best_scores(store, run) == {"accuracy": 0.9, "macro_f1": 0.8}


def test_a_finished_runs_saved_rows_add_up_to_its_confusion_matrix(finished_run_workspace):
    run = RunStore(finished_run_workspace).list_runs(("completed",))[0]
    assert rows_agree(validation_report(run.run_dir))
