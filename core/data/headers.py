"""Whether a table's first row names its columns, and names for the columns of a file without one."""

from __future__ import annotations

import pandas as pd

from core.data.columns import CJK, KNOWN_NAMES, NUMBER, column_key, detect_columns
from core.data.table import clean_names, require_rows
from core.errors import DataError


def apply_header(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Use the first row as column names unless it looks like data; name headerless columns sensibly."""
    first, rest = frame.iloc[0], frame.iloc[1:].reset_index(drop=True)
    if _is_header(first, rest):
        rest.columns = clean_names(first.tolist())
        return require_rows(rest, name, header=True), []
    frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame = _name_headerless(frame)
    return frame, [f"The file has no header row, so its columns were named {', '.join(frame.columns)}."]


def _is_header(first: pd.Series, rest: pd.DataFrame) -> bool:
    values = [str(v).strip() for v in first if isinstance(v, str) and v.strip()]
    if any(column_key(v) in KNOWN_NAMES for v in values) or rest.empty:
        return True
    # data rows repeat their labels; a header's names do not show up again below it
    if any(isinstance(v, str) and (rest[col] == v).any() for col, v in first.items()):
        return False
    return not any(NUMBER.fullmatch(v) or _is_sentence(v) for v in values)


def _is_sentence(value: str) -> bool:
    return len(value) > 40 or len(value.split()) >= 6 or len(CJK.findall(value)) >= 12


def _name_headerless(frame: pd.DataFrame) -> pd.DataFrame:
    try:
        text, label = detect_columns(frame)
    except DataError:
        return frame
    names = {text: "text"} if label is None else {text: "text", label: "label"}
    return frame.rename(columns=names)
