"""The report's scores: macro-F1 and the per-class table count the same labels, and a label without rows is named."""

from __future__ import annotations

import pytest

from core.train.metrics import full_report, headline_metrics, unmeasured_warning

LABELS = ["negative", "neutral", "positive"]


def test_macro_f1_is_the_mean_of_the_per_class_table_when_a_class_has_no_rows():
    # no row is 'neutral' and the model never answers it
    report = full_report([0, 0, 2, 2, 2], [0, 2, 2, 2, 0], LABELS, rows_name="validation rows")
    assert set(report["per_class"]) == {"negative", "positive"}
    f1s = [v["f1"] for v in report["per_class"].values()]
    assert report["macro_f1"] == pytest.approx(sum(f1s) / len(f1s))
    assert report["labels"] == LABELS and len(report["confusion_matrix"]) == 3  # the matrix keeps every label
    assert report["warnings"] == [unmeasured_warning(["neutral"], "validation rows", 2)]
    assert "No validation rows are labelled 'neutral'" in report["warnings"][0]


def test_a_class_answered_but_never_true_counts_in_macro_f1_and_is_named():
    report = full_report([0, 0, 2, 2], [0, 1, 2, 2], LABELS)
    assert report["per_class"]["neutral"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    f1s = [v["f1"] for v in report["per_class"].values()]
    assert report["macro_f1"] == pytest.approx(sum(f1s) / 3)
    assert report["macro_f1"] == pytest.approx(headline_metrics([0, 0, 2, 2], [0, 1, 2, 2])["macro_f1"])
    assert len(report["warnings"]) == 1 and "'neutral'" in report["warnings"][0]


def test_every_class_present_gives_no_warning():
    report = full_report([0, 1, 2], [0, 1, 1], LABELS)
    assert report["warnings"] == [] and set(report["per_class"]) == set(LABELS)
