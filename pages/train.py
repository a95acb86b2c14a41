"""Train: pick a preset, press Start, watch the loss and the scores move; Stop and Resume at will.

The training runs in its own process (core.runs); this page only reads the run store, so a
refresh, a second tab or a restarted server shows the same run where it is.
"""

import streamlit as st

from core.runs import runner
from core.runs.standby import ensure_standby
from core.store.runs import ACTIVE, RunRecord
from ui import page_setup, t
from ui.command_line import command_section
from ui.train_sections import (
    actions,
    charts_section,
    outcome_section,
    progress_section,
    queue_section,
    run_picker,
    setup_section,
    shown_run,
    status_line,
)
from ui.widgets import guard

ctx = page_setup()
ensure_standby(ctx.store)  # a warm worker, so Start shows the first loss within seconds
st.title(t("train.title"))
st.caption(t("train.intro"))
POLL_SECONDS = 1.5
runs: list[RunRecord] = []
with guard():
    runs = runner.refresh(ctx.store)  # a dead worker's run becomes 'interrupted'; queued work starts
    with st.container(border=True):
        setup_section(ctx, runs)
        command_section(ctx)  # the same run as a command line; settings saved and loaded as YAML
active = any(r.status in ACTIVE for r in runs)


@st.fragment(run_every=POLL_SECONDS if active else None)
def live() -> None:
    """Redrawn from the run store every POLL_SECONDS while something trains."""
    with guard():
        runs = runner.refresh(ctx.store)
        if any(r.status in ACTIVE for r in runs) != active:
            st.rerun(scope="app")  # a run started or ended: redraw the page, and start or stop polling
        run = shown_run(ctx, runs)
        if run is None:
            st.info(t("train.no_runs"), icon=":material/info:")
            return
        run_picker(ctx, runs, run)
        status_line(run)
        train, evals = ctx.store.metrics(run.id, "train"), ctx.store.metrics(run.id, "eval")
        progress_section(ctx, run, train)
        actions(ctx, run)
        outcome_section(run)
        charts_section(run, train, evals)
        queue_section(ctx, runs, run)


live()
