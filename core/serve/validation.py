"""Looking back at finished runs: a run's validation report read from its folder (no model load),
the texts behind one cell of a confusion matrix, the most confident mistakes.

The report has the shape of `core.serve.evaluate.evaluate`'s, so the Evaluate page draws both the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.data.texts import LabelledTexts
from core.store.run_folder import read_results

log = logging.getLogger(__name__)

PREDICTIONS = "val_predictions.csv"
# the rows a run scored itself on: its results.json key and the file of each row's answer
PARTS = {"validation": ("metrics", PREDICTIONS), "test": ("test_metrics", "test_predictions.csv")}


def validation_report(run_dir: str | Path, part: str = "validation") -> dict[str, Any] | None:
    """The final scores of a run on its validation (or test) rows, from results.json, and each row's answer
    (val_predictions.csv, test_predictions.csv).

    None when the run wrote no such scores (it was stopped, it failed, or it kept no test rows).
    """
    key, predictions = PARTS[part]
    metrics = read_results(run_dir).get(key) or {}
    if not {"accuracy", "labels", "confusion_matrix"} <= set(metrics):
        return None
    return {**metrics, "warnings": list(metrics.get("warnings") or []), "part": part,
            "rows_table": read_predictions(Path(run_dir) / predictions)}


def scored_part(results: dict[str, Any]) -> str | None:
    """Which rows a run's score is: 'test' when it kept test rows apart, else 'validation'; None without scores."""
    def scored(metrics: dict | None) -> bool:  # accuracy for labels, micro-F1 for several labels, MAE for scores
        return any((metrics or {}).get(k) is not None for k in ("accuracy", "micro_f1", "mae"))

    if scored(results.get("test_metrics")):
        return "test"
    return "validation" if scored(results.get("metrics")) else None


def rows_agree(report: dict[str, Any]) -> bool:
    """Whether the saved rows add up to the saved confusion matrix.

    A run whose validation rows were predicted in another order than they were written (the Trainer's
    length-grouped evaluation sampler) pairs texts with other texts' answers: such rows must be predicted again.
    """
    table = report.get("rows_table")
    if table is None:
        return True
    index = {name: i for i, name in enumerate(report["labels"])}
    counts = [[0] * len(index) for _ in index]
    for true, predicted in zip(table["label"], table["predicted"], strict=True):
        if true not in index or predicted not in index:
            return False
        counts[index[true]][index[predicted]] += 1
    return counts == [list(row) for row in report["confusion_matrix"]]


def validation_texts(report: dict[str, Any]) -> LabelledTexts:
    """The validation (or test) texts and their true labels, to run a model on them again."""
    table = report["rows_table"]
    pairs = table["text_pair"].tolist() if "text_pair" in table.columns else None
    return LabelledTexts(texts=table["text"].tolist(), labels=table["label"].tolist(), text_column="text",
                         label_column="label", source=f"{report.get('part', 'validation')} rows",
                         text_pairs=pairs, text_pair_column="text_pair" if pairs is not None else None)


def read_predictions(path: Path):
    """val_predictions.csv as written, labels kept as text ('NA' and '1' stay labels); None when unreadable."""
    import pandas as pd

    if not path.exists():
        return None
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        log.warning("Could not read %s: %s", path, exc)
        return None
    if not {"text", "label", "predicted", "confidence"} <= set(table.columns):
        return None
    for column in table.columns:
        if column == "confidence" or column.startswith("p("):
            table[column] = pd.to_numeric(table[column], errors="coerce")
    return table


def cell_rows(table, true_label: str, predicted: str):
    """The rows of one confusion-matrix cell (this true label, answered as this), the surest first."""
    chosen = table[(table["label"] == true_label) & (table["predicted"] == predicted)]
    return chosen.sort_values("confidence", ascending=False, kind="stable")


def confident_mistakes(table, limit: int | None = None):
    """Rows the model got wrong, the ones it was surest of first: likely mislabels or real blind spots."""
    wrong = table[table["label"] != table["predicted"]].sort_values("confidence", ascending=False, kind="stable")
    return wrong if limit is None else wrong.head(limit)


def largest_confusion(labels: list[str], matrix: list[list[int]]) -> tuple[str, str] | None:
    """The (true, predicted) pair the model confuses most often; None when it makes no mistake."""
    cells = [(count, i, j) for i, row in enumerate(matrix) for j, count in enumerate(row) if i != j and count]
    if not cells:
        return None
    _, i, j = max(cells, key=lambda c: (c[0], -c[1], -c[2]))
    return labels[i], labels[j]
