"""Excel workbooks (the first sheet that holds a table) and Parquet files."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pandas as pd

from core.data.headers import apply_header
from core.data.table import Table, frame_as_text, require_rows
from core.errors import DataError

log = logging.getLogger(__name__)


def read_xlsx(path: Path, raw: bytes) -> Table:
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
        sheets = book.sheet_names
        frame, sheet = _first_filled_sheet(book)
    except Exception as exc:  # openpyxl raises many kinds for damaged workbooks; the user needs one message
        log.debug("openpyxl could not read %s", path, exc_info=True)
        raise DataError(f"{path.name} could not be opened as an Excel workbook.",
                        "Open it in Excel and save it again as .xlsx or as CSV.") from exc
    if frame is None:
        raise DataError(f"{path.name} holds no rows.", "Choose a workbook with a table on its first sheet.")
    warnings = [f"The workbook has {len(sheets)} sheets; the sheet '{sheet}' was read."] if len(sheets) > 1 else []
    frame, more = apply_header(frame_as_text(frame).reset_index(drop=True), path.name)
    return Table(frame, str(path), "xlsx", None, None, warnings + more)


def _first_filled_sheet(book: pd.ExcelFile) -> tuple[pd.DataFrame | None, str]:
    for sheet in book.sheet_names:
        frame = book.parse(sheet, header=None).dropna(how="all").dropna(axis=1, how="all")
        if not frame.empty:
            return frame, sheet
    return None, ""


def read_parquet(path: Path, raw: bytes) -> Table:
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow's errors vary by damage; the user needs one message
        log.debug("pyarrow could not read %s", path, exc_info=True)
        raise DataError(f"{path.name} could not be read as a Parquet file.",
                        "Save it again, or save the table as CSV.") from exc
    frame = frame_as_text(frame.reset_index(drop=True))
    return Table(require_rows(frame, path.name), str(path), "parquet", None, None, [])
