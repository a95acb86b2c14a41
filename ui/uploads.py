"""Bringing a file in: the upload widget every page uses, and how a dataset is named in a picker."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.data.saved import READABLE, SAMPLE_DIR, save_upload
from ui.i18n import t

UPLOAD_TYPES = [suffix.lstrip(".") for suffix in READABLE]


def new_upload(ctx, label: str, key: str, *, where=None, help: str | None = None) -> Path | None:
    """The file just uploaded, saved in the workspace; None when nothing new arrived.

    Streamlit sends the same upload again on every rerun: it is taken once per file (by its id), and
    saving identical content twice keeps one copy, so a page may act on the returned path at once.
    """
    file = (where or st).file_uploader(label, type=UPLOAD_TYPES, key=key, help=help)
    seen = f"_{key}_taken"
    if file is None or st.session_state.get(seen) == file.file_id:
        return None
    st.session_state[seen] = file.file_id
    return save_upload(ctx.workspace, file.name, file.getvalue())


def dataset_label(path: Path) -> str:
    """'reviews.csv · sample' or '… · saved': where a dataset in a picker comes from."""
    where = t("data.sample") if path.parent == SAMPLE_DIR else t("data.saved")
    return f"{path.name} · {where}"
