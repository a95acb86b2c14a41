"""Big CSV and TSV files read by pyarrow's multi-threaded reader, straight from the bytes.

The usual path decodes the whole file into one Python string and hands it to pandas: for a 250 MB file that is
the bytes, the string and the frame at once. Here pyarrow parses the UTF-8 bytes itself; anything it does not
accept (another encoding, quotes that do not pair up, rows with extra fields) returns None, and the usual path,
with its repairs and sentences, reads the file as before. The header is decided by the same rule either way.
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


def read_big_csv(path: Path, raw: bytes, file_format: str) -> Table | None:
    """The file as a Table when pyarrow reads it cleanly; None to fall back to the usual reader."""
    if len(raw) < BIG_BYTES or file_format not in ("csv", "tsv", "auto"):
        return None
    body = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        sample = body[:65536].rsplit(b"\n", 1)[0].decode("utf-8")  # whole lines: no character cut in two
    except UnicodeDecodeError:
        return None  # another encoding: the usual reader decides which
    delimiter = _sniff_delimiter(sample.replace("\r\n", "\n"), file_format if file_format != "auto" else "csv")
    if delimiter is None:
        return None
    frame = _parse(body, delimiter)
    if frame is None:
        return None
    frame, header_warnings = apply_header(_drop_empty_rows(frame), path.name)
    fmt = file_format if file_format in ("csv", "tsv") else ("tsv" if delimiter == "\t" else "csv")
    log.info("Read %s with pyarrow's CSV reader", path.name)
    encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"  # as core.data.encodings names them
    return Table(require_rows(frame, path.name), str(path), fmt, encoding, delimiter, header_warnings)


def _parse(body: bytes, delimiter: str):
    import pyarrow as pa
    from pyarrow import csv

    first = body[:65536].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    import csv as std_csv

    columns = len(next(std_csv.reader([first.rstrip("\r")], delimiter=delimiter)))
    names = [f"c{i}" for i in range(columns)]
    try:
        table = csv.read_csv(pa.BufferReader(body),
                             read_options=csv.ReadOptions(column_names=names, block_size=16 * 2**20),
                             parse_options=csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                             convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                strings_can_be_null=True, null_values=[""],
                                                                check_utf8=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        log.info("pyarrow did not read the file cleanly (%s); reading it the usual way", str(exc)[:200])
        return None
    frame = table.to_pandas()
    frame.columns = range(columns)  # as pandas names a headerless read: apply_header then decides
    return frame
