"""Which encoding a text file was saved in: UTF-8, UTF-16, GB18030/GBK, or a Western code page."""

from __future__ import annotations

import codecs

from core.data.columns import CJK


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
