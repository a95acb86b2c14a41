"""What the dashboard's pages share: setup, the language catalogue, state, widgets and charts.

Every page starts with `ctx = page_setup()`, so it works on its own (AppTest) as well as inside app.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.labels.store import LabelStore
from core.store.runs import RunStore
from core.store.workspace import workspace_path
from core.train.config import TrainConfig
from ui.i18n import choose_language, t
from ui.state import Choices, load_choices, update_choices

__all__ = ["PageContext", "page_setup", "t"]


@dataclass
class PageContext:
    workspace: Path
    store: RunStore
    choices: Choices
    language: str

    @functools.cached_property
    def labels(self) -> LabelStore:
        """The labelling projects of this workspace."""
        return LabelStore(self.workspace)

    @property
    def config(self) -> TrainConfig:
        """The run Start would submit: model, data, columns and every setting."""
        return self.choices.config

    def update(self, **changes: Any) -> Choices:
        """Change the user's choices (a TrainConfig field's name changes that setting) and save them at once."""
        self.choices = update_choices(self.workspace, **changes)
        return self.choices


def page_setup() -> PageContext:
    """The workspace, the run store, the saved choices and this session's language."""
    _leave_legacy_pages_mode()
    workspace = workspace_path()
    choices = load_choices(workspace)
    language = choose_language(choices.language)
    return PageContext(workspace, RunStore(workspace), choices, language)


def _leave_legacy_pages_mode() -> None:
    """Run every page through app.py, even when Streamlit would run a pages/ script on its own.

    Streamlit's old multipage mode (a folder called pages/ beside the main script) is switched off
    only once app.py calls st.navigation. A browser tab that asks for /train as the first request
    after a server start would otherwise get pages/train.py alone: no sidebar, no language switch.
    The rerun keeps the page (a page is known by its URL), now inside app.py's navigation.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:  # st.navigation has not run in this script run
        PagesManager.uses_pages_directory = False
        st.rerun()
