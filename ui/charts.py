"""Plotly figures the pages draw: live training curves, data pictures and probability bars.

Each function takes plain numbers and returns a figure; names from the user's data are escaped,
because plotly reads a few HTML tags in its text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from ui.i18n import t

BLUE, ORANGE, GREEN, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#9aa5b1"
_LAYOUT = dict(height=330, margin=dict(l=10, r=10, t=40, b=10), hovermode="x unified",
               legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0.0))


def plain(text: Any) -> str:
    """A user's string as plotly shows it literally."""
    return html.escape(str(text), quote=False)


def ema(values: Sequence[float], weight: float = 0.8) -> list[float]:
    """Exponential moving average with start-up bias corrected (TensorBoard's smoothing)."""
    out, last = [], 0.0
    for i, value in enumerate(values, start=1):
        last = weight * last + (1 - weight) * value
        # the first is the value itself: computed, it can be off by a rounding error, and plotly then
        # draws a lone first point (raw and smoothed) on a y axis 1e-16 wide
        out.append(value if i == 1 else last / (1 - weight**i))
    return out


def step_axis(steps: Sequence[float], **axis: Any) -> dict[str, Any]:
    """An x axis of training steps: whole numbers only, also when one or a few steps are drawn.

    Plotly spaces its ticks by halves over a short range (59, 59.5, 60); a step is never half done.
    """
    if steps and max(steps) - min(steps) < 10:
        axis.update(tick0=0, dtick=1)
    return dict(tickformat="d", **axis)


def loss_axis(**axis: Any) -> dict[str, Any]:
    """A y axis of loss from zero: the first points of a run (a spread of 0.005) are not blown up to fill it."""
    return dict(rangemode="tozero", **axis)


def loss_figure(train: list[dict], evals: list[dict]) -> go.Figure:
    """Training loss (faint raw points and a smoothed line) and validation loss, by step."""
    fig = go.Figure()
    steps = [p["step"] for p in train if p.get("loss") is not None]
    losses = [p["loss"] for p in train if p.get("loss") is not None]
    if steps:
        mode = "lines" if len(steps) > 1 else "markers"  # a line through one point draws nothing
        fig.add_scatter(x=steps, y=losses, mode=mode, name=t("chart.train_loss_raw"),
                        line=dict(color=BLUE, width=1), opacity=0.35)
        fig.add_scatter(x=steps, y=ema(losses), mode=mode, name=t("chart.train_loss_smooth"),
                        line=dict(color=BLUE, width=2.5), marker=dict(color=BLUE, size=8))
    points = [p for p in evals if p.get("loss") is not None]
    if points:
        fig.add_scatter(x=[p["step"] for p in points], y=[p["loss"] for p in points], mode="lines+markers",
                        name=t("chart.val_loss"), line=dict(color=ORANGE, width=2.5), marker=dict(size=8))
    fig.update_layout(title=t("chart.loss_title"), xaxis=step_axis(steps + [p["step"] for p in points],
                                                                  title=t("chart.step")),
                      yaxis=loss_axis(title=t("chart.loss")), **_LAYOUT)
    return fig


# accuracy drawn wide underneath, macro-F1 dashed and narrow on top: equal scores (two balanced labels) show both
SCORE_LINES = (("accuracy", GREEN, dict(width=5), dict(size=13, symbol="circle")),
               ("macro_f1", ORANGE, dict(width=2.5, dash="dash"), dict(size=7, symbol="diamond")))


def metrics_figure(evals: list[dict]) -> go.Figure:
    """Validation accuracy and macro-F1 after each evaluation, on a 0-100% scale."""
    fig = go.Figure()
    steps = []
    for key, color, line, marker in SCORE_LINES:
        points = [p for p in evals if p.get(key) is not None]
        if points:
            steps += [p["step"] for p in points]
            fig.add_scatter(x=[p["step"] for p in points], y=[p[key] for p in points], mode="lines+markers",
                            name=t(f"chart.{key}"), line=dict(color=color, **line), marker=dict(color=color, **marker))
    fig.update_layout(title=t("chart.metrics_title"), xaxis=step_axis(steps, title=t("chart.step")),
                      yaxis=dict(range=[0, 1.02], tickformat=".0%"), **_LAYOUT)
    return fig


def label_bar(counts: dict[str, int]) -> go.Figure:
    """How many rows each label has, most common first."""
    names = [plain(k) for k in counts]
    fig = go.Figure(go.Bar(x=names, y=list(counts.values()), marker_color=BLUE, text=list(counts.values()),
                           textposition="auto"))
    fig.update_layout(title=t("chart.labels_title"), xaxis_title=t("chart.label"), yaxis_title=t("chart.rows"),
                      **{**_LAYOUT, "hovermode": "closest"})
    fig.update_xaxes(type="category")
    return fig


def length_histogram(lengths: Sequence[int], max_length: int, unit: str) -> go.Figure:
    """Text lengths with the max length marked: bars right of the line are cut in training."""
    fig = go.Figure(go.Histogram(x=list(lengths), marker_color=BLUE, nbinsx=40))
    if max_length and lengths and max(lengths) >= max_length * 0.5:
        fig.add_vline(x=max_length, line=dict(color=ORANGE, dash="dash", width=2),
                      annotation_text=t("chart.max_length", n=max_length), annotation_position="top right")
    fig.update_layout(title=t("chart.lengths_title"), xaxis_title=unit, yaxis_title=t("chart.texts"),
                      **{**_LAYOUT, "hovermode": "closest"})
    return fig


def probability_bars(probabilities: dict[str, float], chosen: str) -> go.Figure:
    """One bar per label, longest on top; the predicted label stands out."""
    ordered = sorted(probabilities.items(), key=lambda kv: kv[1])
    fig = go.Figure(go.Bar(
        x=[p for _, p in ordered], y=[plain(name) for name, _ in ordered], orientation="h",
        marker_color=[BLUE if name == chosen else GREY for name, _ in ordered],
        text=[f"{p:.1%}" for _, p in ordered], textposition="auto"))
    fig.update_layout(height=max(140, 46 * len(ordered) + 60), margin=dict(l=10, r=10, t=10, b=10),
                      xaxis=dict(range=[0, 1], tickformat=".0%", title=t("chart.probability")),
                      yaxis=dict(type="category"))
    return fig
