"""Measure a finished classifier on a labelled file: scores, confusion matrix and every row's answer."""

from __future__ import annotations

import logging
from typing import Any

from core.data.texts import LabelledTexts
from core.errors import DataError
from core.serve.predictor import Predictor
from core.train.metrics import full_report

log = logging.getLogger(__name__)


def usable_rows(data: LabelledTexts, known_labels: list[str]) -> tuple[LabelledTexts, list[str]]:
    """Keep labelled, non-blank rows whose label the model knows; say what was left out."""
    notes = []
    keep = [i for i, (t, lab) in enumerate(zip(data.texts, data.labels, strict=True))
            if isinstance(t, str) and t.strip() and lab is not None and str(lab).strip()]
    labelled = data.subset(keep)
    labelled.labels = [str(lab).strip() for lab in labelled.labels]
    unknown = sorted(set(labelled.labels) - set(known_labels))
    if unknown:
        notes.append(f"{sum(lab in unknown for lab in labelled.labels)} rows have labels the model never learned "
                     f"({', '.join(unknown[:5])}) and were left out.")
        labelled = labelled.subset([i for i, lab in enumerate(labelled.labels) if lab not in unknown])
    if len(labelled) == 0:
        raise DataError("No row of this file has a label the model knows.",
                        f"The model's labels are: {', '.join(known_labels)}. Pick the right label column.")
    return labelled, notes


def evaluate(predictor: Predictor, data: LabelledTexts, rows_name: str = "rows of this file") -> dict[str, Any]:
    """Scores of the model on `data`; `rows` holds each text with its true and predicted label."""
    if getattr(predictor, "task", "single-label") != "single-label":  # several labels, or a score
        from core.serve.task_evaluate import evaluate_task

        return evaluate_task(predictor, data, rows_name)
    rows_data, notes = usable_rows(data, predictor.labels)
    pairs = rows_data.text_pairs if predictor.pairs else None
    if predictor.pairs and pairs is None:
        raise DataError("This model answers pairs of texts, but the file has no second text column.",
                        "Pick the column of the second texts (for example 'sentence2').")
    table = predictor.predict_table(rows_data.texts, pairs)
    table.insert(1 if pairs is None else 2, "label", rows_data.labels)
    index = {name: i for i, name in enumerate(predictor.labels)}
    report = full_report([index[x] for x in table["label"]], [index[x] for x in table["predicted"]],
                         predictor.labels, rows_name=rows_name)
    report["warnings"] = notes + report["warnings"]
    report["rows_table"] = table
    return report
