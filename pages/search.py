"""Search: let the studio find the best settings; each trial is an ordinary run in the queue."""

import streamlit as st

from ui import page_setup, t
from ui.search_sections import best_section, charts_section, start_section, study_picker, study_view
from ui.widgets import guard

ctx = page_setup()
st.title(t("search.title"))
st.caption(t("search.intro"))
study_id = None
with guard():
    with st.container(border=True):
        start_section(ctx)
    study_id = study_picker(ctx)


@st.fragment(run_every=3.0)
def live(study_id: str) -> None:
    """Redrawn as trials finish: the search itself runs in its own process."""
    with guard():
        study_view(ctx, study_id)
        charts_section(ctx, study_id)
        best_section(ctx, study_id)


if study_id:
    live(study_id)
