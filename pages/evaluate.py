"""Evaluate: how good a finished model is, which labels it mixes up, and on which texts.

On its own validation rows the page reads what the training wrote (no model load); on another labelled
file it runs the model (core.serve.evaluate). Both give the same report, drawn the same way.
"""

import streamlit as st

from core.errors import StudioError
from ui import page_setup, t
from ui.behaviour_section import behaviour_section
from ui.evaluate_sections import (
    file_report,
    matrix_section,
    mistakes_section,
    own_parts,
    pick_run,
    scores_section,
    validation,
)
from ui.methods import baseline_note
from ui.task_pages import evaluate_task, run_task
from ui.widgets import guard, next_step, show_error

ctx = page_setup()
st.title(t("evaluate.title"))
st.caption(t("evaluate.intro"))
with guard():
    runs = [r for r in ctx.store.list_runs(("completed",)) if ((r.results or {}).get("metrics") or {}).get("labels")]
    if not runs:
        st.info(t("evaluate.no_runs"), icon=":material/info:")
        next_step("pages/train.py", "try.go_train")
        st.stop()
    run = pick_run(ctx, runs)
    if run_task(run) != "single-label":  # several labels per text, or a score: their own scores and pictures
        evaluate_task(run)
        next_step("pages/try.py", "evaluate.next")
        st.stop()
    parts = own_parts(run)  # the test rows first when the run kept some apart: they give the honest score
    source = st.radio(t("evaluate.on"), [*parts, "file"], horizontal=True,
                      format_func=lambda s: t(f"evaluate.on.{s}"), key=f"evaluate_source-{len(parts)}")
    report = None
    if source in parts:
        report = validation(run, source)
        if report is None:
            st.info(t("evaluate.no_validation"), icon=":material/info:")
        else:
            st.caption(t(f"evaluate.{source}_intro", n=report.get("rows", 0)))
            if source == "validation" and "test" in parts:
                st.caption(t("evaluate.validation_optimistic"))
    else:
        try:
            report = file_report(ctx, run)
        except StudioError as error:
            show_error(error)
    if report is not None:
        key = f"{source}-{run.id}"
        scores_section(report)
        if source in parts:
            baseline_note(run.results)  # beside a TF-IDF baseline trained on the same rows
        st.subheader(t("evaluate.matrix"))
        matrix_section(report, key)
        mistakes_section(report, key)
        behaviour_section(ctx.store, run)
        next_step("pages/try.py", "evaluate.next")
