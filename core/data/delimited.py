"""Delimited text (csv, tsv, semicolons, pipes) and plain one-text-per-line files.

The delimiter is sniffed from the lines themselves; quotes that do not pair up and rows with extra fields are
read as well as they can be, with a sentence saying what was done.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from core.data.columns import TEXT_NAMES, column_key, names_a_column
from core.data.headers import apply_header
from core.data.table import Table, require_rows
from core.wording import counted


def read_delimited(path: Path, text: str, file_format: str, encoding: str, warnings: list[str]) -> Table:
    delimiter = _sniff_delimiter(text, file_format)
    if delimiter is None:
        frame = _read_lines(text)
        fmt = "txt" if file_format in ("txt", "auto") else file_format
        return Table(require_rows(frame, path.name), str(path), fmt, encoding, None, warnings)
    frame, more = _parse_delimited(text, delimiter)
    frame, header_warnings = apply_header(frame, path.name)
    fmt = file_format if file_format in ("csv", "tsv") else ("tsv" if delimiter == "\t" else "csv")
    if file_format == "txt" and delimiter != "\t":
        more.insert(0, f"{path.name} holds a table with '{delimiter}' between its columns, so it was read as one.")
    return Table(frame, str(path), fmt, encoding, delimiter, warnings + more + header_warnings)


def _sniff_delimiter(text: str, file_format: str) -> str | None:
    """The candidate that splits (nearly) every sampled line into the same number (2+) of fields."""
    order = {"csv": ",;\t|", "tsv": "\t"}.get(file_format, "\t,;|")
    sample = text[:65536]
    lines = [ln for ln in (sample.rsplit("\n", 1)[0] if len(text) > 65536 else sample).split("\n") if ln.strip()]
    lines = lines[:300]
    best, best_score = None, 0.0
    for delimiter in order:
        score = max(_consistency([ln.count(delimiter) + 1 for ln in lines]),
                    _consistency([len(row) for row in csv.reader(lines, delimiter=delimiter)]))
        if score > best_score + 1e-9:
            best, best_score = delimiter, score
    if best is None or best_score < 0.7:  # a few malformed lines must not hide the delimiter
        return "\t" if file_format == "tsv" else None
    if file_format == "txt" and best != "\t" and not _names_columns(lines[0], best, best_score):
        return None  # sentences with one comma each are still one text per line
    return best


def _names_columns(first_line: str, delimiter: str, score: float) -> bool:
    """A .txt file is a table only when it says so: a header naming a text or label column, on steady lines."""
    header = next(csv.reader([first_line], delimiter=delimiter))
    return score >= 0.9 and any(names_a_column(name) for name in header)


def _consistency(counts: list[int]) -> float:
    """Share of lines with the most common field count, or 0 when that count is a single field."""
    if not counts:
        return 0.0
    modal = max(set(counts), key=counts.count)
    return 0.0 if modal < 2 else counts.count(modal) / len(counts)


def _parse_delimited(text: str, delimiter: str) -> tuple[pd.DataFrame, list[str]]:
    lines = [ln for ln in text.split("\n") if ln]  # pandas skips only empty lines
    frame, error = _try_read(text, delimiter, csv.QUOTE_MINIMAL)
    # quotes that do not pair up swallow the lines after them; reading quotes as plain characters is right
    # when every line then has the same number of fields (the SMS spam file is such a file)
    if '"' in text and (frame is None or len(frame) < len(lines)) and _same_field_count(lines, delimiter):
        frame, _ = _try_read(text, delimiter, csv.QUOTE_NONE)
        note = "Quote marks in the file do not pair up, so they were kept as part of the texts."
        return _drop_empty_rows(frame), [note]
    if frame is not None:
        return _drop_empty_rows(frame), []
    return _read_skipping_bad_lines(text, delimiter, error, len(lines))


def _try_read(text: str, delimiter: str, quoting: int) -> tuple[pd.DataFrame | None, str]:
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                            na_values=[""], quoting=quoting, skip_blank_lines=True, engine="c")
    except pd.errors.ParserError as exc:
        return None, str(exc)
    return frame, ""


def _drop_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    empty = frame.isna().all(axis=1)
    # most files have no empty row: a million rows are then not copied for nothing
    return frame[~empty].reset_index(drop=True) if empty.any() else frame.reset_index(drop=True)


def _same_field_count(lines: list[str], delimiter: str) -> bool:
    return len({ln.count(delimiter) for ln in lines}) == 1


def _read_skipping_bad_lines(text: str, delimiter: str, error: str, line_count: int) -> tuple[pd.DataFrame, list]:
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                        na_values=[""], skip_blank_lines=True, on_bad_lines="skip", engine="c")
    skipped = max(1, line_count - len(frame))
    frame = _drop_empty_rows(frame)
    first = re.search(r"line (\d+)", error)
    where = f", the first at line {first.group(1)}" if first else ""
    return frame, [f"{counted(skipped, 'row', 'has', 'have')} more columns than the first row and "
                   f"{'was' if skipped == 1 else 'were'} left out{where}."]


def _read_lines(text: str) -> pd.DataFrame:
    """One text per line; a first line that just says 'text' (or a synonym) is a header."""
    lines = [ln.rstrip("\r") for ln in text.split("\n") if ln.strip()]
    name = "text"
    if lines and column_key(lines[0]) in TEXT_NAMES:
        name = lines.pop(0).strip()
    return pd.DataFrame({name: pd.Series(lines, dtype="str")})
