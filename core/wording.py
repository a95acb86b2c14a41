"""How messages are worded: sentences that read right for one or many."""

from __future__ import annotations

import json
from typing import Any


def counted(n: int, noun: str, verb_one: str = "", verb_many: str = "") -> str:
    """'1 row has' or '3 rows have': messages read as sentences, whatever the count."""
    words = f"{n} {noun}" if n == 1 else f"{n} {noun}s"
    verb = verb_one if n == 1 else verb_many
    return f"{words} {verb}" if verb else words


def listed(items: list, most: int = 5) -> str:
    """'a, b, c' or 'a, b, c, d, e and more': a message names a few examples, never a thousand."""
    return ", ".join(map(str, items[:most])) + (" and more" if len(items) > most else "")


def file_rows(indexes: list[int]) -> str:
    """'row 4' or 'rows 4, 8': 0-based data rows as a spreadsheet numbers them (the header is row 1)."""
    return ("row " if len(indexes) == 1 else "rows ") + listed([i + 2 for i in indexes])


def shown_value(value: Any, missing: object = None) -> str:
    """A setting's value as text: one column type, so a table of settings draws the same everywhere."""
    if value is missing and missing is not None:
        return "—"
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


