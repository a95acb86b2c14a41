"""Zero-shot on the pages: labels from their names alone (core.train.methods.zero_shot), before any training.

On the Label page it pre-fills suggestions (and puts the texts it is least sure of first) while no finished
model knows the labels; on the Try page it demonstrates a classifier before the first run.
"""

from __future__ import annotations

import streamlit as st

from core.errors import StudioError
from core.labels.records import Project
from core.labels.store import LabelStore
from ui.i18n import t
from ui.labelling import CURRENT, UNCERTAIN, split_labels
from ui.widgets import md, show_error


@st.cache_resource(show_spinner=False)
def _encoder():
    from core.train.methods.zero_shot import zero_shot_encoder

    return zero_shot_encoder()


@st.cache_data(max_entries=4, show_spinner=False)
def project_guesses(workspace: str, project_id: int, names: tuple[str, ...]) -> dict[int, tuple[str, float]]:
    """The zero-shot label and its share for every text of the project (once per project and label set)."""
    from core.train.methods.zero_shot import zero_shot_table

    rows = LabelStore(workspace).rows(project_id)
    table = zero_shot_table(rows["text"].tolist(), list(names), workspace=workspace) if len(rows) else None
    if table is None:
        return {}
    return dict(zip((int(r) for r in rows["row"]), zip(table["predicted"], table["confidence"].astype(float),
                                                         strict=True), strict=True))


def zero_shot_toggle(ctx, project: Project, names: list[str]) -> dict[int, tuple[str, float]] | None:
    """Suggestions from the label names alone, when the user turns them on (two label names at least)."""
    if len(names) < 2:
        return None
    key = f"label_zero_shot-{project.id}-{'|'.join(names)}"
    was_on = project.id in st.session_state.get(UNCERTAIN, {})
    if not st.toggle(t("zero_shot.toggle"), key=key, help=t("zero_shot.toggle_help")):
        if was_on and st.session_state.get("_zero_shot_on") == project.id:
            st.session_state[UNCERTAIN].pop(project.id, None)
            st.session_state[CURRENT] = None
            st.session_state.pop("_zero_shot_on", None)
        return None
    try:
        with st.spinner(t("zero_shot.working", n=len(ctx.labels.rows(project.id)))):
            found = project_guesses(str(ctx.workspace), project.id, tuple(names))
    except StudioError as error:
        show_error(error)
        return None
    if not was_on:  # from now on the text it is least sure of comes next
        st.session_state.setdefault(UNCERTAIN, {})[project.id] = {r: c for r, (_, c) in found.items()}
        st.session_state["_zero_shot_on"] = project.id
        st.session_state[CURRENT] = None
    return found


def zero_shot_demo(ctx) -> None:
    """Type label names and a text: the label that fits best, before any model is trained."""
    from core.train.methods.zero_shot import zero_shot_probabilities

    with st.container(border=True):
        st.subheader(t("zero_shot.demo_title"))
        st.caption(t("zero_shot.demo_intro"))
        labels = split_labels(st.text_input(t("zero_shot.labels"), placeholder=t("zero_shot.labels_placeholder"),
                                            key="try_zero_shot_labels"))
        text = st.text_area(t("zero_shot.text"), key="try_zero_shot_text", height=100)
        if not (labels and text.strip()):
            return
        try:
            with st.spinner(t("zero_shot.loading")):
                probs = zero_shot_probabilities([text], labels, encoder=_encoder())[0]
        except StudioError as error:
            show_error(error)
            return
        names = list(dict.fromkeys(name for name in labels if name))
        best = max(range(len(probs)), key=probs.__getitem__)
        st.markdown(t("zero_shot.answer", label=md(names[best]), p=f"{probs[best]:.0%}"))
        for name, p in sorted(zip(names, probs, strict=True), key=lambda x: -x[1]):
            st.progress(min(1.0, max(0.0, p)), text=f"{md(name)} · {p:.0%}")
        st.caption(t("zero_shot.not_calibrated"))
