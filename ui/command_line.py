"""The bridge from clicking to scripting: the command line that starts the same run, and YAML settings files."""

from __future__ import annotations

import dataclasses
import shlex

import streamlit as st

from core.errors import StudioError
from core.train.config import TrainConfig
from core.train.settings_file import read_settings, to_yaml
from ui import t
from ui.widgets import next_step, page_run_config, show_error

ALWAYS = ("data", "model", "preset")  # named even when they are the defaults: the command says what it trains


def command_line(config: TrainConfig) -> str:
    """`python -m core train ...` with the flags that make this run: the files, the preset, what differs from it."""
    base = TrainConfig.from_preset(config.preset)
    parts = ["python", "-m", "core", "train"]
    for f in dataclasses.fields(TrainConfig):
        value = getattr(config, f.name)
        if f.metadata.get("page") == "cli" or value in (None, "") or (
                f.name not in ALWAYS and value == getattr(base, f.name)):
            continue
        flag = "--" + f.name.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag if value else "--no-" + f.name.replace("_", "-"))
        else:
            parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join(parts)


def command_section(ctx) -> None:
    """Folded away on the Train page: the command, the settings as a YAML download, a YAML file to load."""
    config = page_run_config(ctx.config)
    next_step("pages/search.py", "train.find_best", icon=":material/travel_explore:")
    with st.expander(t("command.title"), icon=":material/terminal:"):
        st.caption(t("command.intro"))
        st.code(command_line(config), language="bash", wrap_lines=True)
        st.download_button(t("command.save"), to_yaml(config), file_name="run-settings.yaml", mime="text/yaml",
                           icon=":material/download:")
        upload = st.file_uploader(t("command.load"), type=["yaml", "yml"], key="settings_yaml")
        if upload is not None and st.session_state.get("settings_yaml_loaded") != upload.file_id:
            try:
                values = read_settings(upload.getvalue().decode("utf-8"), upload.name)
            except StudioError as error:
                show_error(error)
                return
            st.session_state["settings_yaml_loaded"] = upload.file_id  # load once, not on every rerun
            ctx.update(config=TrainConfig.from_dict(values))
            st.rerun()
