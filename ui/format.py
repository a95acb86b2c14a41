"""Numbers, sizes and durations as people read them, in the current language."""

from __future__ import annotations

from typing import Any

from ui.i18n import t


def duration(seconds: float | None) -> str:
    """'45 s', '3 min 20 s', '1 h 5 min' (in the current language); '–' when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return t("unit.seconds", n=max(seconds, 1))
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return t("unit.minutes_seconds", m=minutes, s=sec) if minutes < 10 and sec else t("unit.minutes", m=minutes)
    hours, minutes = divmod(minutes, 60)
    return t("unit.hours_minutes", h=hours, m=minutes)


def duration_range(low: float, high: float) -> str:
    """'2 min – 4 min': an estimate as the range it is; one figure when both ends read the same."""
    first, last = duration(low), duration(high)
    return first if first == last else f"{first} – {last}"


def parameters(count: int | None) -> str:
    if not count:
        return "–"
    if count >= 1e9:
        return f"{count / 1e9:.1f}B"
    return f"{count / 1e6:.0f}M" if count >= 10e6 else f"{count / 1e6:.1f}M"


def size_mb(mb: float | None) -> str:
    if mb is None:
        return "–"
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb:.0f} MB"


def gigabytes(gb: float) -> str:
    return f"{gb:.1f} GB" if gb >= 1 else f"{gb * 1024:.0f} MB"


# one way to write a share everywhere: 83.2%, never 82.81% beside it
PERCENT_DIGITS = 1


def percent(share: float | None) -> str:
    """'83.2%': a share (0..1) as the pages and their tables write it; '–' when unknown."""
    if share is None or share != share:
        return "–"
    return f"{share:.{PERCENT_DIGITS}%}"


def percent_column(label: str | None = None, *, help: str | None = None, bar: bool = True, **options: Any) -> Any:
    """A table column of shares (0..1) written like `percent`: a bar beside the number, or the number alone.

    Streamlit's "percent" format drops trailing digits (82.81% beside 83.2%) unless the step fixes
    the decimals: a step of 0.001 gives one decimal of the percentage. `options`: width, pinned.
    """
    import streamlit as st

    step = 10.0 ** -(PERCENT_DIGITS + 2)
    if bar:
        return st.column_config.ProgressColumn(label, help=help, format="percent", step=step, min_value=0.0,
                                               max_value=1.0, **options)
    return st.column_config.NumberColumn(label, help=help, format="percent", step=step, **options)
