"""Try's whole-file labelling: a progress bar while the answers stream into a CSV in the workspace."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from core.serve.batch_file import predict_to_csv
from ui.i18n import t


def label_file(answers, texts: list[str], pairs: list[str] | None, workspace: Path, name: str):
    """(the first rows, the CSV's path) of a file labelled with a progress bar."""
    out = Path(workspace) / "predictions" / f"{Path(name).stem}-predictions-{int(time.time())}.csv"
    bar = st.progress(0.0, text=t("try.batch_running", n=len(texts)))

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(1, total), text=t("try.batch_progress", done=f"{done:,}", total=f"{total:,}"))

    preview, _ = predict_to_csv(answers, texts, pairs, out, progress)
    bar.empty()
    return preview, out
