"""Model-assisted labelling: the latest finished model suggests a label for each text, and the texts it is
least sure of come first, because a person's label teaches the next model most there.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.labels.store import LabelStore
from core.serve.predictor import Predictor
from core.store.run_folder import model_dir
from core.store.runs import RunRecord, RunStore


def suggesting_run(store: RunStore, label_set: list[str]) -> RunRecord | None:
    """The newest completed run whose model knows only labels of this label set (two at least); None if none."""
    wanted = set(label_set)
    for run in store.list_runs(("completed",)):
        labels = ((run.results or {}).get("metrics") or {}).get("labels") or (run.results or {}).get("labels") or []
        if len(labels) >= 2 and set(labels) <= wanted and (model_dir(run.run_dir) / "config.json").exists():
            return run
    return None


def suggestions(predictor: Predictor, texts: list[str]) -> list[tuple[str, float]]:
    """The model's label and how sure it is (0-1), for each text."""
    table = predictor.predict_table(texts)
    return list(zip(table["predicted"].tolist(), table["confidence"].astype(float).tolist(), strict=True))


def most_uncertain(labels: LabelStore, project: int, confidence: dict[int, float],
                   skip: Iterable[int] = ()) -> int | None:
    """The unlabelled row the model is least sure of (rows without a suggestion last); None when all are labelled."""
    skip = set(skip)
    rows = [int(r) for r in labels.rows(project, filter="unlabelled")["row"] if int(r) not in skip]
    return min(rows, key=lambda r: (confidence.get(r, 2.0), r), default=None)
