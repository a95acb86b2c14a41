"""A big file's data check: read once by pyarrow from disk, counted over distinct cells, token lengths without
transformers, and every answer the same as the usual path gives on the same rows."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from core.data import big_csv
from core.data.check import build_report
from core.data.task_texts import load_task_texts
from core.models.tokens import load_token_counter

ROOT = Path(__file__).resolve().parents[1]


def messy_rows(rows: int = 3000) -> list[list[str]]:
    """Repeats, a text under two labels, three spellings of one label, blank texts and HTML, in known numbers."""
    out = []
    for i in range(rows):
        label = ("sport", "Sport", "sport ", "politics")[i % 4]
        text = f"match report number {i % 999} &amp; more" if i % 7 else f"  vote {i} in parliament "
        out.append(["" if i % 97 == 0 else text, label])
    return out


def write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def exact_duplicates(rows: list[list[str]]) -> int:
    seen, repeats = set(), 0
    for text, label in rows:
        if not text.strip():
            continue
        key = (text.strip(), " ".join(label.split()).casefold())
        repeats += key in seen
        seen.add(key)
    return repeats


def test_the_data_check_is_the_same_whichever_reader_reads_the_file(tmp_path, monkeypatch):
    rows = messy_rows()
    path = write(tmp_path / "news.csv", rows)
    counter = load_token_counter("default")
    usual = build_report(load_task_texts(path), counter, 16).to_dict()
    monkeypatch.setattr(big_csv, "BIG_BYTES", 0)  # this file counts as big: pyarrow reads it
    fast = build_report(load_task_texts(path), counter, 16).to_dict()
    assert fast == usual
    assert fast["duplicates"] == exact_duplicates(rows) > 0
    assert fast["conflicting_duplicates"] > 0  # "sport" and "politics" share texts
    assert fast["label_variants"] == {"sport": ["sport", "Sport", "sport "]}
    assert fast["blank_texts"] == sum(1 for text, _ in rows if not text.strip())
    assert fast["messy"]["html_entities"] > 0


def test_inspect_data_on_a_big_file_needs_neither_transformers_nor_torch(tmp_path):
    path = write(tmp_path / "big.csv", messy_rows(500))
    code = ("import sys, core.data.big_csv as big; big.BIG_BYTES = 0; from core.cli import main; "
            f"main(['inspect-data', {str(path)!r}, '--json']); "
            "print(json.dumps(['transformers' in sys.modules, 'torch' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    report, imported = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    assert report["rows"] == 500 and report["token_lengths"]["max"] > 5
    assert report["encoding"] == "utf-8"
    assert imported == [False, False], "the data check's token lengths come from tokenizer.json alone"
