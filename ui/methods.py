"""The method on the Train page (fine-tune, few-shot, quick) with the one recommended for the labelled rows,
and the sentence that puts a run's score beside the simple baseline's (Train, Evaluate, Runs)."""

from __future__ import annotations

import streamlit as st

from core.errors import StudioError
from core.train.methods import METHODS
from core.train.methods.baseline import against_baseline
from core.train.methods.recommend import recommend
from ui import format as fmt
from ui.i18n import t, t_engine
from ui.widgets import md


def method_picker(ctx) -> None:
    """The three methods side by side, the recommended one named with its reason."""
    config = ctx.config
    advice = _recommendation(config)
    picked = st.radio(t("method.title"), list(METHODS), index=list(METHODS).index(config.method)
                      if config.method in METHODS else 0, horizontal=True, key="train_method",
                      format_func=lambda m: t(f"method.{m}") + (" ★" if advice and advice.method == m else ""),
                      captions=[t(f"method.{m}.help") for m in METHODS])
    if picked != config.method:
        ctx.update(method=picked)
        st.rerun()
    if advice is None:
        return
    if advice.reason.startswith("task:"):  # several labels, a score or pairs: fine-tune only, said before Start
        what = t(f"method.what.{advice.reason[5:]}")
        if picked != "fine-tune":
            st.warning(t("method.refused", method=t(f"method.{picked}"), what=what), icon=":material/block:")
        else:
            st.caption(t("method.why.task", method=t("method.fine-tune"), what=what))
        return
    if advice.method is None:
        st.warning(t_engine("method.too_few", advice.problem or ""), icon=":material/warning:")
        return
    st.caption(t(f"method.why.{advice.reason}", method=t(f"method.{advice.method}"), n=advice.rarest,
                 label=md(advice.rarest_label or "")))


def _recommendation(config):
    from ui import loaders

    if not config.data:
        return None
    from ui.task_pages import task_of_config

    try:  # read as the run will be: several labels per text, a score, or pairs of texts are seen here
        data = loaders.texts(config.data, config.text_column, config.label_column, config.text_pair_column,
                             task_of_config(config))
    except StudioError:
        return None  # the Start button says what is wrong with the data
    if data.label_column is None:
        return None
    from core.train.methods.recommend import Recommendation
    from core.train.methods.refuse import unsupported_kind

    kind = unsupported_kind(getattr(data, "task", "single-label"), data.text_pairs is not None)
    if kind:  # quick and few-shot learn one label per single text
        return Recommendation("fine-tune", f"task:{kind}", 0, None)
    return recommend(data.texts, data.labels)


def baseline_note(results: dict) -> None:
    """'Beats a simple baseline by N points', or plainly that the baseline wins, on the same rows."""
    compared = against_baseline(results or {})
    if compared is None:
        return
    values = {"method": t(f"method.{compared['method']}"), "points": f"{abs(compared['points']):.1f}",
              "run": f"{compared['run']:.1%}", "baseline": f"{compared['baseline']:.1%}",
              "rows": t(f"method.rows.{compared['rows']}")}
    if compared["points"] > 0:
        st.caption(t("method.beats_baseline", **values))
    elif compared["points"] == 0:
        st.caption(t("method.ties_baseline", **values))
    else:
        st.warning(t("method.baseline_wins", **values), icon=":material/balance:")


def baseline_accuracy(results: dict) -> float | None:
    """The baseline's accuracy on the rows the run's own score is on (for the Runs page's table)."""
    compared = against_baseline(results or {})
    return None if compared is None else compared["baseline"]


def stopped_note(run) -> str:
    """What Resume does for this stopped run: a fine-tune continues from its checkpoint; a quick or few-shot run
    keeps none and starts again from the beginning (with about how long that takes)."""
    method = (run.config or {}).get("method") or "fine-tune"
    if method not in ("quick", "few-shot"):
        return t("train.stopped")
    estimate = (run.results or {}).get("estimate") or {}
    about = fmt.duration(estimate["seconds"]) if estimate.get("seconds") else "?"
    return t("train.stopped_restarts", method=t(f"method.{method}"), time=about)
