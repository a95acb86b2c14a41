"""The study: created in the workspace, driven one trial run at a time, resumable by whoever calls it again.

Each trial is an ordinary run queued with `runner.submit`, so Stop, the queue, the run store and the
Runs page treat it like any other. The training callback writes every evaluation to the run store; the
driver reads them, reports them to Optuna and, when the pruner calls the trial hopeless, presses Stop.
A trial is scored on its validation rows (`results["metrics"]`), never on a test split.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any

from core.errors import RunError
from core.runs import runner
from core.search.space import settings_from_params, starting_params, suggest, trial_config
from core.store.runs import RunStore
from core.train.config import TrainConfig

log = logging.getLogger(__name__)

SCORE = "macro_f1"  # the metric the best checkpoint is chosen on, so a trial's score is its best epoch's
POLL_SECONDS = 1.0


def storage_url(workspace: Path) -> str:
    folder = Path(workspace) / "search"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'studies.db'}"


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def create_study(workspace: Path, base: TrainConfig, trials: int = 10, minutes: float | None = None) -> str:
    """A new study over `base`'s data and model; returns its id. Nothing trains until `drive` is called."""
    optuna = _optuna()
    base.validate()
    study_id = "search-" + runner.new_run_id()
    study = optuna.create_study(study_name=study_id, storage=storage_url(workspace), direction="maximize",
                                pruner=_pruner())
    study.set_user_attr("base", base.to_dict())
    study.set_user_attr("trials", int(trials))
    study.set_user_attr("seconds", float(minutes) * 60 if minutes else None)
    study.set_user_attr("created_at", time.time())
    study.enqueue_trial(starting_params(base))  # trial 0: the settings the user would have run without a search
    return study_id


def _pruner():
    # a trial is stopped when its evaluation is below the median of earlier trials' at the same epoch
    return _optuna().pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)


def load_study(workspace: Path, study_id: str):
    optuna = _optuna()
    try:
        return optuna.load_study(study_name=study_id, storage=storage_url(workspace), pruner=_pruner())
    except KeyError as error:
        raise RunError(f"There is no settings search called '{study_id}'.",
                       "List them with: python -m core search --list") from error


def list_studies(workspace: Path) -> list[str]:
    optuna = _optuna()
    summaries = optuna.get_all_study_summaries(storage=storage_url(workspace))
    return sorted((s.study_name for s in summaries), reverse=True)


def report_evaluations(trial, scores: list[float]) -> bool:
    """Report each evaluation (one per epoch) not yet reported; True when the pruner calls the trial hopeless."""
    reported = trial.storage.get_trial(trial._trial_id).intermediate_values
    for step, score in enumerate(scores):
        if step not in reported:
            trial.report(score, step)
    return bool(scores) and trial.should_prune()


def drive(workspace: Path, study_id: str) -> dict[str, Any]:
    """Run the study's trials until its trial count or time budget is reached; safe to call again after a kill."""
    study = load_study(workspace, study_id)
    store = RunStore(workspace)
    study.set_user_attr("driver_pid", os.getpid())
    base = TrainConfig.from_dict(study.user_attrs["base"])
    for frozen in _open_trials(study):  # trials a killed driver left running: follow them to their end
        _follow(store, study, _optuna().trial.Trial(study, frozen._trial_id), frozen.user_attrs.get("run_id"))
    while not _finished(study):
        trial = study.ask()
        settings = suggest(trial, base)
        config = trial_config(base, settings, f"{Path(base.data).stem} · trial {trial.number}")
        run = runner.submit(store, config)
        trial.set_user_attr("run_id", run.id)
        trial.set_user_attr("settings", settings)
        log.info("Trial %d is run %s: %s", trial.number, run.id, settings)
        _follow(store, study, trial, run.id)
    study.set_user_attr("ended_at", time.time())
    return summary(workspace, study_id)


def _open_trials(study) -> list:
    return [t for t in study.get_trials(deepcopy=False) if t.state.name == "RUNNING"]


def _finished(study) -> bool:
    trials = [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]
    seconds = study.user_attrs.get("seconds")
    over_time = seconds is not None and time.time() - study.user_attrs["created_at"] >= seconds
    return len(trials) >= study.user_attrs["trials"] or over_time


def _follow(store: RunStore, study, trial, run_id: str | None) -> None:
    """Watch one trial's run to its end, pruning it from its evaluations; a killed run is resumed."""
    optuna, pruned = _optuna(), False
    while True:
        runner.refresh(store)
        run = store.get(run_id) if run_id else None
        if run is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return
        scores = [m[SCORE] for m in store.metrics(run_id, "eval") if SCORE in m]
        if run.status == "running" and not pruned and report_evaluations(trial, scores):
            log.info("Trial %d (run %s) is pruned after %d evaluations", trial.number, run_id, len(scores))
            runner.stop_run(store, run_id)
            pruned = True
        elif run.status in ("running", "queued") and not pruned and _finished_by_time(study):
            runner.stop_run(store, run_id)
            pruned = True
        if run.status == "interrupted":
            runner.resume_run(store, run_id)  # a killed trial continues from its checkpoint
        elif run.status == "completed":
            score = run.results.get("metrics", {}).get(SCORE)  # validation rows; test_metrics stay unseen
            trial.set_user_attr("seconds", run.duration)
            if score is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, score)
            return
        elif run.status in ("stopped", "failed"):
            trial.set_user_attr("seconds", run.duration)
            state = optuna.trial.TrialState.PRUNED if run.status == "stopped" else optuna.trial.TrialState.FAIL
            study.tell(trial, state=state)
            return
        time.sleep(POLL_SECONDS)


def _finished_by_time(study) -> bool:
    seconds = study.user_attrs.get("seconds")
    return seconds is not None and time.time() - study.user_attrs["created_at"] >= seconds


def summary(workspace: Path, study_id: str) -> dict[str, Any]:
    """What the CLI prints and the study page shows: every trial, the best so far."""
    study = load_study(workspace, study_id)
    trials = [{"number": t.number, "run_id": t.user_attrs.get("run_id"), "state": t.state.name.lower(),
               "score": t.value, "seconds": t.user_attrs.get("seconds"), "settings": t.user_attrs.get("settings")}
              for t in study.get_trials(deepcopy=False)]
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE" and t.value is not None]
    best = max(done, key=lambda t: t.value) if done else None
    return {"study_id": study_id, "metric": SCORE, "trials": trials, "finished": "ended_at" in study.user_attrs,
            "trial_limit": study.user_attrs.get("trials"), "seconds": study.user_attrs.get("seconds"),
            "best_params": settings_from_params(best.params) if best else None,
            "best_score": best.value if best else None,
            "best_run_id": best.user_attrs.get("run_id") if best else None,
            "driver_pid": study.user_attrs.get("driver_pid"), "data": study.user_attrs["base"]["data"]}


def best_config(workspace: Path, study_id: str, all_data: bool = False) -> TrainConfig:
    """The base settings with the best trial's; `all_data` trains on all rows bar the smallest validation share."""
    found = summary(workspace, study_id)
    if not found["best_params"]:
        raise RunError("No trial of this search has finished yet.", "Wait for one, or start the search again.")
    study = load_study(workspace, study_id)
    config = dataclasses.replace(TrainConfig.from_dict(study.user_attrs["base"]), **found["best_params"],
                                 early_stopping_patience=0, name=f"{study_id} · best settings")
    if all_data and not config.val_data:
        config.val_fraction = 0.05  # the least the settings allow: still a few rows to pick the best epoch on
    return config
