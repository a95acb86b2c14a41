"""The Search page shows a study's trials, the best so far and Optuna's charts, and trains the best in one click;
the Train page shows the command line that starts the same run."""

from __future__ import annotations

import shlex
import time

from core.cli import build_parser, config_from_args
from core.search.study import create_study, load_study
from core.store.runs import RunStore
from tests.pagetext import assert_no_error, page_text
from ui.command_line import command_line
from ui.state import load_choices


def _finished_study(workspace, config) -> str:
    """A study with three finished trials, written straight into Optuna's storage (no training needed)."""
    import optuna

    study_id = create_study(workspace, config, trials=3)
    study = load_study(workspace, study_id)
    first = study.ask()  # trial 0: the settings the user would have run anyway, enqueued by create_study
    first.set_user_attr("run_id", "run-0")
    first.set_user_attr("settings", {"learning_rate": config.learning_rate, "epochs": config.epochs})
    first.set_user_attr("seconds", 10.0)
    study.tell(first, 0.71)
    dists = {"learning_rate": optuna.distributions.FloatDistribution(1e-5, 2e-4, log=True),
             "epochs": optuna.distributions.IntDistribution(1, 6)}
    for i, (lr, epochs, score) in enumerate([(1e-4, 4, 0.83), (5e-5, 3, 0.78)], start=1):
        study.add_trial(optuna.trial.create_trial(
            params={"learning_rate": lr, "epochs": epochs}, distributions=dists, value=score,
            user_attrs={"run_id": f"run-{i}", "settings": {"learning_rate": lr, "epochs": float(epochs)},
                        "seconds": 10.0}))
    study.set_user_attr("ended_at", time.time())
    return study_id


def test_the_study_view_shows_the_best_and_trains_it_on_all_the_data(empty_workspace, open_page, no_workers):
    at = open_page("search").run()  # a fresh workspace: only the form
    assert_no_error(at)
    _finished_study(empty_workspace, load_choices(empty_workspace).config)
    at = open_page("search").run()
    assert_no_error(at)
    assert "Best score so far (validation macro-F1): 0.830" in page_text(at)
    assert len(at.dataframe[0].value) == 3
    assert len(at.tabs) == 3  # history, importances, parallel coordinates
    next(b for b in at.button if b.label == "Train the best settings on all the data").click().run()
    runs = RunStore(empty_workspace).list_runs()
    assert len(runs) == 1 and runs[0].status == "queued"
    assert (runs[0].config["learning_rate"], runs[0].config["epochs"], runs[0].config["val_fraction"]) == (
        1e-4, 4.0, 0.05)


def test_the_train_page_shows_the_command_that_starts_the_same_run(empty_workspace, open_page, no_workers):
    at = open_page("train").run()
    assert_no_error(at)
    shown = [c.value for c in at.code if c.value.startswith("python -m core train")]
    assert shown, page_text(at)
    config = load_choices(empty_workspace).config
    assert shown[0] == command_line(config.__class__(**{**config.to_dict(), "trust_remote_code": False}))
    again = config_from_args(build_parser().parse_args(shlex.split(shown[0])[3:]))
    assert again.to_dict() == {**config.to_dict(), "trust_remote_code": False}
