"""Numbers, sizes and durations as people read them, in the current language."""

from __future__ import annotations

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
