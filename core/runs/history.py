"""The history of runs: names, settings side by side, and each run's best scores."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from core.errors import RunError
from core.serve.validation import scored_part
from core.store.run_folder import write_json
from core.store.runs import RunRecord, RunStore
from core.train.config import TrainConfig, setting_label
from core.wording import shown_value

log = logging.getLogger(__name__)

SCORES = ("accuracy", "macro_f1")


def rename_run(store: RunStore, run_id: str, name: str) -> None:
    """Give a run a new name in the run store and in its folder's config.json, together."""
    name = (name or "").strip()
    if not name:
        raise RunError("A run needs a name.", "Type a name to find this run by later.")
    run = store.get(run_id)
    if run is None:
        raise RunError(f"There is no run called '{run_id}'.", "Pick a run from the list.")
    config_path = Path(run.run_dir) / "config.json"
    with store.transaction() as db:
        store.update(run_id, db=db, name=name, config={**run.config, "name": name})
        # written inside the transaction: if the file cannot be written, the store keeps the old name too
        if config_path.exists():
            write_json(config_path, {**json.loads(config_path.read_text()), "name": name})
    log.info("Renamed run %s to '%s'", run_id, name)


def compare_configs(configs: list[dict], names: list[str] | None = None):
    """A table of settings: one row per setting, one column per run, and `differs` where they do not agree.

    Rows are labelled as the settings form labels them ("Learning rate"); values are shown as text.
    """
    import pandas as pd

    columns = _unique([(names[i] if names else None) or c.get("name") or f"Run {i + 1}"
                       for i, c in enumerate(configs)])
    keys = _setting_order(configs)
    missing = object()
    table = {col: [shown_value(c.get(key, missing), missing) for key in keys] for col, c in zip(columns, configs)}
    differs = [len({json.dumps(c.get(key), sort_keys=True, default=str) for c in configs}) > 1
               or any(key not in c for c in configs) for key in keys]
    frame = pd.DataFrame(table, index=pd.Index([setting_label(k) for k in keys], name="Setting"))
    frame["differs"] = differs
    return frame


def _setting_order(configs: list[dict]) -> list[str]:
    """TrainConfig's field order (the order of the settings form), then any keys it does not know."""
    present = {key for c in configs for key in c}
    known = [f.name for f in dataclasses.fields(TrainConfig)]
    return [k for k in known if k in present] + sorted(present - set(known))


def _unique(names: list[str]) -> list[str]:
    """Column names must differ: a second 'toy sentiment' becomes 'toy sentiment (2)'."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def best_scores(store: RunStore, run: RunRecord) -> dict[str, float | None]:
    """Accuracy and macro-F1: on the test rows of a run that kept some apart (`scored_part` says which), else the
    final validation ones of a completed run, else the best any validation evaluation reached so far.
    """
    results = run.results or {}
    part = scored_part(results)
    final = (results.get("test_metrics" if part == "test" else "metrics") or {}) if part else {}
    if final:  # a run's final report (a multi-label or score run has no accuracy; its column stays empty)
        return {k: None if final.get(k) is None else float(final[k]) for k in SCORES}
    evals = store.metrics(run.id, "eval")
    return {k: max((float(p[k]) for p in evals if p.get(k) is not None), default=None) for k in SCORES}
