"""The language catalogue: every string a page shows comes from ui/locales/<lang>.json through `t()`.

The language is chosen once per browser session (the `lang` query parameter, the workspace's saved
choice, the browser's locale, then English) and kept in the workspace, so a refresh keeps it.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
SESSION_KEY = "ui_language"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """All strings of one language, by key."""
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def current_language() -> str:
    """The language of this browser session (English outside a running page)."""
    try:
        import streamlit as st

        lang = st.session_state.get(SESSION_KEY)
    except Exception:  # no Streamlit session (a test, a script): English
        lang = None
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(lang: str, key: str, default: str | None = None, **fmt: Any) -> str:
    """The string `key` in `lang`, formatted with `fmt`; English, then `default`, then the key when missing."""
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, default)
        if text is None:
            log.warning("No text for %r in the language catalogue", key)
            return key
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except (KeyError, IndexError, ValueError):
        log.warning("Text %r could not be filled with %s", key, sorted(fmt))
        return text


def t(key: str, **fmt: Any) -> str:
    """The string `key` in the current language, with `{name}` placeholders filled from `fmt`."""
    return translate(current_language(), key, **fmt)


def t_default(key: str, default: str, **fmt: Any) -> str:
    """Like `t`, for keys made at run time (a config field, a problem code): `default` when the key is unknown."""
    return translate(current_language(), key, default=default, **fmt)


def choose_language(saved: str | None) -> str:
    """Decide this session's language once: ?lang=, the workspace's saved choice, the browser, English."""
    import streamlit as st

    if st.session_state.get(SESSION_KEY) in LANGUAGES:
        return st.session_state[SESSION_KEY]
    wanted = st.query_params.get("lang")
    if wanted not in LANGUAGES:
        wanted = saved
    if wanted not in LANGUAGES:
        locale = str(getattr(st.context, "locale", "") or "")
        wanted = "zh" if locale.lower().startswith("zh") else DEFAULT_LANGUAGE
    st.session_state[SESSION_KEY] = wanted
    return wanted


def set_language(lang: str) -> None:
    """Switch this session's language and put it in the address, so a refresh or a shared link keeps it."""
    import streamlit as st

    if lang in LANGUAGES:
        st.session_state[SESSION_KEY] = lang
        st.query_params["lang"] = lang


def t_engine(key: str, english: str, **fmt: Any) -> str:
    """A sentence the engine wrote in English: as written in English, else the catalogue's translation of `key`.

    The engine's English is the most precise (exact counts and names); other languages get the
    catalogue's sentence, filled with what the page knows, or the English when there is none.
    """
    lang = current_language()
    if lang == DEFAULT_LANGUAGE or key not in catalogue(lang):
        return english
    return translate(lang, key, **fmt)
