"""Measure a multi-label or regression model on a labelled file: its task's scores and every row's answer."""

from __future__ import annotations

from typing import Any

from core.data.multilabel import shown
from core.data.task_texts import prepare_task_rows, task_of
from core.errors import DataError
from core.train.task_answers import task_table
from core.train.task_metrics import multilabel_report, regression_report


def evaluate_task(predictor: Any, data, rows_name: str = "rows of this file") -> dict[str, Any]:
    """As core.serve.evaluate.evaluate, for a model of several labels per text or of a score."""
    if task_of(data) != predictor.task:
        raise DataError(f"This model is {predictor.task}, but the file's labels read as {task_of(data)}.",
                        "Pick the label column the model was trained on (--label-column, or --label-columns A,B).")
    rows = prepare_task_rows(data)
    pairs = rows.text_pairs if predictor.pairs else None
    if predictor.pairs and pairs is None:
        raise DataError("This model answers pairs of texts, but the file has no second text column.",
                        "Pick the column of the second texts (for example 'sentence2').")
    answers = predictor.probabilities(rows.texts, pairs=pairs)
    table = task_table(predictor.task, rows.texts, answers, predictor.labels, pairs, predictor.thresholds)
    where = 1 if pairs is None else 2
    notes: list[str] = []
    if predictor.task == "regression":
        table.insert(where, "label", rows.scores)
        table["error"] = (table["predicted"] - table["label"]).round(4)
        report = {**regression_report(rows.scores, [a[0] for a in answers]), "labels": list(predictor.labels)}
    else:
        known = set(predictor.labels)
        unknown = sorted({lab for s in rows.label_sets for lab in s} - known)
        if unknown:
            notes.append(f"Labels the model never learned were left out of the rows' labels: {', '.join(unknown[:5])}.")
        truth = [[1 if name in set(s) else 0 for name in predictor.labels] for s in rows.label_sets]
        # in the model's label order, as the predicted column: equal sets read as equal cells
        table.insert(where, "label", [shown([n for n in predictor.labels if n in set(s)]) for s in rows.label_sets])
        report = multilabel_report(truth, answers, predictor.labels, predictor.thresholds, rows_name)
    report["warnings"] = notes + rows.warnings + report["warnings"]
    report["rows_table"] = table
    return report
