"""Read any supported file (csv, tsv, txt, jsonl, json, xlsx, parquet) into a table of strings.

The file's first bytes decide its format where they tell (an Excel workbook saved as .csv is still read);
files people pick by mistake (images, PDFs, archives) get a sentence naming what they are.
"""

from __future__ import annotations

import codecs
import io
import logging
import zipfile
from pathlib import Path

from core.data.big_csv import big_file_head, read_big_csv
from core.data.delimited import read_delimited
from core.data.encodings import decode
from core.data.jsonfiles import read_json, read_jsonl
from core.data.table import Table, require_rows
from core.data.workbooks import read_parquet, read_xlsx
from core.errors import DataError

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
SUPPORTED_FIX = "Choose a CSV, TSV, Excel (.xlsx), JSON Lines, JSON, Parquet or plain-text file."


# files people pick by mistake, recognised by their first bytes
MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
         (b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an old-style Office file (.xls or .doc)"),
         (b"\x1f\x8b", "a gzip-compressed file"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
         (b"SQLite format 3", "an SQLite database"), (b"RIFF", "an audio or video file"))


def read_table(path: str | Path) -> Table:
    """Read any supported file into a frame of strings; raises DataError when it cannot be used."""
    path = Path(path)
    big = _read_big_table(path)  # a big UTF-8 CSV/TSV: pyarrow reads it from disk, never held whole as bytes
    if big is not None:
        return big
    raw = _read_bytes(path)
    file_format, warnings = _format_of(path, raw)
    if file_format == "xlsx":
        table = read_xlsx(path, raw)
    elif file_format == "parquet":
        table = read_parquet(path, raw)
    else:
        table = _read_text_file(path, raw, file_format)
    table.warnings[:0] = warnings
    log.info("Read %s: %d rows, %d columns (%s, %s)", path.name, len(table.frame), table.frame.shape[1],
             table.file_format, table.encoding)
    return table


def _read_big_table(path: Path) -> Table | None:
    """A big text table read by pyarrow from its first bytes and the file itself; None: read it the usual way."""
    head = big_file_head(path)
    if head is None:
        return None
    file_format, warnings = _format_of(path, head)  # the first bytes are all the format and binary checks read
    table = read_big_csv(path, head, file_format)
    if table is None:
        return None
    table.warnings[:0] = warnings
    log.info("Read %s: %d rows, %d columns (%s, %s)", path.name, len(table.frame), table.frame.shape[1],
             table.file_format, table.encoding)
    return table


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a file.", "Choose one file inside it.")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"There is no file at {path}.", "Check the path, or upload the file again.") from None
    except OSError as exc:
        raise DataError(f"{path.name} could not be opened ({exc.strerror}).",
                        "Check that the file is not open in another program and that you may read it.") from exc
    if not raw.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise DataError(f"{path.name} is empty.", "Choose a file with a header row and at least one row of data.")
    return raw


def _format_of(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """The format to read, from the file's first bytes where they tell, else from its extension."""
    declared = FORMATS.get(path.suffix.lower(), "auto")
    actual = _format_from_bytes(path, raw)
    if actual is None:
        if declared in ("xlsx", "parquet"):  # a text table saved under the wrong name can still be read
            return "auto", [f"{path.name} ends in {path.suffix} but holds plain text; it was read as a text table."]
        return declared, []
    if actual != declared:
        kind = "an Excel workbook" if actual == "xlsx" else "a Parquet file"
        return actual, [f"{path.name} is {kind}, although its name says otherwise; it was read as such."]
    return actual, []


def _format_from_bytes(path: Path, raw: bytes) -> str | None:
    if raw.startswith(b"PK\x03\x04"):
        if _is_xlsx(raw):
            return "xlsx"
        raise DataError(f"{path.name} is a ZIP archive or an Office document, not a table.",
                        "Unzip it, or save the table as .xlsx or CSV. " + SUPPORTED_FIX)
    if raw.startswith(b"PAR1"):
        return "parquet"
    for magic, kind in MAGIC:
        if raw.startswith(magic):
            raise DataError(f"{path.name} is {kind}, not a table of texts.", SUPPORTED_FIX)
    if b"\x00" in raw[:8192] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path.name} is not a text file: it holds binary data.", SUPPORTED_FIX)
    return None


def _is_xlsx(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _read_text_file(path: Path, raw: bytes, file_format: str) -> Table:
    decoded = decode(raw)
    text, encoding, warnings = decoded.text.replace("\r\n", "\n"), decoded.encoding, []
    if file_format == "jsonl":
        table = Table(require_rows(read_jsonl(text, path.name), path.name), str(path), file_format, encoding)
    elif file_format == "json":
        frame, warnings = read_json(text, path.name)
        table = Table(require_rows(frame, path.name), str(path), file_format, encoding, None, warnings)
    else:
        table = read_delimited(path, text, file_format, encoding, warnings)
    table.encoding_note = decoded.note  # said by the data check, not among the reading notes, so it shows once
    return table
