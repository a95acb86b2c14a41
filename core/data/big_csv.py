"""Big CSV and TSV files read by pyarrow's multi-threaded reader, straight from the file on disk.

The usual path reads the whole file as bytes, decodes it into one Python string and hands that to pandas: for a
250 MB file that is the bytes, the string and the frame at once. Here only the first 64 KB are read in Python (to
tell the format, the encoding and the delimiter); pyarrow parses and checks the UTF-8 of the rest itself, into
arrow-backed string columns. Anything it does not accept (another encoding, quotes that do not pair up, rows with
extra fields) returns None, and the usual path, with its repairs and sentences, reads the file as before. The
header is decided by the same rule either way.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from core.data.delimited import _drop_empty_rows, _sniff_delimiter
from core.data.headers import apply_header
from core.data.table import Table, require_rows

log = logging.getLogger(__name__)

BIG_BYTES = 16 * 2**20  # from this size the fast reader is tried
HEAD_BYTES = 65536  # what Python reads of a big file: enough lines to sniff the delimiter and see the header
NOT_TEXT = (b"PK\x03\x04", b"PAR1")  # workbooks and Parquet files: the usual reader needs their whole bytes


def big_file_head(path: Path) -> bytes | None:
    """The first bytes of a big file that may be a text table; None for a small, missing or binary one."""
    try:
        if not path.is_file() or path.stat().st_size < BIG_BYTES:
            return None
        with open(path, "rb") as file:
            head = file.read(HEAD_BYTES)
    except OSError:
        return None  # the usual reader says why it cannot be opened
    if head.startswith(NOT_TEXT) or not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        return None
    return head


def read_big_csv(path: Path, head: bytes, file_format: str) -> Table | None:
    """The file as a Table when pyarrow reads it cleanly; None to fall back to the usual reader."""
    if file_format not in ("csv", "tsv", "auto"):
        return None
    bom = head.startswith(codecs.BOM_UTF8)
    body = head[len(codecs.BOM_UTF8):] if bom else head
    try:
        sample = body.rsplit(b"\n", 1)[0].decode("utf-8")  # whole lines: no character cut in two
    except UnicodeDecodeError:
        return None  # another encoding: the usual reader decides which
    delimiter = _sniff_delimiter(sample.replace("\r\n", "\n"), file_format if file_format != "auto" else "csv")
    if delimiter is None:
        return None
    frame = _parse(path, sample, delimiter)
    if frame is None:
        return None
    frame, header_warnings = apply_header(_drop_empty_rows(frame), path.name)
    fmt = file_format if file_format in ("csv", "tsv") else ("tsv" if delimiter == "\t" else "csv")
    log.info("Read %s with pyarrow's CSV reader", path.name)
    encoding = "utf-8-sig" if bom else "utf-8"  # as core.data.encodings names them
    return Table(require_rows(frame, path.name), str(path), fmt, encoding, delimiter, header_warnings)


def _parse(path: Path, sample: str, delimiter: str):
    import csv as std_csv

    import pyarrow as pa
    from pyarrow import csv

    first = sample.split("\n", 1)[0]
    columns = len(next(std_csv.reader([first.rstrip("\r")], delimiter=delimiter)))
    names = [f"c{i}" for i in range(columns)]
    try:  # arrow skips a UTF-8 byte order mark itself
        table = csv.read_csv(str(path),
                             read_options=csv.ReadOptions(column_names=names, block_size=16 * 2**20),
                             parse_options=csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                             convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                strings_can_be_null=True, null_values=[""],
                                                                check_utf8=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        log.info("pyarrow did not read the file cleanly (%s); reading it the usual way", str(exc)[:200])
        return None
    frame = table.to_pandas()  # arrow-backed string columns: no Python string per cell
    frame.columns = range(columns)  # as pandas names a headerless read: apply_header then decides
    return frame
