"""The Runs page: every run with its scores; curves and settings of chosen runs side by side; rename,
delete (after a confirmation) and download a run's model.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.runs.runner import create_run
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.pagetext import assert_no_error, messages, page_text


@pytest.fixture()
def own_runs(finished_workspace) -> Path:
    """The copied workspace with its runs pointing at the copied run folders, so renaming or deleting one
    leaves the shared finished run alone (the copy's database still names the original folders)."""
    store = RunStore(finished_workspace)
    for run in store.list_runs():
        store.update(run.id, run_dir=str(finished_workspace / "runs" / Path(run.run_dir).name))
    return finished_workspace


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_without_runs_it_says_to_train_first(empty_workspace, open_page):
    at = open_page("runs").run()
    assert_no_error(at)
    assert "No training yet" in messages(at, "info")


def test_the_history_lists_the_run_with_its_scores(finished_workspace, open_page):
    run = RunStore(finished_workspace).list_runs()[0]
    at = open_page("runs").run()
    assert_no_error(at)
    history = at.dataframe[0].value
    row = history.iloc[0]
    assert row["Name"] == "toy sentiment" and row["Status"] == "finished"
    assert row["Data"] == "toy.csv"
    assert abs(row["Accuracy"] - run.results["metrics"]["accuracy"]) < 1e-9
    assert row["Took"] not in ("", "–")


def test_chosen_runs_show_curves_and_settings_with_differences_marked(finished_workspace, open_page, no_workers):
    store = RunStore(finished_workspace)
    first = store.list_runs()[0]
    other = create_run(store, TrainConfig.from_dict({**first.config, "learning_rate": 5e-5, "name": "slower"}))
    at = open_page("runs").run()
    assert_no_error(at)
    picker = next(m for m in at.multiselect if m.label == "Runs to compare")
    assert picker.value == [first.id]  # the finished run is chosen to start with
    charts = at.get("plotly_chart")
    assert len(charts) == 2 and "toy sentiment" in charts[0].proto.spec
    picker.select(other.id).run()
    assert_no_error(at)
    settings = at.dataframe[-1].value
    assert list(settings.columns) == ["toy sentiment", "slower"]
    assert "Learning rate" in settings.index
    assert "settings differ (highlighted)" in page_text(at)
    next(t for t in at.toggle if t.label == "Only the settings that differ").set_value(True).run()
    only = at.dataframe[-1].value
    assert set(only.index) == {"Run name", "Learning rate"}


def test_rename_is_kept_in_the_store_and_the_run_folder(own_runs, open_page):
    finished_workspace = own_runs
    run = RunStore(finished_workspace).list_runs()[0]
    at = open_page("runs").run()
    next(x for x in at.text_input if x.label == "Name").input("sentiment v2").run()
    button(at, "Rename").click().run()
    assert_no_error(at)
    assert "Renamed the run to sentiment v2" in messages(at, "success")
    assert RunStore(finished_workspace).get(run.id).name == "sentiment v2"
    assert json.loads((Path(run.run_dir) / "config.json").read_text())["name"] == "sentiment v2"
    assert at.dataframe[0].value.iloc[0]["Name"] == "sentiment v2"


def test_delete_asks_first_and_cancel_keeps_the_run(own_runs, open_page):
    finished_workspace = own_runs
    run = RunStore(finished_workspace).list_runs()[0]
    at = open_page("runs").run()
    button(at, "Delete run").click().run()
    assert_no_error(at)
    assert "This cannot be undone" in messages(at, "warning")
    assert RunStore(finished_workspace).get(run.id) is not None  # nothing gone yet
    button(at, "Cancel").click().run()
    assert "This cannot be undone" not in messages(at, "warning")
    assert RunStore(finished_workspace).get(run.id) is not None
    button(at, "Delete run").click().run()
    button(at, "Yes, delete it").click().run()
    assert_no_error(at)
    assert RunStore(finished_workspace).get(run.id) is None and not Path(run.run_dir).exists()
    assert "No training yet" in messages(at, "info")


def test_deleting_a_run_in_training_says_it_is_stopped_first(finished_workspace, open_page, no_workers):
    store = RunStore(finished_workspace)
    running = create_run(store, TrainConfig.from_dict({**store.list_runs()[0].config, "name": "busy"}))
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # stands in for its worker
    try:
        store.update(running.id, status="running", pid=worker.pid, heartbeat=time.time())
        at = open_page("runs").run()
        next(s for s in at.selectbox if s.label == "Run").set_value(running.id).run()
        button(at, "Delete run").click().run()
        assert_no_error(at)
        assert "is training now. Deleting it stops the training first" in messages(at, "warning")
        assert store.get(running.id).status == "running"  # only after the yes
    finally:
        worker.kill()
        worker.wait()


def test_a_finished_run_offers_its_model_as_a_zip(finished_workspace, open_page, no_workers):
    store = RunStore(finished_workspace)
    finished = store.list_runs()[0]
    queued = create_run(store, TrainConfig.from_dict({**finished.config, "name": "waiting"}))
    at = open_page("runs").run()
    next(s for s in at.selectbox if s.label == "Run").set_value(finished.id).run()
    download = at.get("download_button")[0]
    assert download.proto.label == "Download the model (.zip)" and not download.proto.disabled
    next(s for s in at.selectbox if s.label == "Run").set_value(queued.id).run()
    assert at.get("download_button")[0].proto.disabled
    assert "no finished model" in page_text(at)
