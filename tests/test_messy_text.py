"""Messy text: the data check flags HTML, addresses and runs of spaces; one click writes a cleaned copy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.data.check import build_report
from core.data.messy import collapse_whitespace, mask_urls, strip_tags, unescape_html
from core.data.texts import load_texts
from tests.pagetext import assert_no_error, messages
from ui.state import load_choices

NEWS = [
    ("Stocks &lt;b&gt;rise&lt;/b&gt; as markets rally", "business"),
    ("Team wins the cup &amp; the league", "sport"),
    ("<p>Parliament passes the budget</p><br/>", "politics"),
    ("Read more at https://news.example.com/a?id=3 today", "business"),
    ("Write to editor@example.com   with   tips", "politics"),
    ("Coach   resigns\n\nafter the defeat", "sport"),
]
CLEAN = [("Shares fall on weak results", "business"), ("The striker scores twice", "sport"),
         ("The minister resigns", "politics")] * 4


def write(path: Path, rows) -> Path:
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(path, index=False)
    return path


def test_each_kind_of_mess_is_counted_and_clean_text_has_none(tmp_path):
    report = build_report(load_texts(write(tmp_path / "news.csv", NEWS + CLEAN)))
    assert report.messy == {"html_entities": 2, "html_tags": 1, "urls": 1, "emails": 1, "whitespace": 2}
    codes = {p.code: p for p in report.problems}
    assert codes["html_entities"].count == 2 and "HTML entities" in codes["html_entities"].message
    assert "[URL]" in codes["urls"].fix
    clean = build_report(load_texts(write(tmp_path / "clean.csv", CLEAN)))
    assert not any(clean.messy.values())
    assert not {"html_entities", "html_tags", "urls", "emails", "whitespace"} & {p.code for p in clean.problems}


def test_the_fixes_clean_texts_and_leave_the_original_untouched(tmp_path):
    data = load_texts(write(tmp_path / "news.csv", NEWS))
    before = list(data.texts)
    assert unescape_html(data).texts[:2] == ["Stocks <b>rise</b> as markets rally", "Team wins the cup & the league"]
    assert strip_tags(unescape_html(data)).texts[0] == "Stocks rise as markets rally"
    assert strip_tags(data).texts[2] == "Parliament passes the budget"
    masked = mask_urls(data).texts
    assert masked[3] == "Read more at [URL] today" and masked[4].startswith("Write to [EMAIL] ")
    assert collapse_whitespace(data).texts[5] == "Coach resigns after the defeat"
    assert data.texts == before and mask_urls(data).labels == data.labels


def test_a_click_on_the_data_page_saves_a_cleaned_copy_and_keeps_the_original(empty_workspace, open_page):
    folder = empty_workspace / "datasets"
    folder.mkdir(parents=True)
    original = write(folder / "news.csv", NEWS + CLEAN)
    at = open_page("data").run()
    at.selectbox[0].select(next(o for o in at.selectbox[0].options if o.startswith("news.csv"))).run()
    assert_no_error(at)
    assert "HTML entities" in messages(at, "warning") and "web address" in messages(at, "warning")
    next(b for b in at.button if b.key == "fix-html_entities").click().run()
    assert_no_error(at)
    cleaned = Path(load_choices(empty_workspace).config.data)
    assert cleaned.name == "news-clean.csv" and original.exists()
    assert "the original file is kept" in messages(at, "success")
    assert "HTML entities" not in messages(at, "warning")
    assert "Stocks <b>rise</b>" in cleaned.read_text() and "&lt;b&gt;" in original.read_text()
