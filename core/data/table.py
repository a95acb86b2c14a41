"""A file read as a table of strings, and turning any cell (numbers, lists, dates) into the text a person types."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import pandas as pd

from core.errors import DataError


@dataclass
class Table:
    """A file read as a frame of strings (NaN for missing cells), with how it was read."""

    frame: pd.DataFrame
    path: str
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)
    encoding_note: str | None = None  # how the bytes were read, when they were not plain UTF-8


def clean_names(names: list) -> list[str]:
    cleaned: list[str] = []
    for i, name in enumerate(names):
        name = str(name).strip().lstrip("\ufeff") if isinstance(name, str) else ""
        name = name or f"column_{i + 1}"
        base, n = name, 2
        while name in cleaned:
            name, n = f"{base}_{n}", n + 1
        cleaned.append(name)
    return cleaned


def require_rows(frame: pd.DataFrame, name: str, header: bool = False) -> pd.DataFrame:
    if len(frame) == 0:
        if header:
            raise DataError(f"{name} has a header row but no data rows.",
                            "Add rows under the header, or choose another file.")
        raise DataError(f"{name} holds no rows.", "Choose a file with at least one row of data.")
    return frame


def frame_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    columns = clean_names([str(c) for c in frame.columns])
    data = {name: _as_text(frame.iloc[:, i]) for i, name in enumerate(columns)}
    return pd.DataFrame(data, index=frame.index)


def _as_text(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.StringDtype):
        return series
    return pd.Series([_cell_text(v) for v in series.tolist()], index=series.index, dtype="str")


def _cell_text(value: object) -> str | float:
    """A cell as text the way a person would type it: 1 not 1.0, missing stays NaN."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):  # numpy floats are floats too
        if math.isnan(value):
            return math.nan
        return str(int(value)) if value.is_integer() else str(float(value))
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if hasattr(value, "tolist") and not hasattr(value, "year"):  # numpy arrays and scalars
        return _cell_text(value.tolist())
    if value is None or value is pd.NaT or value is pd.NA:
        return math.nan
    return str(value)
