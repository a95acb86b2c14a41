"""Big data on the Train page: "try it on a sample first" when the whole run would take over 20 minutes."""

from __future__ import annotations

import streamlit as st

from core.train.scale import SAMPLE_OFFER_SECONDS, SAMPLE_ROWS
from ui import format as fmt
from ui.i18n import t
from ui.widgets import training_estimate


def sample_offer(ctx) -> None:
    """Offer a first run on a stratified sample when the full run is long; say so while a sample is chosen."""
    config = ctx.config
    if config.sample_rows:
        st.info(t("big.on_sample", rows=f"{config.sample_rows:,}"), icon=":material/science:")
        if st.button(t("big.use_all"), key="big_use_all", icon=":material/dataset:"):
            ctx.update(sample_rows=0)
            st.rerun()
        return
    found = training_estimate(ctx)
    if found is None:
        return
    low, high = found[0].run_seconds(config.epochs)
    if low <= SAMPLE_OFFER_SECONDS:
        return
    st.warning(t("big.long_run", total=fmt.duration_range(low, high), rows=f"{SAMPLE_ROWS:,}"),
               icon=":material/hourglass_top:")
    if st.button(t("big.try_sample", rows=f"{SAMPLE_ROWS:,}"), key="big_try_sample", icon=":material/science:"):
        ctx.update(sample_rows=SAMPLE_ROWS)
        st.rerun()
