"""Shared fixtures: workspaces for the dashboard's AppTests, one of them holding a finished run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # AppTest runs pages/*.py on their own; they import core and ui from here
    sys.path.insert(0, str(ROOT))
# No test leaves a warm standby worker behind; test_runner turns it on where it is the subject.
os.environ["STUDIO_STANDBY"] = "0"
os.environ["STUDIO_LEARNER_PREWARM"] = "0"  # nor a Label page a learner started ahead; test_learner turns it on


@pytest.fixture(scope="session", autouse=True)
def heavy_libraries_imported_once():
    """torch and transformers imported before any test starts the app, whose warm-up thread imports them too.

    Two threads importing transformers' lazy modules at once can fail ("cannot import name 'BertConfig'");
    the app's own pages take the warm-up's lock, but the tests' model builders do not.
    """
    from ui.loaders import import_heavy_libraries

    import_heavy_libraries()
    from transformers import BertConfig, GPT2Config  # noqa: F401  (the tiny models' classes, also lazy)


SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


def shared_dataset(name: str) -> Path:
    """A file of ../shared/datasets: a test without it skips on a laptop, but fails in CI, where it is there."""
    path = SHARED_DATASETS / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing, but CI always has ../shared/datasets beside the clone")
        pytest.skip(f"{path} is not here (../shared/datasets is only beside the project in CI)")
    return path


@pytest.fixture(scope="session")
def finished_run_workspace(tmp_path_factory) -> Path:
    """A workspace with one completed run of a tiny BERT on toy sentiment data, trained in this process."""
    from core.runs.runner import claim_device, create_run
    from core.runs.worker import execute
    from core.store.runs import RunStore
    from core.train.config import TrainConfig
    from tests.tiny import build_tiny_bert, write_toy_csv

    root = tmp_path_factory.mktemp("finished")
    model = build_tiny_bert(root / "tiny-bert")
    data = write_toy_csv(root / "toy.csv", rows=120)
    workspace = root / "workspace"
    store = RunStore(workspace)
    config = TrainConfig.from_preset("quick", data=str(data), model=str(model), epochs=6, batch_size=16,
                                     learning_rate=2e-3, max_length=16, seed=3, name="toy sentiment")
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    finished = execute(store, store.get(run.id))
    assert finished.status == "completed", finished.error
    return workspace


@pytest.fixture()
def empty_workspace(tmp_path, monkeypatch) -> Path:
    """A fresh workspace, as on first start."""
    workspace = tmp_path / "empty-workspace"
    monkeypatch.setenv("STUDIO_WORKSPACE", str(workspace))
    return workspace


@pytest.fixture()
def finished_workspace(finished_run_workspace, tmp_path, monkeypatch) -> Path:
    """A private copy of the finished-run workspace, so a test may change it."""
    import shutil

    from core.store.runs import RunStore

    workspace = tmp_path / "finished-workspace"
    shutil.copytree(finished_run_workspace, workspace)
    store = RunStore(workspace)
    for run in store.list_runs():  # point the copy's runs at the copied folders, not the shared originals
        store.update(run.id, run_dir=str(workspace / "runs" / run.id))
    monkeypatch.setenv("STUDIO_WORKSPACE", str(workspace))
    return workspace


@pytest.fixture()
def no_workers(monkeypatch):
    """Queue runs without starting worker processes: Start and Resume only change the run store."""
    from core.runs import runner

    monkeypatch.setattr(runner, "start_next", lambda store: None)



@pytest.fixture()
def open_page():
    """AppTest of one page (pages/NAME.py, on its own) or of the whole app (NAME='app')."""
    from streamlit.testing.v1 import AppTest

    def opener(name: str) -> AppTest:
        path = ROOT / "app.py" if name == "app" else ROOT / "pages" / f"{name}.py"
        return AppTest.from_file(str(path), default_timeout=90)

    return opener

