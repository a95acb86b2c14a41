"""Settings search: trials are ordinary runs, pruned from their evaluations, resumable after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.search.study import best_config, create_study, drive, load_study, report_evaluations, summary
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, write_toy_csv

ROOT = Path(__file__).resolve().parents[1]


def test_a_trial_far_below_the_others_is_pruned_from_its_evaluations(tmp_path):
    import optuna

    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.MedianPruner(n_startup_trials=2))
    for scores in ([0.6, 0.8, 0.9], [0.7, 0.85, 0.9]):  # two earlier trials that learned
        trial = study.ask()
        assert not report_evaluations(trial, scores)
        study.tell(trial, scores[-1])
    good, bad = study.ask(), study.ask()
    assert not report_evaluations(good, [0.75])
    assert report_evaluations(bad, [0.3])  # the fake evaluation sequence: far below the median at epoch 0


def test_the_first_trial_is_the_run_the_user_would_start_without_a_search(tmp_path):
    from core.search.space import suggest

    base = TrainConfig.from_preset("balanced", data=str(ROOT / "sample_data" / "movie_reviews_en.csv"))
    study = load_study(tmp_path, create_study(tmp_path, base, trials=3))
    first, second = suggest(study.ask(), base), suggest(study.ask(), base)
    assert first == {"lora": False, "learning_rate": base.learning_rate, "epochs": base.epochs,
                     "batch_size": base.batch_size, "warmup_ratio": base.warmup_ratio,
                     "weight_decay": base.weight_decay, "max_length": base.max_length}
    assert second != first  # then Optuna's own choices


def test_four_trials_complete_after_the_search_process_is_killed_and_the_best_reruns(tmp_path):
    model = build_tiny_bert(tmp_path / "bert")
    data = write_toy_csv(tmp_path / "toy.csv", rows=80)
    workspace = tmp_path / "workspace"
    base = TrainConfig.from_preset("quick", data=str(data), model=str(model), max_length=16, test_fraction=0.2,
                                   seed=1)
    study_id = create_study(workspace, base, trials=4)
    driver = subprocess.Popen([sys.executable, "-m", "core", "search", "--resume", study_id, "--workspace",
                               str(workspace), "--json"], cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = RunStore(workspace)
    end = time.monotonic() + 300
    while time.monotonic() < end and not any(r.status == "running" for r in store.list_runs()):
        time.sleep(0.3)
    os.kill(driver.pid, signal.SIGKILL)  # the search's own process dies with a trial running
    driver.wait()
    assert load_study(workspace, study_id).get_trials()[0].state.name == "RUNNING"

    result = drive(workspace, study_id)  # whoever calls it again continues with the trials left
    assert [t["state"] for t in result["trials"]].count("complete") + [t["state"] for t in result[
        "trials"]].count("pruned") == 4
    assert len({t["run_id"] for t in result["trials"]}) == 4
    runs = {r.id: r for r in store.list_runs()}
    assert all(t["run_id"] in runs for t in result["trials"])  # each trial is an ordinary run
    best_run = runs[result["best_run_id"]]
    assert result["best_score"] == best_run.results["metrics"]["macro_f1"]  # validation rows, not the test split
    assert "test_metrics" in best_run.results
    assert json.dumps(summary(workspace, study_id))  # what --json prints

    again = create_run(store, best_config(workspace, study_id))
    assert claim_device(store, again.id, os.getpid())
    rerun = execute(store, store.get(again.id))
    assert rerun.results["metrics"]["macro_f1"] == pytest.approx(result["best_score"], abs=0.05)
