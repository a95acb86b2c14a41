"""Big CSV files go through pyarrow's reader, which must give the same table as the usual reader, and hand
back to it whatever it cannot read cleanly (other encodings, quotes that do not pair up, ragged rows)."""

from __future__ import annotations

import pytest

from core.data import big_csv
from core.data.files import read_table

FILES = {
    "plain.csv": b"text,label\nA lovely film,positive\n\"Dull, and long\",negative\n,positive\nGreat acting,\n",
    "bom.tsv": b"\xef\xbb\xbftext\tlabel\nA lovely film\tpositive\nDull\tnegative\n",
    "headerless.csv": b"What a wonderful film it was to watch,positive\nA dull and empty story,negative\n",
    "quotes.csv": b'text,label\n"Dull film,negative\nGreat film,positive\n',
    "gbk.csv": "文本,标签\n很好的电影,正面\n无聊,负面\n".encode("gbk"),
    "ragged.csv": b"text,label\nA lovely film,positive\nDull,negative,extra\n",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_fast_reader_gives_what_the_usual_reader_gives(name, tmp_path, monkeypatch):
    path = tmp_path / name
    path.write_bytes(FILES[name])
    usual = read_table(path)
    monkeypatch.setattr(big_csv, "BIG_BYTES", 0)  # every file counts as big
    fast = read_table(path)
    assert list(fast.frame.columns) == list(usual.frame.columns)
    assert fast.frame.fillna("").values.tolist() == usual.frame.fillna("").values.tolist()
    assert (fast.encoding, fast.delimiter, fast.file_format) == (usual.encoding, usual.delimiter, usual.file_format)
    assert fast.warnings == usual.warnings
