"""The Search page's parts: start a search, follow its trials, Optuna's charts, train the best settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import StudioError
from core.runs import runner
from core.search.process import driver_alive, start_driver
from core.search.study import best_config, create_study, list_studies, load_study, summary
from ui import t
from ui.widgets import page_run_config, show_error

BUDGETS = {"10": 10.0, "30": 30.0, "60": 60.0, "trials": None}  # minutes; "trials": a trial count only


def start_section(ctx) -> None:
    """A time budget or a number of trials, then Start: the search runs in its own process."""
    st.markdown(t("search.around", data=ctx.config.data or "–", model=ctx.config.model))
    left, right = st.columns(2)
    budget = left.radio(t("search.budget"), list(BUDGETS), horizontal=True,
                        format_func=lambda k: t(f"search.budget.{k}"))
    trials = right.number_input(t("search.trials"), min_value=2, max_value=200, value=20 if BUDGETS[budget] else 8)
    if st.button(t("search.start"), type="primary", icon=":material/travel_explore:"):
        try:
            study_id = create_study(ctx.workspace, page_run_config(ctx.config), int(trials), BUDGETS[budget])
        except StudioError as error:
            show_error(error)
            return
        start_driver(ctx.workspace, study_id)
        st.session_state["study_id"] = study_id
        st.rerun()


def study_picker(ctx) -> str | None:
    studies = list_studies(ctx.workspace)
    if not studies:
        return None
    chosen = st.session_state.get("study_id")
    index = studies.index(chosen) if chosen in studies else 0
    return st.selectbox(t("search.pick"), studies, index=index)


def study_view(ctx, study_id: str) -> bool:
    """Trials as they finish and the best so far; True while the search is still going."""
    found = summary(ctx.workspace, study_id)
    going = not found["finished"] and driver_alive(found)
    if going:
        st.info(t("search.going", n=len(found["trials"]), limit=found["trial_limit"]), icon=":material/autorenew:")
    elif not found["finished"]:
        st.warning(t("search.halted"), icon=":material/pause_circle:")
        if st.button(t("search.continue"), icon=":material/play_arrow:"):
            start_driver(ctx.workspace, study_id)
            st.rerun()
    if found["best_params"]:
        st.metric(t("search.best"), f"{found['best_score']:.3f}", help=t("search.best_help"))
        st.json(found["best_params"], expanded=False)
    st.dataframe(_trial_table(found), hide_index=True, width="stretch")
    return going


def _trial_table(found: dict) -> pd.DataFrame:
    rows = [{t("search.col.trial"): x["number"], t("search.col.state"): t(f"search.state.{x['state']}"),
             t("search.col.score"): x["score"], t("search.col.seconds"): x["seconds"],
             t("search.col.run"): x["run_id"], **(x["settings"] or {})} for x in found["trials"]]
    return pd.DataFrame(rows)


def charts_section(ctx, study_id: str) -> None:
    """Optuna's own plotly charts: the history, which settings mattered, parallel coordinates."""
    from optuna import visualization

    study = load_study(ctx.workspace, study_id)
    complete = [x for x in study.get_trials(deepcopy=False) if x.state.name == "COMPLETE"]
    if len(complete) < 2:
        st.caption(t("search.charts_later"))
        return
    tabs = st.tabs([t("search.chart.history"), t("search.chart.importance"), t("search.chart.parallel")])
    charts = (visualization.plot_optimization_history, visualization.plot_param_importances,
              visualization.plot_parallel_coordinate)
    for tab, chart, key in zip(tabs, charts, ("history", "importance", "parallel"), strict=True):
        with tab:
            try:
                st.plotly_chart(chart(study), key=f"{key}-{study_id}")
            except (ValueError, RuntimeError):  # importances need trials that differ in their settings
                st.caption(t("search.charts_later"))


def best_section(ctx, study_id: str) -> None:
    """One click: the best settings trained on all the data (the smallest validation share)."""
    if st.button(t("search.train_best"), icon=":material/rocket_launch:", help=t("search.train_best_help")):
        try:
            run = runner.submit(ctx.store, page_run_config(best_config(ctx.workspace, study_id, all_data=True)))
        except StudioError as error:
            show_error(error)
            return
        ctx.update(run_id=run.id)
        st.switch_page("pages/train.py")
