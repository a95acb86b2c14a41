"""The parts of the pages that differ by task: two text boxes for a model of pairs, the pair column picker."""

from __future__ import annotations

import streamlit as st

from core.data.tasks import detect_pair_columns, pair_texts
from ui import charts, t
from ui import format as fmt
from ui.try_examples import pair_button, pair_examples
from ui.widgets import md

FIRST, SECOND = "try_text", "try_text_pair"


def pair_section(predictor, run) -> None:
    """Try for a model of pairs: the two texts side by side, the answer below them."""
    results = run.results or {}
    first_name = results.get("text_column") or run.config.get("text_column") or t("try.first_text")
    second_name = results.get("text_pair_column") or run.config.get("text_pair_column") or t("try.second_text")
    left, right = st.columns(2)
    left.text_area(md(first_name), key=FIRST, placeholder=t("try.placeholder"), height=90)
    right.text_area(md(second_name), key=SECOND, placeholder=t("try.pair_placeholder"), height=90)
    _pair_examples(run)
    first, second = st.session_state.get(FIRST, ""), st.session_state.get(SECOND, "")
    if not first.strip() or not second.strip():
        st.caption(t("try.pair_hint"))
        return
    prediction = predictor.predict(first, second)
    from ui.task_pages import task_answer

    if task_answer(prediction, predictor, run, key="pair_task_answer"):  # several labels, or a number
        return
    answer, bars = st.columns([1, 2])
    with answer:
        st.caption(t("try.label"))
        st.markdown(f"## {md(prediction.label)}")
        st.caption(t("try.confidence", p=fmt.percent(prediction.confidence), ms=f"{prediction.milliseconds:.0f}"))
    with bars:
        st.plotly_chart(charts.probability_bars(prediction.probabilities, prediction.label), key="pair_probabilities")


def _fill_pair(first: str, second: str) -> None:
    st.session_state[FIRST], st.session_state[SECOND] = first, second  # in a callback: before the boxes are drawn


def _pair_examples(run) -> None:
    """Pairs from the run's validation rows to click, at least one per label: both boxes filled at once."""
    shown = pair_examples(run.run_dir)
    if not shown:
        return
    st.caption(t("try.examples"))
    columns = st.columns(2)
    for i, (first, second) in enumerate(shown):
        columns[i % 2].button(md(pair_button(first, second)), key=f"pair_example-{i}", on_click=_fill_pair,
                              args=(first, second), width="stretch")


def second_texts(frame, first: str) -> list[str] | None:
    """A file's second texts for a model of pairs: the column named as a pair of `first`, else the next column."""
    found = detect_pair_columns(frame, first)
    if found:
        return pair_texts(frame[found[1]])
    columns = [str(c) for c in frame.columns]
    others = [c for c in columns if c != first]
    if not others:
        st.warning(t("try.pair_missing"), icon=":material/warning:")
        return None
    second = st.selectbox(t("try.pair_column"), others, key="try_pair_column")
    return pair_texts(frame[second])


def pair_column_picker(ctx, columns: list[str], text_column: str, label_column: str) -> str:
    """The Data page's choice of a second text column ("" for single texts); detected pairs come preselected."""
    options = ["", *[c for c in columns if c not in (text_column, label_column)]]
    current = ctx.config.text_pair_column
    index = options.index(current) if current in options else 0
    picked = st.selectbox(t("data.pair_column"), options, index=index, help=t("data.pair_column_help"),
                          format_func=lambda c: c or t("data.no_pair"))
    if picked != (current or ""):
        ctx.update(text_pair_column=picked)
    return picked
