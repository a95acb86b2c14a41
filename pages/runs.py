"""Runs: every training so far; their curves laid over each other, their settings side by side;
rename, delete, and download a run's model.
"""

import time
from dataclasses import fields
from pathlib import Path

import streamlit as st

from core.errors import StudioError
from core.runs import runner
from core.runs.history import best_scores, compare_configs, rename_run
from core.serve.export import bundle_name, model_zip_bytes
from core.serve.validation import scored_part
from core.store.run_folder import model_dir
from core.store.runs import RunRecord
from core.train.config import TrainConfig
from ui import format as fmt
from ui import page_setup, t
from ui.i18n import t_default
from ui.methods import baseline_accuracy
from ui.review_charts import runs_loss_figure, runs_metric_figure
from ui.serve_section import serve_section
from ui.widgets import guard, md, next_step, show_error

ctx = page_setup()
st.title(t("runs.title"))
st.caption(t("runs.intro"))
CONFIRM = "_runs_confirm_delete"  # the run whose deletion waits for a yes
NOTICE = "_runs_notice"
DIFFERS = "background-color: rgba(255, 170, 0, 0.22)"
SHOWN = {"model": lambda v: t("model.builtin_name") if v in ("", "default") else v,  # a setting's value, for people
         "preset": lambda v: t_default(f"preset.{v}", v),
         "data": lambda v: Path(v).name, "val_data": lambda v: Path(v).name, "test_data": lambda v: Path(v).name}


def model_name(model: str) -> str:
    return t("model.builtin_name") if model in ("", "default") else Path(model).name if Path(model).is_dir() else model


def when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "–"


def run_name(run: RunRecord) -> str:
    return f"{run.name} · {t(f'status.{run.status}')} · {when(run.created_at)}"


def scored_on(run: RunRecord, scores: dict) -> str:
    """Which rows the scores of the history are on: the test rows when the run kept some apart."""
    part = scored_part(run.results or {})
    if part is None:
        return "–" if scores["accuracy"] is None else t("runs.on.validation")  # a run still training: its evals
    return t(f"runs.on.{part}")


def history_section(runs: list[RunRecord]) -> None:
    import pandas as pd

    scores = {r.id: best_scores(ctx.store, r) for r in runs}
    columns = {k: t(f"runs.col.{k}") for k in ("name", "status", "accuracy", "macro_f1", "baseline", "method",
                                                 "scored_on", "model",
                                                 "data", "duration", "created")}
    frame = pd.DataFrame({
        columns["name"]: [r.name for r in runs],
        columns["status"]: [t(f"status.{r.status}") for r in runs],
        columns["accuracy"]: [scores[r.id]["accuracy"] for r in runs],
        columns["macro_f1"]: [scores[r.id]["macro_f1"] for r in runs],
        columns["baseline"]: [baseline_accuracy(r.results) for r in runs],  # TF-IDF on the same rows
        columns["method"]: [t(f"method.{r.config.get('method') or 'fine-tune'}") for r in runs],
        columns["scored_on"]: [scored_on(r, scores[r.id]) for r in runs],
        columns["model"]: [model_name(r.config.get("model", "")) for r in runs],
        columns["data"]: [Path(r.config.get("data") or "").name for r in runs],
        columns["duration"]: [fmt.duration(r.duration) for r in runs],
        columns["created"]: [when(r.created_at) for r in runs]})
    percent = {columns[k]: fmt.percent_column(columns[k], help=t(f"runs.col.{k}_help"), width="small")
               for k in ("accuracy", "macro_f1", "baseline")}
    percent.update({columns[k]: st.column_config.TextColumn(width="small") for k in ("status", "duration")})
    percent[columns["scored_on"]] = st.column_config.TextColumn(width="small", help=t("runs.col.scored_on_help"))
    st.dataframe(frame, hide_index=True, column_config=percent, width="stretch",
                 height=min(420, 38 + 35 * len(frame)))


def compare_section(runs: list[RunRecord]) -> None:
    st.subheader(t("runs.compare"))
    by_id = {r.id: r for r in runs}
    with_scores = [r.id for r in runs if r.status == "completed"] or [r.id for r in runs]
    picked = st.multiselect(t("runs.pick"), list(by_id), default=with_scores[:2], format_func=lambda i: run_name(
        by_id[i]), key="runs_compare", placeholder=t("runs.pick_placeholder"))
    if not picked:
        st.caption(t("runs.pick_hint"))
        return
    chosen = [by_id[i] for i in picked]
    series = [{"name": r.name, "train": ctx.store.metrics(r.id, "train"), "evals": ctx.store.metrics(r.id, "eval")}
              for r in chosen]
    points = [p for s in series for p in s["train"] + s["evals"]]
    x = "epoch" if points and all(p.get("epoch") is not None for p in points) else "step"
    if not points:
        st.info(t("runs.no_points"), icon=":material/info:")
    else:
        left, right = st.columns(2)
        left.plotly_chart(runs_loss_figure(series, x), key="runs_loss")
        metric = right.radio(t("runs.metric"), ["accuracy", "macro_f1"], horizontal=True, key="runs_metric",
                             format_func=lambda m: t(f"chart.{m}"), label_visibility="collapsed")
        right.plotly_chart(runs_metric_figure(series, metric, x), key="runs_scores")
    settings_table(chosen)


def settings_table(chosen: list[RunRecord]) -> None:
    """Settings side by side, one column a run; the rows where they differ stand out."""
    st.markdown(f"**{t('runs.settings')}**")
    table = compare_configs([r.config for r in chosen], [r.name for r in chosen])
    keys = {f.metadata.get("label", f.name): f.name for f in fields(TrainConfig)}
    for label, key in keys.items():  # values as the rest of the dashboard names them
        if label in table.index and key in SHOWN:
            table.loc[label, table.columns != "differs"] = table.loc[label, table.columns != "differs"].map(SHOWN[key])
    table = table.replace({"yes": t("runs.yes"), "no": t("runs.no")})
    table.index = [t_default(f"field.{keys[label]}", label) if label in keys else label for label in table.index]
    differs = table.pop("differs")
    only = len(chosen) > 1 and st.toggle(t("runs.only_differences"), key="runs_only_differences")
    if only:
        table, differs = table[differs.values], differs[differs.values]
    if len(chosen) > 1:
        st.caption(t("runs.differences", n=int(differs.sum())))
    marks = list(differs)
    styled = table.style.apply(lambda column: [DIFFERS if marks[i] else "" for i in range(len(column))], axis=0)
    st.dataframe(styled, width="stretch", height=min(600, 38 + 35 * len(table)),
                 column_config={"_index": st.column_config.TextColumn(width="medium")})


def manage_section(runs: list[RunRecord]) -> None:
    st.subheader(t("runs.manage"))
    by_id = {r.id: r for r in runs}
    ids = list(by_id)
    run_id = st.selectbox(t("runs.manage_pick"), ids, format_func=lambda i: run_name(by_id[i]), key="runs_manage",
                          index=ids.index(ctx.choices.run_id) if ctx.choices.run_id in ids else 0)
    run = by_id[run_id]
    rename_column, download_column, delete_column = st.columns([3, 2, 2], vertical_alignment="bottom")
    with rename_column:
        name = st.text_input(t("runs.new_name"), value=run.name, key=f"runs_name-{run.id}")
        if st.button(t("runs.rename"), icon=":material/edit:", disabled=name.strip() in ("", run.name)):
            rename_run(ctx.store, run.id, name)
            st.session_state[NOTICE] = t("runs.renamed", name=md(name.strip()))
            st.rerun()
    with download_column:
        has_model = (model_dir(run.run_dir) / "config.json").exists()
        st.download_button(t("runs.download"), data=lambda: model_zip_bytes(run.run_dir),
                           file_name=f"{bundle_name(run.run_dir)}.zip", mime="application/zip", disabled=not has_model,
                           icon=":material/download:", on_click="ignore", help=t("runs.download_help"))
        if not has_model:
            st.caption(t("runs.no_model"))
    with delete_column:
        if st.button(t("runs.delete"), icon=":material/delete:", key="runs_delete"):
            st.session_state[CONFIRM] = run.id
    if st.session_state.get(CONFIRM) == run.id:
        confirm_delete(run)
    serve_section(ctx.store, run)


def confirm_delete(run: RunRecord) -> None:
    """Deleting cannot be undone: say what goes, and what happens to a training that is running."""
    key = "runs.confirm_running" if run.status in ("running", "queued") else "runs.confirm"
    st.warning(t(key, name=md(run.name)), icon=":material/warning:")
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button(t("runs.confirm_yes"), type="primary", key="runs_delete_yes"):
        with st.spinner(t("runs.deleting") if run.status == "running" else t("runs.deleting_plain")):
            runner.delete_run(ctx.store, run.id)
        st.session_state.pop(CONFIRM, None)
        st.session_state[NOTICE] = t("runs.deleted", name=md(run.name))
        st.rerun()
    if no.button(t("runs.confirm_no"), key="runs_delete_no"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()


with guard():
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    runs = runner.refresh(ctx.store)
    if not runs:
        st.info(t("runs.no_runs"), icon=":material/info:")
        next_step("pages/train.py", "try.go_train")
        st.stop()
    history_section(runs)
    compare_section(runs)
    try:
        manage_section(runs)
    except StudioError as error:
        show_error(error)
