"""The parts of Data, Train, Evaluate and Try that differ for several labels per text or a number per text.

Data: the task picker and why it was detected, label counts per label or the scores' histogram. Train: micro- and
macro-F1, or MAE and Spearman, live. Evaluate: the per-label table with each label's 2x2 counts, or predicted
against true with the worst errors. Try: a bar per label with its threshold drawn, or the number on its scale.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from ui import format as fmt
from ui import t
from ui.charts import _LAYOUT, BLUE, GREEN, ORANGE, plain, step_axis
from ui.widgets import md

TASKS = ("auto", "single-label", "multi-label", "regression")


def run_task(run) -> str:
    return (run.results or {}).get("task") or "single-label"


# Data ------------------------------------------------------------------------------------------------------------
def task_of_config(config) -> tuple:
    """(task, label columns, separator) as the data loaders take them; the report reads the file that way."""
    return (config.task or "auto", config.label_columns or None, config.label_separator or None)


def task_picker(ctx, columns: list[str], text_column: str) -> None:
    """What the model learns (detected unless chosen), and for several labels where they are written."""
    config = ctx.config
    left, middle, right = st.columns(3)
    task = left.selectbox(t("task.pick"), TASKS, index=TASKS.index(config.task if config.task in TASKS else "auto"),
                          format_func=lambda k: t(f"task.{k}"), help=t("task.pick_help"))
    others = [c for c in columns if c != text_column]
    chosen = [c for c in (config.label_columns or "").split(",") if c in others]
    picked = middle.multiselect(t("task.label_columns"), others, default=chosen, help=t("task.label_columns_help"),
                                disabled=task not in ("auto", "multi-label"))
    separator = right.text_input(t("task.separator"), value=config.label_separator or "", max_chars=3,
                                 help=t("task.separator_help"), disabled=task not in ("auto", "multi-label"))
    wanted = dict(task=task, label_columns=",".join(picked) or None, label_separator=separator or None)
    if wanted != {k: getattr(config, k) for k in wanted}:
        ctx.update(**wanted)
        st.rerun()


def task_report(report) -> None:
    """The detected task in a sentence, and its picture: rows per label, or the scores' histogram."""
    if report.task == "single-label":
        return
    st.info(t(f"task.detected.{report.task}", reason=md(report.task_reason)), icon=":material/category:")
    details = report.task_details or {}
    if report.task == "multi-label":
        st.caption(t("task.per_row", n=f"{details.get('labels_per_row', 0):.2f}",
                     none=details.get("no_label_rows", 0)))
    elif details.get("count"):
        st.caption(t("task.score_range", low=f"{details['min']:g}", high=f"{details['max']:g}",
                     mean=f"{details['mean']:.2f}", n=details["count"]))
        st.plotly_chart(score_histogram(details["histogram"]), key="scores_chart")


def score_histogram(histogram: dict) -> go.Figure:
    edges, counts = histogram["edges"], histogram["counts"]
    xs = edges if histogram.get("per_value") else [(a + b) / 2 for a, b in zip(edges, edges[1:])]
    fig = go.Figure(go.Bar(x=xs, y=counts, marker_color=BLUE, text=counts, textposition="auto"))
    fig.update_layout(title=t("task.histogram"), xaxis_title=t("task.score"), yaxis_title=t("chart.rows"),
                      **{**_LAYOUT, "hovermode": "closest"})
    return fig


# Train -----------------------------------------------------------------------------------------------------------
def task_metrics_figure(evals: list[dict]) -> go.Figure | None:
    """Micro- and macro-F1 (several labels), or MAE and Spearman on two axes (a score); None for single labels."""
    if any(p.get("mae") is not None for p in evals):
        points = [p for p in evals if p.get("mae") is not None]
        steps = [p["step"] for p in points]
        fig = go.Figure()
        fig.add_scatter(x=steps, y=[p["mae"] for p in points], mode="lines+markers", name=t("task.mae"),
                        line=dict(color=ORANGE, width=2.5))
        fig.add_scatter(x=steps, y=[p.get("spearman") for p in points], mode="lines+markers", name=t("task.spearman"),
                        line=dict(color=GREEN, width=2.5, dash="dash"), yaxis="y2")
        fig.update_layout(title=t("task.regression_title"), xaxis=step_axis(steps, title=t("chart.step")),
                          yaxis=dict(title=t("task.mae"), rangemode="tozero"),
                          yaxis2=dict(title=t("task.spearman"), overlaying="y", side="right", range=[-0.05, 1.02]),
                          **_LAYOUT)
        return fig
    if not any(p.get("micro_f1") is not None for p in evals):
        return None
    fig = go.Figure()
    steps = []
    for key, color, dash in (("micro_f1", GREEN, None), ("macro_f1", ORANGE, "dash")):
        points = [p for p in evals if p.get(key) is not None]
        steps += [p["step"] for p in points]
        fig.add_scatter(x=[p["step"] for p in points], y=[p[key] for p in points], mode="lines+markers",
                        name=t(f"task.{key}"), line=dict(color=color, width=2.5, dash=dash))
    fig.update_layout(title=t("task.multilabel_title"), xaxis=step_axis(steps, title=t("chart.step")),
                      yaxis=dict(range=[0, 1.02], tickformat=".0%"), **_LAYOUT)
    return fig


def task_outcome(results: dict) -> None:
    """The finished run's headline on the Train page: the test rows' scores when it kept some apart."""
    task = results.get("task")
    scores = results.get("test_metrics") or results.get("metrics") or {}
    part = t("task.on_test") if results.get("test_metrics") else t("task.on_validation")
    if task == "multi-label" and scores.get("micro_f1") is not None:
        st.success(t("task.done_multilabel", micro=fmt.percent(scores["micro_f1"]),
                     macro=fmt.percent(scores.get("macro_f1")), part=part), icon=":material/check_circle:")
    elif task == "regression" and scores.get("mae") is not None:
        spearman = "–" if scores.get("spearman") is None else f"{scores['spearman']:.2f}"
        st.success(t("task.done_regression", mae=f"{scores['mae']:.2f}", spearman=spearman, part=part),
                   icon=":material/check_circle:")


# Evaluate --------------------------------------------------------------------------------------------------------
def evaluate_task(run) -> None:
    """A multi-label or regression run's own scores: the test rows first when it kept some apart."""
    results = run.results or {}
    parts = ["test", "validation"] if results.get("test_metrics") else ["validation"]
    part = st.radio(t("evaluate.on"), parts, horizontal=True, format_func=lambda s: t(f"evaluate.on.{s}"),
                    key=f"task_part-{run.id}")
    metrics = results.get("test_metrics" if part == "test" else "metrics") or {}
    rows = _predictions(Path(run.run_dir) / ("test_predictions.csv" if part == "test" else "val_predictions.csv"))
    st.caption(t(f"evaluate.{part}_intro", n=metrics.get("rows", 0)))
    if run_task(run) == "regression":
        _regression_scores(metrics, rows)
    else:
        _multilabel_scores(metrics, rows)


def _predictions(path: Path):
    import pandas as pd

    try:
        return pd.read_csv(path, keep_default_na=False)
    except (OSError, ValueError):
        return None


def _multilabel_scores(metrics: dict, rows) -> None:
    cols = st.columns(4)
    cols[0].metric(t("task.micro_f1"), fmt.percent(metrics.get("micro_f1")), help=t("task.micro_f1_help"))
    cols[1].metric(t("task.macro_f1"), fmt.percent(metrics.get("macro_f1")), help=t("task.macro_f1_help"))
    cols[2].metric(t("task.subset_accuracy"), fmt.percent(metrics.get("subset_accuracy")),
                   help=t("task.subset_accuracy_help"))
    cols[3].metric(t("evaluate.rows"), f"{metrics.get('rows', 0):,}")
    per_class = metrics.get("per_class") or {}
    table = [{t("task.col.label"): name, t("task.col.threshold"): s.get("threshold"),
              t("task.col.precision"): s.get("precision"), t("task.col.recall"): s.get("recall"),
              t("task.col.f1"): s.get("f1"), t("task.col.support"): s.get("support"),
              t("task.col.predicted"): s.get("predicted"),
              t("task.col.matrix"): _matrix_text(s.get("matrix"))} for name, s in per_class.items()]
    st.subheader(t("task.per_label"))
    st.dataframe(table, hide_index=True, column_config={
        t(f"task.col.{k}"): fmt.percent_column(t(f"task.col.{k}"), bar=False) for k in ("precision", "recall", "f1")})
    st.caption(t("task.matrix_help"))
    labels, matrix = metrics.get("labels") or [], metrics.get("co_occurrence")
    if matrix and len(labels) > 1:
        fig = go.Figure(go.Heatmap(z=matrix, x=[plain(x) for x in labels], y=[plain(x) for x in labels],
                                   colorscale="Blues", text=matrix, texttemplate="%{text}"))
        fig.update_layout(title=t("task.co_occurrence"), **{**_LAYOUT, "hovermode": "closest"})
        st.plotly_chart(fig, key="co_occurrence")
    if rows is not None and {"label", "predicted"} <= set(rows.columns):
        wrong = rows[rows["label"] != rows["predicted"]]
        st.subheader(t("task.mistakes", n=len(wrong)))
        st.dataframe(wrong.head(50), hide_index=True)


def _matrix_text(matrix) -> str:
    """One label's 2x2 counts in a cell: right yes · missed · wrong yes · right no."""
    if not matrix:
        return ""
    (tn, fp), (fn, tp) = matrix
    return t("task.matrix_cell", tp=tp, fn=fn, fp=fp, tn=tn)


def _regression_scores(metrics: dict, rows) -> None:
    cols = st.columns(5)
    for col, key in zip(cols, ("mae", "rmse", "pearson", "spearman", "r2"), strict=True):
        value = metrics.get(key)
        col.metric(t(f"task.{key}"), "–" if value is None else f"{value:.3f}", help=t(f"task.{key}_help"))
    if rows is None or not {"label", "predicted"} <= set(rows.columns):
        return
    low = float(min(rows["label"].min(), rows["predicted"].min()))
    high = float(max(rows["label"].max(), rows["predicted"].max()))
    fig = go.Figure(go.Scatter(x=rows["label"], y=rows["predicted"], mode="markers", marker=dict(color=BLUE, size=8,
                               opacity=0.7), text=[plain(str(x))[:80] for x in rows["text"]],
                               hovertemplate="%{text}<br>%{x} → %{y}<extra></extra>", name=""))
    fig.add_scatter(x=[low, high], y=[low, high], mode="lines", line=dict(color=ORANGE, dash="dash"),
                    name=t("task.perfect"))
    fig.update_layout(title=t("task.scatter"), xaxis_title=t("task.true"), yaxis_title=t("task.predicted"),
                      **{**_LAYOUT, "hovermode": "closest"})
    st.plotly_chart(fig, key="regression_scatter")
    worst = rows.assign(miss=(rows["predicted"] - rows["label"]).abs()).sort_values("miss", ascending=False)
    st.subheader(t("task.worst"))
    st.dataframe(worst.drop(columns="miss").head(20), hide_index=True)


# Try -------------------------------------------------------------------------------------------------------------
def task_answer(prediction, predictor, run, key: str = "task_answer") -> bool:
    """Draw a multi-label or regression answer; False for single labels (the page draws those itself)."""
    task = getattr(predictor, "task", "single-label")
    if task == "regression" and prediction.value is not None:
        _number(prediction.value, run)
        return True
    if task != "multi-label" or prediction.labels is None:
        return False
    thresholds = getattr(predictor, "thresholds", None) or {}
    left, right = st.columns([1, 2])
    with left:
        st.caption(t("task.labels_given"))
        st.markdown("## " + (md("; ".join(prediction.labels)) if prediction.labels else t("task.no_label")))
        st.caption(t("task.threshold_note", ms=f"{prediction.milliseconds:.0f}"))
    with right:
        st.plotly_chart(threshold_bars(prediction.probabilities, thresholds), key=key)
    return True


def threshold_bars(probabilities: dict[str, float], thresholds: dict[str, float]) -> go.Figure:
    """A bar per label, its threshold a tick on it: a label is given when its bar reaches its tick."""
    names = list(probabilities)
    over = [probabilities[n] >= thresholds.get(n, 0.5) for n in names]
    fig = go.Figure(go.Bar(x=[probabilities[n] for n in names], y=[plain(n) for n in names], orientation="h",
                           marker_color=[GREEN if o else BLUE for o in over],
                           text=[fmt.percent(probabilities[n]) for n in names], textposition="auto", name="",
                           showlegend=False))
    fig.add_scatter(x=[thresholds.get(n, 0.5) for n in names], y=[plain(n) for n in names], mode="markers",
                    marker=dict(symbol="line-ns", size=26, line=dict(width=3, color=ORANGE)), name=t("task.threshold"))
    fig.update_layout(xaxis=dict(range=[0, 1], tickformat=".0%"),
                      **{**_LAYOUT, "hovermode": "closest", "height": max(220, 60 * len(names))})
    return fig


def _number(value: float, run) -> None:
    metrics = (run.results or {}).get("metrics") or {}
    low, high = metrics.get("true_range") or (None, None)
    name = ((run.results or {}).get("labels") or [""])[0]
    st.caption(md(name) or t("task.score"))
    st.markdown(f"## {value:.2f}")
    if low is not None and high is not None and high > low:
        st.progress(min(1.0, max(0.0, (value - low) / (high - low))))
        st.caption(t("task.scale", low=f"{low:g}", high=f"{high:g}"))
