"""Read any table of texts and labels, whatever program saved it.

`read_table` turns a file (csv, tsv, txt, jsonl, json, xlsx, parquet) into a frame of strings,
guessing the encoding, the delimiter and whether there is a header row. `load_texts` picks the
text and label columns; `prepare_for_training` keeps what a classifier can learn from.
Anything unusable raises `DataError` with one plain sentence and its fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from core.errors import DataError

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
SUPPORTED_FIX = "Choose a CSV, TSV, Excel (.xlsx), JSON Lines, JSON, Parquet or plain-text file."

# first match wins, so the most telling names come first
TEXT_NAMES = ("text", "texts", "sentence", "sentences", "content", "contents", "review", "reviews", "comment",
              "comments", "message", "messages", "body", "document", "tweet", "post", "utterance", "sms",
              "review_text", "text_a", "sentence1", "query", "question", "description", "title", "input",
              "文本", "内容", "评论", "句子", "评价", "正文", "文字", "留言", "语句", "问题", "标题")
LABEL_NAMES = ("label", "labels", "class", "category", "categories", "sentiment", "target", "label_name",
               "gold_label", "intent", "topic", "tag", "rating", "stars", "polarity", "y", "output",
               "标签", "类别", "分类", "情感", "类型", "极性", "评分")
# fallbacks when no name matches exactly: "review_body", "情感标签", ...
TEXT_PARTS = ("text", "sentence", "review", "comment", "content", "message", "文本", "内容", "评论", "句子", "评价")
LABEL_PARTS = ("label", "class", "category", "sentiment", "标签", "类别", "分类", "情感")
KNOWN_NAMES = frozenset(TEXT_NAMES + LABEL_NAMES + ("id", "idx", "index", "split", "source", "language", "lang"))

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# files people pick by mistake, recognised by their first bytes
MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
         (b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an old-style Office file (.xls or .doc)"),
         (b"\x1f\x8b", "a gzip-compressed file"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
         (b"SQLite format 3", "an SQLite database"), (b"RIFF", "an audio or video file"))


@dataclass
class Table:
    """A file read as a frame of strings (NaN for missing cells), with how it was read."""

    frame: pd.DataFrame
    path: str
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class LabelledTexts:
    """Texts and their labels as read; labels keep their raw spelling so the report can find variants."""

    texts: list[str]
    labels: list[str | None]
    text_column: str
    label_column: str | None
    source: str
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Iterable[int]) -> LabelledTexts:
        picked = [int(i) for i in indices]
        return replace(self, texts=[self.texts[i] for i in picked], labels=[self.labels[i] for i in picked],
                       warnings=list(self.warnings))


# ---------------------------------------------------------------------------------------------- reading

def read_table(path: str | Path) -> Table:
    """Read any supported file into a frame of strings; raises DataError when it cannot be used."""
    path = Path(path)
    raw = _read_bytes(path)
    file_format, warnings = _format_of(path, raw)
    if file_format == "xlsx":
        table = _read_xlsx(path, raw)
    elif file_format == "parquet":
        table = _read_parquet(path, raw)
    else:
        table = _read_text_file(path, raw, file_format)
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


# ------------------------------------------------------------------------------------------- encodings

def decode(raw: bytes) -> tuple[str, str, list[str]]:
    """Text, encoding name and warnings; strict decodes in the order that cannot mistake one for another."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace"), encoding, []
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
        # gb18030 decodes nearly any bytes; real Chinese text stays inside the common GB2312 set
        if _looks_chinese(text):
            return text, "gb18030", []
    except UnicodeDecodeError:
        pass
    return _decode_western(raw)


def _looks_chinese(text: str) -> bool:
    sample = [ch for ch in text[:200_000] if ord(ch) > 127][:5000]
    if not sample or not any(CJK.match(ch) for ch in sample):
        return False
    common = 0
    for ch in sample:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.9 * len(sample)


def _decode_western(raw: bytes) -> tuple[str, str, list[str]]:
    text = raw.decode("latin-1")
    encoding, label = "latin-1", "Latin-1 (Western European)"
    # bytes 0x80-0x9f are control characters in Latin-1 but curly quotes and dashes in Windows-1252
    if any("\x80" <= ch <= "\x9f" for ch in text):
        try:
            text, encoding, label = raw.decode("cp1252"), "cp1252", "Windows-1252 (Western European)"
        except UnicodeDecodeError:
            pass
    warning = (f"The file is not UTF-8, so it was read as {label}; check that accented letters look right, "
               "and if they do not, save the file as 'CSV UTF-8' and load it again.")
    return text, encoding, [warning]


# --------------------------------------------------------------------------------------- text formats

def _read_text_file(path: Path, raw: bytes, file_format: str) -> Table:
    text, encoding, warnings = decode(raw)
    text = text.replace("\r\n", "\n")
    if file_format == "jsonl":
        frame = _read_jsonl(text, path.name)
    elif file_format == "json":
        frame, more = _read_json(text, path.name)
        warnings += more
    else:
        return _read_delimited(path, text, file_format, encoding, warnings)
    return Table(_require_rows(frame, path.name), str(path), file_format, encoding, None, warnings)


def _read_delimited(path: Path, text: str, file_format: str, encoding: str, warnings: list[str]) -> Table:
    delimiter = _sniff_delimiter(text, file_format)
    if delimiter is None:
        frame = _read_lines(text)
        fmt = "txt" if file_format in ("txt", "auto") else file_format
        return Table(_require_rows(frame, path.name), str(path), fmt, encoding, None, warnings)
    frame, more = _parse_delimited(text, delimiter)
    frame, header_warnings = _apply_header(frame, path.name)
    fmt = file_format if file_format in ("csv", "tsv") else ("tsv" if delimiter == "\t" else "csv")
    return Table(frame, str(path), fmt, encoding, delimiter, warnings + more + header_warnings)


def _sniff_delimiter(text: str, file_format: str) -> str | None:
    """The candidate that splits (nearly) every sampled line into the same number (2+) of fields."""
    order = {"csv": ",;\t|", "tsv": "\t", "txt": "\t"}.get(file_format, "\t,;|")
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
    return best


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
    return frame.dropna(how="all").reset_index(drop=True)


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
    if lines and _norm(lines[0]) in TEXT_NAMES:
        name = lines.pop(0).strip()
    return pd.DataFrame({name: pd.Series(lines, dtype="str")})


# ---------------------------------------------------------------------------------------- header rows

def _apply_header(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Use the first row as column names unless it looks like data; name headerless columns sensibly."""
    first, rest = frame.iloc[0], frame.iloc[1:].reset_index(drop=True)
    if _is_header(first, rest):
        rest.columns = _clean_names(first.tolist())
        return _require_rows(rest, name, header=True), []
    frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame = _name_headerless(frame)
    return frame, [f"The file has no header row, so its columns were named {', '.join(frame.columns)}."]


def _is_header(first: pd.Series, rest: pd.DataFrame) -> bool:
    values = [str(v).strip() for v in first if isinstance(v, str) and v.strip()]
    if any(_norm(v) in KNOWN_NAMES for v in values) or rest.empty:
        return True
    # data rows repeat their labels; a header's names do not show up again below it
    if any(isinstance(v, str) and (rest[col] == v).any() for col, v in first.items()):
        return False
    return not any(NUMBER.fullmatch(v) or _is_sentence(v) for v in values)


def _is_sentence(value: str) -> bool:
    return len(value) > 40 or len(value.split()) >= 6 or len(CJK.findall(value)) >= 12


def _clean_names(names: list) -> list[str]:
    cleaned: list[str] = []
    for i, name in enumerate(names):
        name = str(name).strip().lstrip("\ufeff") if isinstance(name, str) else ""
        name = name or f"column_{i + 1}"
        base, n = name, 2
        while name in cleaned:
            name, n = f"{base}_{n}", n + 1
        cleaned.append(name)
    return cleaned


def _name_headerless(frame: pd.DataFrame) -> pd.DataFrame:
    try:
        text, label = detect_columns(frame)
    except DataError:
        return frame
    names = {text: "text"} if label is None else {text: "text", label: "label"}
    return frame.rename(columns=names)


def _require_rows(frame: pd.DataFrame, name: str, header: bool = False) -> pd.DataFrame:
    if len(frame) == 0:
        if header:
            raise DataError(f"{name} has a header row but no data rows.",
                            "Add rows under the header, or choose another file.")
        raise DataError(f"{name} holds no rows.", "Choose a file with at least one row of data.")
    return frame


# ------------------------------------------------------------------------------------------------ JSON

def _read_jsonl(text: str, name: str) -> pd.DataFrame:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise DataError(f"Line {number} of {name} is not valid JSON.",
                            'Fix or delete that line; each line must be one object such as '
                            '{"text": "...", "label": "..."}.') from None
        records.append(_record(value))
    return _records_frame(records)


def _read_json(text: str, name: str) -> tuple[pd.DataFrame, list[str]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # one object per line: JSON Lines saved as .json
            note = f"{name} holds one JSON object per line (JSON Lines), so it was read that way."
            return _read_jsonl(text, name), [note]
        raise DataError(f"{name} is not valid JSON: the first problem is on line {exc.lineno}.",
                        "Fix the file, or save it again from the program that made it.") from None
    records = _json_records(value)
    if records is None:
        raise DataError(f"{name} does not hold a list of rows.",
                        'Save it as a list of objects such as [{"text": "...", "label": "..."}].')
    return _records_frame([_record(v) for v in records]), []


def _json_records(value: object) -> list | None:
    """The rows inside a JSON document: a list, a {"data": [...]}-like wrapper, or a dict of columns."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or not value:
        return None
    lists = {key: v for key, v in value.items() if isinstance(v, list)}
    rows = {key: v for key, v in lists.items() if v and isinstance(v[0], dict)}
    if rows:  # prefer the usual wrapper names, then the longest list of objects
        for key in ("data", "rows", "records", "examples", "items", "train"):
            if key in rows:
                return rows[key]
        return max(rows.values(), key=len)
    if len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1:
        return [dict(zip(lists, row)) for row in zip(*lists.values())]
    if all(isinstance(v, dict) for v in value.values()):
        return list(value.values())
    return None


def _record(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {f"column_{i + 1}": v for i, v in enumerate(value)}
    return {"text": value}


def _records_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return _frame_as_text(frame)


# ---------------------------------------------------------------------------------- Excel and Parquet

def _read_xlsx(path: Path, raw: bytes) -> Table:
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
    frame, more = _apply_header(_frame_as_text(frame).reset_index(drop=True), path.name)
    return Table(frame, str(path), "xlsx", None, None, warnings + more)


def _first_filled_sheet(book: pd.ExcelFile) -> tuple[pd.DataFrame | None, str]:
    for sheet in book.sheet_names:
        frame = book.parse(sheet, header=None).dropna(how="all").dropna(axis=1, how="all")
        if not frame.empty:
            return frame, sheet
    return None, ""


def _read_parquet(path: Path, raw: bytes) -> Table:
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow's errors vary by damage; the user needs one message
        log.debug("pyarrow could not read %s", path, exc_info=True)
        raise DataError(f"{path.name} could not be read as a Parquet file.",
                        "Save it again, or save the table as CSV.") from exc
    frame = _frame_as_text(frame.reset_index(drop=True))
    return Table(_require_rows(frame, path.name), str(path), "parquet", None, None, [])


def _frame_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    columns = _clean_names([str(c) for c in frame.columns])
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


# ------------------------------------------------------------------------------------ choosing columns

@dataclass
class _Profile:
    name: str
    rows: int
    distinct: int
    mean_len: float
    numeric_share: float


def detect_columns(frame: pd.DataFrame) -> tuple[str, str | None]:
    """(text column, label column or None): by name first, else by the shape of the values."""
    return _detect(frame)


def _detect(frame: pd.DataFrame, text: str | None = None, label: str | None = None) -> tuple[str, str | None]:
    by_name = {str(c): _profile(frame[c], c) for c in frame.columns}  # None for an empty column
    profiles = [p for p in by_name.values() if p is not None]
    if label is None:
        label = _by_name(by_name, LABEL_NAMES, LABEL_PARTS, exclude=text)
    if text is None:
        text = _by_name(by_name, TEXT_NAMES, TEXT_PARTS, exclude=label, textual=True) or _text_by_shape(
            profiles, label)
    if text is None:
        raise DataError(f"None of the columns holds text; the columns are {', '.join(map(str, frame.columns))}.",
                        "Add a column with the texts to classify, for example one named 'text'.")
    if label is None:
        label = _label_by_shape(profiles, text)
    return text, label


def _profile(series: pd.Series, name: str) -> _Profile | None:
    values = series.dropna()
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    values = values[values.str.strip() != ""]
    if values.empty:
        return None
    numeric = float(values.str.strip().str.fullmatch(NUMBER.pattern).mean())
    return _Profile(str(name), len(values), int(values.nunique()), float(values.str.len().mean()), numeric)


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _by_name(profiles: dict[str, _Profile | None], names: tuple, parts: tuple, exclude: str | None,
             textual: bool = False) -> str | None:
    # an empty label column is still the label column (texts waiting to be labelled); a text column must hold text
    usable = {_norm(n): n for n, p in profiles.items()
              if n != exclude and not (textual and (p is None or p.numeric_share > 0.9))}
    for wanted in names:
        if wanted in usable:
            return usable[wanted]
    for part in parts:
        for normed, original in usable.items():
            if part in normed:
                return original
    return None


def _text_by_shape(profiles: list[_Profile], label: str | None) -> str | None:
    candidates = [p for p in profiles if p.name != label and p.numeric_share < 0.5]
    if not candidates:
        return None
    # texts are mostly distinct and the longest strings in the table
    return max(candidates, key=lambda p: (p.distinct >= 0.5 * p.rows, p.mean_len)).name


def _label_by_shape(profiles: list[_Profile], text: str) -> str | None:
    # a label column repeats a few values; an id or a second text column barely repeats at all
    candidates = [p for p in profiles if p.name != text and p.distinct <= max(2, min(0.5 * p.rows, 1000))]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.distinct < 2, p.distinct / p.rows)).name


# ------------------------------------------------------------------------------------------ loading

def load_texts(path: str | Path, text_column: str | None = None, label_column: str | None = None) -> LabelledTexts:
    """Read a file and pick its text and label columns (detected unless named; label_column="" means none)."""
    table = read_table(path)
    name = Path(path).name
    for wanted in (text_column, label_column):
        if wanted and wanted not in table.frame.columns:
            raise DataError(f"There is no column '{wanted}' in {name}.",
                            f"Pick one of its columns: {', '.join(map(str, table.frame.columns))}.")
    if text_column and text_column == label_column:
        raise DataError(f"'{text_column}' cannot be both the text and the label column.",
                        "Choose two different columns.")
    no_labels = label_column == ""
    text, label = _detect(table.frame, text_column or None, label_column or None)
    label = None if no_labels else label
    warnings = list(table.warnings)
    if label is None and not no_labels:
        warnings.append("No label column was found, so the rows are unlabelled.")
    texts = [v if isinstance(v, str) else "" for v in table.frame[text].tolist()]
    labels = _labels_of(table.frame[label]) if label else [None] * len(texts)
    return LabelledTexts(texts, labels, text, label, str(path), warnings)


def _labels_of(series: pd.Series) -> list[str | None]:
    # a blank cell and a cell of spaces both mean "no label"
    return [v if isinstance(v, str) and v.strip() else None for v in series.tolist()]


def prepare_for_training(data: LabelledTexts) -> LabelledTexts:
    """Keep rows with a text and a label, labels stripped; at least two distinct labels must remain."""
    if data.label_column is None:
        raise DataError(f"{Path(data.source).name} has no label column, so there is nothing to learn from.",
                        "Choose the column that holds the labels, or label the texts on the Label page first.")
    keep = [i for i, (t, lab) in enumerate(zip(data.texts, data.labels)) if t.strip() and lab and lab.strip()]
    if not keep:
        raise DataError("No row has both a text and a label.",
                        "Check that the right columns are chosen as text and label.")
    prepared = data.subset(keep)
    prepared.labels = [lab.strip() for lab in prepared.labels]
    names = label_names(prepared.labels)
    if len(names) < 2:
        raise DataError(f"The file has only one label, '{names[0]}'. A classifier needs at least two.",
                        "Add rows with at least one other label, or choose a different label column.")
    prepared.warnings += _dropped_notes(data, len(data) - len(keep))
    return prepared


def _dropped_notes(data: LabelledTexts, dropped: int) -> list[str]:
    if not dropped:
        return []
    blank = sum(1 for t in data.texts if not t.strip())
    unlabelled = dropped - blank
    notes = [f"{counted(blank, 'row')} with a blank text {'was' if blank == 1 else 'were'} left out."] if blank else []
    if unlabelled > 0:
        notes.append(f"{counted(unlabelled, 'row')} without a label {'was' if unlabelled == 1 else 'were'} left out.")
    log.info("prepare_for_training left out %d of %d rows", dropped, len(data))
    return notes


def counted(n: int, noun: str, verb_one: str = "", verb_many: str = "") -> str:
    """'1 row has' or '3 rows have': messages read as sentences, whatever the count."""
    words = f"{n} {noun}" if n == 1 else f"{n} {noun}s"
    verb = verb_one if n == 1 else verb_many
    return f"{words} {verb}" if verb else words


def label_names(labels: Iterable[str | None]) -> list[str]:
    """Distinct labels in a stable order: numbers by value ("2" before "10"), words alphabetically."""
    return sorted({lab for lab in labels if lab is not None}, key=label_sort_key)


def label_sort_key(label: str) -> tuple:
    if NUMBER.fullmatch(label.strip()):
        return (0, float(label), label)
    parts = [(0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in re.split(r"([0-9]+)", label) if p]
    return (1, tuple(parts), label)
