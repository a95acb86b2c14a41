"""The Train page's parts: the settings and Start, then the shown run's status, progress, outcome, actions,
live charts and the queue. Each reads the run store; none holds a training.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import StudioError
from core.runs import runner
from core.store.run_folder import log_path
from core.store.runs import ACTIVE, RunRecord
from ui import charts, t
from ui import format as fmt
from ui.big_data import sample_offer
from ui.devices import device_picker, run_devices_note
from ui.i18n import t_engine
from ui.methods import baseline_note, method_picker, stopped_note
from ui.progress import progress
from ui.widgets import (
    estimate_panel,
    md,
    next_step,
    page_run_config,
    preset_picker,
    settings_expander,
    show_error,
    truncation_note,
)

VIEWING = "_train_viewing"  # a run this tab chose to look at, over the latest active one
STATUS_COLORS = {"queued": "gray", "running": "blue", "completed": "green", "stopped": "orange",
                 "interrupted": "orange", "failed": "red"}


def model_name(model: str) -> str:
    return t("model.builtin_name") if model in ("", "default") else model


def shown_run(ctx, runs: list[RunRecord]) -> RunRecord | None:
    """The run to show: one picked in this tab, else the one training, else the next queued, else the last."""
    by_id = {r.id: r for r in runs}
    if st.session_state.get(VIEWING) in by_id:
        return by_id[st.session_state[VIEWING]]
    for status in ("running", "queued"):
        waiting = [r for r in runs if r.status == status]
        if waiting:
            return waiting[-1]  # runs are newest first; the queue starts with the oldest
    return by_id.get(ctx.choices.run_id) or (runs[0] if runs else None)


def setup_section(ctx, runs: list[RunRecord]) -> None:
    config = ctx.config
    validation = (t("train.val_file", name=md(Path(config.val_data).name)) if config.val_data
                  else t("train.val_share", share=f"{config.val_fraction:.0%}"))
    st.markdown(t("train.summary", model=md(model_name(config.model)), data=md(Path(config.data).name),
                  text=md(config.text_column or "?"), label=md(config.label_column or "–"), validation=validation))
    preset_picker(ctx)
    method_picker(ctx)  # fine-tune, few-shot or quick, the one for these labels recommended
    settings_expander(ctx)
    name = st.text_input(t("field.name"), value=config.name, placeholder=t("train.name_placeholder"),
                         help=t("field.name.help"))
    if name != config.name:
        ctx.update(name=name)
    device_picker(ctx)  # which GPUs (or CPU processes), and the effective batch they give
    try:
        estimate_panel(ctx, compact=True)
        sample_offer(ctx)  # over 20 minutes: try it on a sample first
    except StudioError:
        pass  # the Start button below says what is wrong with the data or the model
    truncation_note(ctx)
    busy = any(r.status in ACTIVE for r in runs)
    if st.button(t("train.queue") if busy else t("train.start"), type="primary", icon=":material/play_arrow:"):
        try:
            run = runner.submit(ctx.store, page_run_config(ctx.config))
        except StudioError as error:
            show_error(error)
        else:
            ctx.update(run_id=run.id, name="")
            st.session_state.pop(VIEWING, None)
            st.rerun()


def status_line(run: RunRecord) -> None:
    badge = f":{STATUS_COLORS.get(run.status, 'gray')}-badge[{t(f'status.{run.status}')}]"
    st.markdown(f"### {md(run.name)} {badge}")


def progress_section(ctx, run: RunRecord, train: list[dict]) -> None:
    p = progress(run, train)
    epochs = run.config.get("epochs")
    if run.status == "queued":
        ahead = [r for r in ctx.store.list_runs(("queued", "running")) if r.created_at < run.created_at]
        st.info(t("train.waiting", n=len(ahead)) if ahead else t("train.starting"), icon=":material/hourglass:")
        return
    if run.max_steps:
        text = t("train.progress", step=run.global_step, steps=run.max_steps, epoch=f"{run.epoch or 0:.1f}",
                 epochs=f"{epochs:g}" if epochs else "?")
    else:
        text = t("train.preparing")
    st.progress(p.share, text=text)
    cols = st.columns(4)
    cols[0].metric(t("train.elapsed"), fmt.duration(p.elapsed))
    cols[1].metric(t("train.left"), fmt.duration(p.left) if run.status == "running" else "–")
    cols[2].metric(t("train.speed"), f"{p.samples_per_second:.1f}" if p.samples_per_second else "–",
                   help=t("train.speed_help"))
    cols[3].metric(t("train.memory"), fmt.size_mb(p.memory_mb) if p.memory_mb else "–")
    if run.device:
        st.caption(t("train.on_device", device=md(run.device)))
    run_devices_note(run)  # several processes, and a batch halved to fit (the effective batch kept)


def outcome_section(run: RunRecord) -> None:
    if run.status == "completed":
        results = run.results or {}
        scores, test = results.get("metrics") or {}, results.get("test_metrics") or {}
        accuracy, f1 = scores.get("accuracy"), scores.get("macro_f1")
        if test.get("accuracy") is not None:  # the rows kept apart until the end: the score to trust
            st.success(t("train.done_test", n=test.get("rows", 0), accuracy=f"{test['accuracy']:.1%}",
                         f1=f"{(test.get('macro_f1') or 0):.1%}", val=f"{(accuracy or 0):.1%}"),
                       icon=":material/check_circle:")
        elif accuracy is not None:
            st.success(t("train.done", accuracy=f"{accuracy:.1%}", f1=f"{(f1 or 0):.1%}"),
                       icon=":material/check_circle:")
        else:  # several labels per text, or a score: their own headline
            from ui.task_pages import task_outcome

            task_outcome(results)
        baseline_note(results)  # the run beside a TF-IDF baseline trained on the same rows
        weights = results.get("class_weights")
        if weights and len(set(weights.values())) > 1:  # balanced classes: the weights differ, say how
            st.caption(t("train.class_weights", weights=" · ".join(f"{md(k)} {v:.2f}" for k, v in weights.items())))
        next_step("pages/try.py", "train.next")
    elif run.status in ("failed", "interrupted"):
        key = "run.interrupted" if run.error_kind == "interrupted" else f"run.error.{run.error_kind}"
        message = t_engine(key, run.error or t("run.unknown_error"))
        fix = t_engine(key + ".fix", run.error_fix or "")
        st.error(md(message) + (f"  \n**{t('error.fix')}** {md(fix)}" if fix else ""), icon=":material/error:")
    elif run.status == "stopped":
        st.info(stopped_note(run), icon=":material/pause_circle:")  # a few-shot run restarts: said so
    if run.status in ("failed", "interrupted", "stopped", "completed"):
        path = log_path(run.run_dir)
        if path.exists():
            with st.expander(t("train.log"), icon=":material/description:"):
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[-200:]
                st.code("\n".join(lines), language=None)


def actions(ctx, run: RunRecord) -> None:
    left, right, _ = st.columns([1, 1, 4])
    if run.status in ACTIVE and not run.stop_requested:
        if left.button(t("train.stop"), icon=":material/stop_circle:"):
            runner.stop_run(ctx.store, run.id)
            st.rerun()
    elif run.stop_requested and run.status == "running":
        left.caption(t("train.stopping"))
    if run.status in ("stopped", "interrupted", "failed"):
        if right.button(t("train.resume"), icon=":material/resume:", type="primary"):
            try:
                runner.resume_run(ctx.store, run.id)
            except StudioError as error:
                show_error(error)
            else:
                st.session_state[VIEWING] = run.id
                st.rerun(scope="app")


def charts_section(run: RunRecord, train: list[dict], evals: list[dict]) -> None:
    if not train and not evals:
        if run.status == "running":
            st.caption(t("train.first_points"))
        return
    left, right = st.columns(2)
    left.plotly_chart(charts.loss_figure(train, evals), key=f"loss-{run.id}")
    if evals:
        from ui.task_pages import task_metrics_figure  # micro/macro-F1, or MAE and Spearman

        right.plotly_chart(task_metrics_figure(evals) or charts.metrics_figure(evals), key=f"scores-{run.id}")
    else:
        right.caption(t("train.first_eval"))


def queue_section(ctx, runs: list[RunRecord], shown: RunRecord) -> None:
    queued = [r for r in reversed(runs) if r.status == "queued" and r.id != shown.id]
    if not queued:
        return
    st.markdown(f"**{t('train.queue_title', n=len(queued))}**")
    for i, run in enumerate(queued, start=1):
        left, right = st.columns([5, 1])
        left.write(f"{i}. {md(run.name)}")
        if right.button(t("train.unqueue"), key=f"unqueue-{run.id}"):
            runner.stop_run(ctx.store, run.id)
            st.rerun()


def run_picker(ctx, runs: list[RunRecord], shown: RunRecord) -> RunRecord:
    if len(runs) < 2:
        return shown
    ids = [r.id for r in runs]
    names = {r.id: f"{r.name} · {t(f'status.{r.status}')} · {r.id}" for r in runs}
    picked = st.selectbox(t("train.show_run"), ids, index=ids.index(shown.id), format_func=names.get)
    if picked != shown.id:
        st.session_state[VIEWING] = picked
        ctx.update(run_id=picked)
        st.rerun(scope="app")
    return shown
