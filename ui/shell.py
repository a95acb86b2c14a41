"""The frame around the pages: the journey in the navigation (with ✓ for done steps) and the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.device import describe_device
from core.store.runs import FINISHED
from ui import PageContext
from ui import format as fmt
from ui.i18n import LANGUAGES, set_language, t
from ui.state import update_choices
from ui.widgets import md

# The journey, in order: (page file, title key, url). Adding a page is one line here.
PAGES = [
    ("pages/model.py", "nav.model", "model"),
    ("pages/data.py", "nav.data", "data"),
    ("pages/label.py", "nav.label", "label"),
    ("pages/train.py", "nav.train", "train"),
    ("pages/search.py", "nav.search", "search"),
    ("pages/evaluate.py", "nav.evaluate", "evaluate"),
    ("pages/try.py", "nav.try", "try"),
    ("pages/runs.py", "nav.runs", "runs"),
    ("pages/present.py", "nav.present", "present"),
]
NUMBERS = ["counter_1", "counter_2", "counter_3", "counter_4", "counter_5", "counter_6", "counter_7", "counter_8"]


def journey(ctx: PageContext) -> dict[str, str]:
    """Each step's state from what is saved: 'done', 'active' (a training runs) or 'todo'."""
    choices, config = ctx.choices, ctx.config
    runs = ctx.store.list_runs()
    state = {"model": "done" if config.model else "todo",
             "data": "done" if Path(config.data).is_file() and config.label_column != "" else "todo",
             "train": "todo", "try": "done" if choices.tried else "todo"}
    if any(r.status in ("running", "queued") for r in runs):
        state["train"] = "active"
    elif any(r.status == "completed" for r in runs):
        state["train"] = "done"
    return state


def navigation(ctx: PageContext):
    """st.navigation over PAGES; a done step shows a check mark, a running training a spinner."""
    states = journey(ctx)
    pages = []
    for i, (path, title_key, url) in enumerate(PAGES):
        state = states.get(url, "todo")
        icon = {"done": ":material/check_circle:", "active": ":material/progress_activity:"}.get(
            state, f":material/{NUMBERS[i % len(NUMBERS)]}:")
        pages.append(st.Page(path, title=t(title_key), icon=icon, url_path=url, default=i == 0))
    return st.navigation(pages)


def sidebar(ctx: PageContext) -> None:
    """Under the navigation: what is training, the device, the language and the workspace."""
    with st.sidebar:
        running = ctx.store.list_runs(("running",))
        if running:  # drawn once per page view: the Train page has the live numbers
            st.info(t("sidebar.training", name=md(running[0].name)), icon=":material/progress_activity:")
        device = describe_device()
        kind = t("sidebar.gpu") if device.kind == "cuda" else t("sidebar.cpu")
        st.caption(t("sidebar.device"))
        st.markdown(f"**{kind}** · {md(device.name)}  \n"
                    + t("sidebar.device_detail", memory=fmt.gigabytes(device.memory_gb), cores=device.cores))
        names = list(LANGUAGES)
        picked = st.radio(t("sidebar.language"), names, index=names.index(ctx.language),
                          format_func=LANGUAGES.get, horizontal=True)
        if picked != ctx.language:
            set_language(picked)
            update_choices(ctx.workspace, language=picked)
            st.rerun()
        st.caption(t("sidebar.workspace"))
        st.code(str(ctx.workspace), language=None, wrap_lines=True)
        finished = len(ctx.store.list_runs(FINISHED))
        if finished:
            st.caption(t("sidebar.runs", n=finished))
