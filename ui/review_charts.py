"""Plotly figures of the Evaluate and Runs pages: the confusion matrix, how sure right and wrong answers were,
and the curves of several runs laid over each other.

Plain numbers in, a figure out; names from the user's data go through `charts.plain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from ui.charts import _LAYOUT, GREEN, ORANGE, ema, loss_axis, plain, step_axis
from ui.i18n import t

RED = "#d62728"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def confusion_figure(labels: Sequence[str], matrix: Sequence[Sequence[int]],
                     chosen: tuple[int, int] | None = None) -> go.Figure:
    """Rows are the true labels, columns the model's answers; a cell's shade is its share of the row.

    Heatmaps cannot be clicked in Streamlit, so an invisible marker sits on every cell: a click picks
    the nearest one (hoverdistance -1), and its point index is row * len(labels) + column.
    """
    n = len(labels)
    names = [plain(name) for name in labels]
    totals = [sum(row) or 1 for row in matrix]
    share = [[count / totals[i] for count in row] for i, row in enumerate(matrix)]
    fig = go.Figure(go.Heatmap(z=share, x=names, y=names, text=[[str(c) for c in row] for row in matrix],
                               texttemplate="%{text}", textfont=dict(size=16), colorscale="Blues", zmin=0, zmax=1,
                               showscale=False, hoverinfo="skip", xgap=2, ygap=2))
    cells = [(i, j) for i in range(n) for j in range(n)]
    fig.add_scatter(
        x=[names[j] for _, j in cells], y=[names[i] for i, _ in cells], mode="markers",
        marker=dict(size=30, opacity=0, color=GREEN), showlegend=False,
        customdata=[[matrix[i][j], f"{share[i][j]:.0%}"] for i, j in cells],
        hovertemplate=t("chart.cell_hover", true="%{y}", predicted="%{x}", n="%{customdata[0]}",
                        share="%{customdata[1]}") + "<extra></extra>",
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)))
    if chosen is not None:
        i, j = chosen
        fig.add_shape(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5, xref="x", yref="y",
                      line=dict(color=ORANGE, width=4))
    fig.update_layout(height=max(300, 70 * n + 130), margin=dict(l=10, r=10, t=40, b=10),
                      title=t("chart.confusion_title"), hovermode="closest", hoverdistance=-1, clickmode="event+select",
                      dragmode=False, xaxis=dict(title=t("chart.predicted"), type="category", side="bottom"),
                      yaxis=dict(title=t("chart.true"), type="category", autorange="reversed"))
    return fig


def cell_of(event: Any, n: int) -> tuple[int, int] | None:
    """The (row, column) of the confusion-matrix cell a chart selection picked; None when none."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in points:
        index = point.get("point_index", point.get("pointIndex"))
        if point.get("curve_number", point.get("curveNumber")) == 1 and index is not None and 0 <= index < n * n:
            return divmod(int(index), n)
    return None


def confidence_histogram(right: Sequence[float], wrong: Sequence[float]) -> go.Figure:
    """How sure the model was of its right and of its wrong answers: wrong answers should sit left."""
    fig = go.Figure()
    bins = dict(start=0, end=1.0001, size=0.05)
    fig.add_histogram(x=list(right), name=t("chart.right", n=len(right)), marker_color=GREEN, opacity=0.7, xbins=bins)
    fig.add_histogram(x=list(wrong), name=t("chart.wrong", n=len(wrong)), marker_color=RED, opacity=0.7, xbins=bins)
    fig.update_layout(title=t("chart.confidence_title"), barmode="overlay", xaxis_title=t("chart.confidence"),
                      yaxis_title=t("chart.texts"), **{**_LAYOUT, "hovermode": "closest"})
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    return fig


def runs_loss_figure(runs: Sequence[dict[str, Any]], x: str) -> go.Figure:
    """Training loss (smoothed, solid) and validation loss (dashed, with points) of each run, one colour a run."""
    fig = go.Figure()
    for k, run in enumerate(runs):
        color = PALETTE[k % len(PALETTE)]
        train = [p for p in run["train"] if p.get("loss") is not None and p.get(x) is not None]
        if train:  # a line through one point draws nothing: a run of one logged step gets a marker
            fig.add_scatter(x=[p[x] for p in train], y=ema([p["loss"] for p in train]),
                            mode="lines" if len(train) > 1 else "markers", marker=dict(color=color, size=8),
                            name=t("chart.run_train_loss", run=plain(run["name"])), line=dict(color=color, width=2.5))
        evals = [p for p in run["evals"] if p.get("loss") is not None and p.get(x) is not None]
        if evals:
            fig.add_scatter(x=[p[x] for p in evals], y=[p["loss"] for p in evals], mode="lines+markers",
                            name=t("chart.run_val_loss", run=plain(run["name"])),
                            line=dict(color=color, width=2, dash="dash"), marker=dict(size=7))
    fig.update_layout(title=t("chart.loss_title"), xaxis=_x_axis(runs, x), yaxis=loss_axis(title=t("chart.loss")),
                      **{**_LAYOUT, "height": 380, "hovermode": "closest"})
    return fig


def runs_metric_figure(runs: Sequence[dict[str, Any]], metric: str, x: str) -> go.Figure:
    """One validation score (accuracy or macro-F1) of each run after every evaluation, on a 0-100% scale."""
    fig = go.Figure()
    for k, run in enumerate(runs):
        points = [p for p in run["evals"] if p.get(metric) is not None and p.get(x) is not None]
        if points:
            fig.add_scatter(x=[p[x] for p in points], y=[p[metric] for p in points], mode="lines+markers",
                            name=plain(run["name"]), line=dict(color=PALETTE[k % len(PALETTE)], width=2.5),
                            marker=dict(size=8))
    fig.update_layout(title=t("chart.run_metric_title", metric=t(f"chart.{metric}")), xaxis=_x_axis(runs, x),
                      yaxis=dict(range=[0, 1.02], tickformat=".0%"), **{**_LAYOUT, "height": 380,
                                                                         "hovermode": "closest"})
    return fig


def _x_axis(runs: Sequence[dict[str, Any]], x: str) -> dict[str, Any]:
    """Steps in whole numbers; epochs as they come (half an epoch is a real point)."""
    if x != "step":
        return dict(title=t(f"chart.{x}"))
    steps = [p["step"] for run in runs for p in (*run["train"], *run["evals"]) if p.get("step") is not None]
    return step_axis(steps, title=t("chart.step"))

