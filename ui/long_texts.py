"""Long texts on the pages: read them whole in sliding windows (Try and Evaluate), instead of cut as trained."""

from __future__ import annotations

import streamlit as st

from core.serve.predictor import Predictor
from core.serve.windows import windowed
from ui.i18n import t


def window_stride(key: str, max_length: int) -> int:
    """0 (texts cut as the run trained), or the step of the sliding windows the user switched on."""
    if not st.toggle(t("long.windows"), key=f"{key}_windows", help=t("long.windows_help", n=max_length)):
        return 0
    room = max(1, max_length - 2)  # the [CLS] and [SEP] of each window take two of its tokens
    return int(st.number_input(t("long.stride"), min_value=1, max_value=room, value=max(1, room // 2), step=1,
                               key=f"{key}_stride", help=t("long.stride_help")))


def read_whole(answers, key: str):
    """`answers` itself, or reading long texts in windows when the user switches it on (PyTorch models only:
    the int8 export cuts texts as it was exported)."""
    if not isinstance(answers, Predictor):
        return answers
    return windowed(answers, window_stride(key, answers.max_length))
