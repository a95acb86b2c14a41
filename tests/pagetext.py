"""What a user reads on a page under AppTest, as one string: 'does the page say X' checks."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

_KINDS = ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error", "text", "code")


def page_text(at: AppTest, *, sidebar: bool = False) -> str:
    root = at.sidebar if sidebar else at
    parts = [str(e.value) for kind in _KINDS for e in getattr(root, kind, [])]
    parts += [f"{m.label}: {m.value}" for m in root.metric]
    return "\n".join(parts).replace("\\", "")  # markdown escapes of user strings read as plain text


def messages(at: AppTest, kind: str) -> str:
    return "\n".join(str(e.value) for e in getattr(at, kind)).replace("\\", "")


def assert_no_error(at: AppTest, where: str = "") -> None:
    """Neither an exception nor an error box: every page body runs in guard(), which turns a crash into st.error,
    so `not at.exception` alone passes on a crashing page."""
    assert not at.exception, (where, at.exception)
    assert not at.error, f"{where} shows an error: {messages(at, 'error')}"
