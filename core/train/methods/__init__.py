"""Ways to make a classifier from a run's rows, one module each, and the dispatch between them.

- fine-tune (core.train.finetune): every weight of the transformer trained; the default with enough data.
- few-shot (few_shot): SetFit, contrastive training of the sentence encoder, then a logistic head.
- quick (quick): the encoder frozen, its sentence embeddings cached, a logistic regression on top.
Beside every run, whatever its method, a TF-IDF logistic regression on the same rows (baseline).

Imports only core.train and the layers below it (data, models, store).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.store.run_folder import write_json
from core.store.runs import RunRecord, RunStore

log = logging.getLogger(__name__)

METHODS = ("fine-tune", "few-shot", "quick")


def run_training(store: RunStore, run: RunRecord, resume_from: Path | None = None) -> dict[str, Any]:
    """Train the run with its method, then score the simple baseline on the same rows; results.json gets both."""
    from core.train.config import TrainConfig

    config = TrainConfig.from_dict(run.config)
    method = getattr(config, "method", "fine-tune") or "fine-tune"
    if method == "quick":
        from core.train.methods.quick import run_quick as train
    elif method == "few-shot":
        from core.train.methods.few_shot import run_few_shot as train
    else:
        from core.train.finetune import run_training as train
    if method in ("quick", "few-shot"):
        from core.train.methods.threads import threads_fitted_to_load

        with threads_fitted_to_load():  # a busy CPU: fewer threads wait less on each other
            results = train(store, run, resume_from)
    else:
        results = train(store, run, resume_from)
    results["method"] = method
    if not results.get("stopped") and results.get("task", "single-label") == "single-label":  # TF-IDF: one label
        results.update(_baseline(config))
        write_json(Path(run.run_dir) / "results.json", results)
    return results


def _baseline(config) -> dict[str, Any]:
    """The baseline's scores, or none (with the reason in the log) when it cannot be made: never fails a run."""
    from core.errors import StudioError
    from core.train.methods.baseline import baseline_scores

    try:
        return baseline_scores(config)
    except (StudioError, ValueError) as error:
        log.warning("No baseline for this run: %s", getattr(error, "message", error))
        return {"baseline_metrics": None}
