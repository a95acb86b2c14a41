"""The Model page's sources: a Hub mirror address and ModelScope (for users in mainland China), downloads with a
progress bar, and the suggested models for Chinese data with their sizes."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from core.errors import StudioError
from core.models.sources import SOURCES, hub_endpoint, model_source, save_settings
from ui import format as fmt
from ui.i18n import t, t_engine
from ui.widgets import md, show_error


def sources_panel(ctx) -> None:
    """Where model ids download from: the Hugging Face Hub or a mirror of it, or ModelScope; saved per workspace."""
    current = model_source(ctx.workspace)
    source = st.radio(t("model.source_pick"), SOURCES, index=SOURCES.index(current), horizontal=True,
                      format_func=lambda s: t(f"model.source_name.{s}"), key="model_source")
    endpoint = st.text_input(t("model.endpoint"), value=hub_endpoint(ctx.workspace) or "",
                             placeholder="https://hf-mirror.com", help=t("model.endpoint_help"),
                             disabled=source != "hf", key="model_endpoint")
    if source != current or (source == "hf" and endpoint.strip().rstrip("/") != (hub_endpoint(ctx.workspace) or "")):
        try:
            save_settings(ctx.workspace, hub_endpoint=endpoint if source == "hf" else None, source=source)
        except StudioError as error:
            show_error(error)
            return
        st.toast(t("model.sources_saved"), icon=":material/check:")


def fetch(model_id: str, trust_remote_code: bool) -> None:
    """Download a Hub id (nothing for folders and the built-in model) with a progress bar; another click on
    the page stops it (the rerun interrupts the download between chunks, keeping the finished files)."""
    from core.models.resolve import DEFAULT_MODEL, normalise_name

    name = normalise_name(model_id)
    if name == DEFAULT_MODEL or Path(name).expanduser().exists():
        return
    from core.models.hub import resolve_hub

    bar, page_thread = st.progress(0.0, text=t("model.downloading", id=md(name))), threading.current_thread()
    st.caption(t("model.cancel_hint"))

    def progress(done: int, total: int | None, what: str) -> None:
        if threading.current_thread() is page_thread:  # huggingface_hub also reports from its worker threads
            share = min(1.0, done / total) if total else 0.0
            bar.progress(share, text=t("model.downloading_file", id=md(name), file=md(what),
                                       done=fmt.size_mb(done / 2**20)))

    resolve_hub(name, trust_remote_code, progress=progress)
    bar.empty()


def suggestion_line(card) -> str:
    """A suggested model's id, size and what it is good for."""
    about = t_engine(f"model.suggest.{card.id}", card.description)
    return f"**{md(card.id)}** · {fmt.size_mb(card.size_mb)} · {md(about)}"
