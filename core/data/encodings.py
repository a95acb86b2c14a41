"""Which encoding a text file was saved in, and its text.

A byte-order mark decides first. Then UTF-8, also when a few bytes in it are broken (a Windows quote pasted
into UTF-8 text): those are replaced and their lines named. Anything else is charset-normalizer's call, made on
a sample of the lines that hold non-ASCII bytes and among the encodings people actually save tables in; the
whole file is then decoded once. Every reading that is not plain UTF-8 comes with a note saying how it was read.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

from core.wording import counted

log = logging.getLogger(__name__)

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE starts like UTF-16 LE
# the candidates, in the order that breaks a tie: short files often decode equally well in several, and a
# Western reading with real words in it scores higher than any CJK one (whose coherence is always 0)
ENCODINGS = {
    "gb18030": "GB18030 (Simplified Chinese; also reads GBK and GB2312)",
    "cp950": "Big5 (Traditional Chinese)",
    "cp932": "Shift-JIS (Japanese)",
    "cp949": "EUC-KR (Korean)",
    "euc_jp": "EUC-JP (Japanese)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "latin_1": "Latin-1 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "koi8_r": "KOI8-R (Russian)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1257": "Windows-1257 (Baltic)",
    "cp874": "Windows-874 (Thai)",
    "cp1258": "Windows-1258 (Vietnamese)",
}
MULTI_BYTE = frozenset({"gb18030", "cp950", "cp932", "cp949", "euc_jp"})
SAMPLE_BYTES = 65536  # of lines holding non-ASCII bytes: plenty for the detector, quick on a 250 MB file
LONG_LINE = 16384  # a longer line (a one-line JSON file) is sampled in part
SCAN_BLOCK = 1 << 20
UTF8_MARGIN = 3  # valid non-ASCII UTF-8 characters per broken sequence; GBK or Big5 text makes 0.2 or fewer
SINGLE_SHARE = 0.5  # Western accents stand alone between ASCII letters (~80%); CJK bytes come in runs (<25%)
TIE_CHAOS, TIE_COHERENCE = 0.01, 0.05  # detector scores this close are a tie, settled by the order above
HIGH = re.compile(rb"[\x80-\xff]")
HIGH_RUN = re.compile(rb"[\x80-\xff]+")
# bytes below 0x40 are never the second byte of a GBK, Big5 or Shift-JIS character, nor inside UTF-8 ones
SAFE_END = re.compile(rb".*[\x00-\x3f]", re.S)
ROW_CHARS = 60  # the first rows a note shows are cut at this many characters
LINES_NAMED = 5


@dataclass
class Decoded:
    """A file's text, the Python codec that read it, and a sentence for the user when the bytes were not UTF-8."""

    text: str
    encoding: str
    note: str | None = None


def decode(raw: bytes) -> Decoded:
    """The file's text: a BOM's encoding, else UTF-8 (mending a few broken bytes), else the detector's choice."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):  # certain: only broken bytes in it are worth a word
            if encoding == "utf-8-sig":
                return _utf8(raw, encoding, sure=True)
            return Decoded(raw.decode(encoding, errors="replace"), encoding)
    sample = b""
    if raw.isascii() or _mostly_utf8(sample := _sample(raw)):
        decoded = _utf8(raw, "utf-8")
        if decoded is not None:
            return decoded
    return _detected(raw, sample)


def _sample(raw: bytes) -> bytes:
    """Lines that hold non-ASCII bytes, cut only where no multi-byte character can be split, up to SAMPLE_BYTES."""
    parts, size, pos = [], 0, 0
    while size < SAMPLE_BYTES and (found := _next_high(raw, pos)) != -1:
        start = raw.rfind(b"\n", 0, found) + 1
        end = raw.find(b"\n", found)
        end = len(raw) if end == -1 else end + 1
        if end - start > LONG_LINE:  # from `pos` (a safe cut) to `found` every byte is ASCII: no split character
            start, hi = max(start, pos, found - 256), found + LONG_LINE
            last = SAFE_END.match(raw, found, hi)
            end = last.end() if last else hi
        parts.append(raw[start:end])
        size, pos = size + end - start, end
    return b"".join(parts)


def _next_high(raw: bytes, pos: int) -> int:
    """Where the next non-ASCII byte is, or -1; far ones a block at a time, isascii being many times quicker than re."""
    if near := HIGH.search(raw, pos, pos + 4096):
        return near.start()
    pos += 4096
    while pos < len(raw):
        block = raw[pos:pos + SCAN_BLOCK]
        if not block.isascii():
            return pos + HIGH.search(block).start()
        pos += SCAN_BLOCK
    return -1


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with a few broken bytes: many valid non-ASCII characters for each broken sequence."""
    text = sample.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - sample.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", errors="ignore")) - broken
    return valid > 0 and valid >= UTF8_MARGIN * broken


def _utf8(raw: bytes, encoding: str, sure: bool = False) -> Decoded | None:
    """The whole file as UTF-8, any broken bytes replaced and their lines named; None when that is not UTF-8."""
    text = raw.decode(encoding, errors="replace")  # as quick as a strict decode, and one pass whatever it finds
    broken = text.count("\ufffd")
    broken = broken and broken - raw.count("\ufffd".encode())  # less the ones written in the file
    if not broken:
        return Decoded(text, encoding)
    # each valid non-ASCII character is 2-4 bytes read as one, so this many bytes fewer than characters: at least
    # one per character, where a broken byte is one byte read as one (a count of the characters would take seconds)
    if not sure and len(raw) - len(text) < UTF8_MARGIN * broken:
        return None
    lines = _lines_with(text, "\ufffd")
    named = ", ".join(map(str, lines[:LINES_NAMED]))
    if len(lines) > LINES_NAMED:
        named += f" and {counted(len(lines) - LINES_NAMED, 'more line')}"
    where = f"line {named} holds" if len(lines) == 1 else f"lines {named} hold"
    note = (f"The file is UTF-8, but {where} bytes that are not; they were read as the character � "
            f"and the rest of the file as UTF-8.")
    log.info("Read as UTF-8 with %d broken sequences on %d lines", broken, len(lines))
    return Decoded(text, encoding, note)


def _lines_with(text: str, char: str) -> list[int]:
    """Line numbers (from 1) of the lines holding `char`, each once."""
    lines, line, pos = [], 1, 0
    while (found := text.find(char, pos)) != -1:
        line += text.count("\n", pos, found)
        if not lines or lines[-1] != line:
            lines.append(line)
        pos = found + 1
    return lines


def _detected(raw: bytes, sample: bytes) -> Decoded:
    encoding = _detect(sample)
    text = raw.decode(encoding, errors="replace")
    note = f"The file is not UTF-8; it was read as {ENCODINGS[encoding]}. Its first rows read: {_first_rows(text)}."
    unreadable = text.count("\ufffd")
    if unreadable:
        note += f" {counted(unreadable, 'character', 'is', 'are')} unreadable in it and shown as �."
    log.info("Read as %s (detected on a %d-byte sample)", encoding, len(sample))
    return Decoded(text, encoding, note)


def _detect(sample: bytes) -> str:
    """charset-normalizer's best match among ENCODINGS; CJK ones only when the non-ASCII bytes come in runs."""
    from charset_normalizer import from_bytes

    candidates = list(ENCODINGS)
    runs = HIGH_RUN.findall(sample)
    if sum(len(r) == 1 for r in runs) >= SINGLE_SHARE * sum(map(len, runs)):  # é in café, ’ in it’s
        candidates = [c for c in candidates if c not in MULTI_BYTE]
    matches = list(from_bytes(sample, cp_isolation=candidates, steps=1, chunk_size=len(sample)))
    if not matches:
        return next((c for c in candidates if _decodes(sample, c)), "latin_1")
    best = matches[0]
    tied = [m for m in matches if m.chaos - best.chaos <= TIE_CHAOS and best.coherence - m.coherence <= TIE_COHERENCE]
    names = {name for m in tied for name in m.could_be_from_charset}
    return next((c for c in candidates if c in names), "latin_1")


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _first_rows(text: str, rows: int = 3) -> str:
    lines = [ln.strip() for ln in text[:20000].splitlines() if ln.strip()][:rows]
    return " / ".join(f"'{ln[:ROW_CHARS]}…'" if len(ln) > ROW_CHARS else f"'{ln}'" for ln in lines)
