"""app.py: the navigation over the pages, the sidebar (device, language, workspace) and the journey."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.pagetext import assert_no_error, page_text
from ui import PageContext
from ui.shell import PAGES, journey
from ui.state import load_choices


def test_the_app_opens_on_the_model_page_with_device_language_and_workspace(empty_workspace, open_page):
    at = open_page("app").run()
    assert_no_error(at)
    assert at.title[0].value == "Choose a model"
    sidebar = page_text(at, sidebar=True)
    assert "Trains on" in sidebar and "memory" in sidebar
    assert str(empty_workspace) in sidebar
    assert at.sidebar.radio[0].value == "en"


def test_every_page_opens_inside_the_app(empty_workspace, open_page):
    at = open_page("app").run()
    for path, _, _ in PAGES:
        at.switch_page(path).run()
        assert_no_error(at, path)


def test_the_language_switch_is_kept_across_a_refresh(empty_workspace, open_page):
    at = open_page("app").run()
    at.sidebar.radio[0].set_value("zh").run()
    assert_no_error(at)
    assert at.title[0].value == "选择模型"
    assert load_choices(empty_workspace).language == "zh"
    again = open_page("app").run()  # a refresh is a new session
    assert again.title[0].value == "选择模型"


def test_the_journey_marks_done_steps_from_the_store(finished_workspace, empty_workspace):
    from core.store.runs import RunStore

    fresh = PageContext(empty_workspace, RunStore(empty_workspace), load_choices(empty_workspace), "en")
    assert journey(fresh) == {"model": "done", "data": "done", "train": "todo", "try": "todo"}
    finished = PageContext(finished_workspace, RunStore(finished_workspace), load_choices(finished_workspace), "en")
    assert journey(finished)["train"] == "done"


def test_pages_without_a_model_to_run_do_not_import_torch_or_transformers(tmp_path):
    """The Model, Train and Try pages draw on an empty workspace without the heavy libraries (fast pages)."""
    root = Path(__file__).resolve().parents[1]
    script = f"""
import sys
sys.path.insert(0, {str(root)!r})
from streamlit.testing.v1 import AppTest
for page in ("model", "train", "try"):
    at = AppTest.from_file({str(root)!r} + "/pages/" + page + ".py", default_timeout=60).run()
    assert not at.exception and not at.error, (page, [e.value for e in at.error])
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""
    env = {**os.environ, "STUDIO_WORKSPACE": str(tmp_path / "ws")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HEAVY=\n" in out.stdout, out.stdout
