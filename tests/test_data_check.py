"""The data report finds what a user must know about their data, and its one-click fixes fix it."""

from __future__ import annotations

import json

import pytest

from core.data.check import build_report
from core.data.fixes import drop_blank_texts, drop_duplicates, drop_small_classes, merge_label_variants
from core.data.language import detect_language
from core.data.texts import LabelledTexts


def _data(rows: list[tuple[str, str | None]]) -> LabelledTexts:
    return LabelledTexts([t for t, _ in rows], [lab for _, lab in rows], "text", "label", "reviews.csv")


def _balanced(n: int = 10) -> list[tuple[str, str | None]]:
    return [(f"good film number {i}", "positive") for i in range(n)] + [
        (f"bad film number {i}", "negative") for i in range(n)]


@pytest.fixture(scope="module")
def word_tokenizer(tmp_path_factory):
    """A real Hugging Face tokenizer whose tiny vocabulary makes every word one token (plus CLS and SEP)."""
    from transformers import BertTokenizerFast

    vocab = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", encoding="utf-8")
    return BertTokenizerFast(vocab_file=str(vocab))


def test_report_finds_every_kind_of_problem():
    rows = _balanced() + [
        ("   ", "positive"),  # blank
        ("good film number 1", "positive"),  # exact duplicate
        ("bad film number 2", "positive"),  # same text, other label
        ("an unlabelled text", None),
        ("shouting film", "POSITIVE"), ("spaced film", "negative "),  # spelling variants
        ("odd one", "neutral"),  # a class of one row
    ]
    report = build_report(_data(rows))
    assert (report.rows, report.blank_texts, report.duplicates) == (len(rows), 1, 1)
    assert (report.conflicting_duplicates, report.unlabelled) == (1, 1)
    assert report.label_variants == {"positive": ["positive", "POSITIVE"], "negative": ["negative", "negative "]}
    assert report.small_classes == ["neutral", "POSITIVE"]
    assert list(report.label_counts)[:2] == ["positive", "negative"] and report.label_counts["neutral"] == 1
    codes = {p.code for p in report.problems}
    assert {"blank_texts", "duplicates", "conflicting_duplicates", "unlabelled", "label_variants",
            "small_classes"} <= codes
    assert [p.code for p in report.errors] == ["small_classes"]  # a one-row class cannot be split
    assert all(p.message.endswith(".") and p.fix for p in report.problems)
    assert json.loads(json.dumps(report.to_dict()))["problems"][0]["code"] == "small_classes"


def test_clean_data_has_no_problems():
    report = build_report(_data(_balanced(60)))
    assert report.problems == [] and report.label_counts == {"negative": 60, "positive": 60}
    assert report.token_lengths is None and report.truncated_share is None


def test_one_label_and_missing_labels_are_errors():
    one = build_report(_data([(f"text {i}", "spam") for i in range(10)]))
    assert [p.code for p in one.errors] == ["one_label"]
    assert one.errors[0].message == "The file has only one label, 'spam'. A classifier needs at least two."
    none = build_report(LabelledTexts(["a", "b"], [None, None], "text", None, "notes.txt"))
    assert [p.code for p in none.errors] == ["unlabelled"]


def test_imbalance_is_pointed_out():
    rows = [(f"ham {i}", "ham") for i in range(60)] + [(f"spam {i}", "spam") for i in range(6)]
    problem = next(p for p in build_report(_data(rows)).problems if p.code == "imbalance")
    assert "'ham', has 10 times as many rows as the rarest, 'spam'" in problem.message


def test_token_lengths_and_truncation_share(word_tokenizer):
    rows = [(" ".join(["w"] * 6), "a")] * 6 + [(" ".join(["w"] * 30), "b")] * 4  # 8 and 32 tokens
    report = build_report(_data(rows), tokenizer=word_tokenizer, max_length=16)
    assert report.token_lengths == {"mean": 17.6, "median": 8.0, "p95": 32.0, "max": 32.0}
    assert report.truncated_share == 0.4
    problem = next(p for p in report.problems if p.code == "truncation")
    assert problem.message == "40% of the texts are longer than 16 tokens and would be cut."
    assert "Raise the max length to 32" in problem.fix


@pytest.mark.parametrize(("texts", "language"), [
    (["这部电影很好看", "太无聊了，浪费时间", "演员表演不错 iPhone"], "zh"),
    (["The film was great and I loved it", "It is not what you think", "a waste of time"], "en"),
    (["この映画はとても面白かった", "時間の無駄でした"], "ja"),
    (["이 영화 정말 좋아요", "시간 낭비였어요"], "ko"),
    (["Le film est très bon et je le recommande", "Ce n'est pas pour moi"], "fr"),
    (["这部电影很好看", "太无聊了", "The film was great", "It is not good"], "mixed"),
    (["12345", "  ", "!!!"], "unknown"),
])
def test_language_from_scripts(texts, language):
    assert detect_language(texts) == language


def test_report_names_the_language():
    rows = [("这部电影很好看", "正面"), ("太无聊了", "负面")] * 3
    assert build_report(_data(rows)).language == "zh"


# ------------------------------------------------------------------------------------------- fixes

def test_drop_blank_texts():
    data = _data([("a", "x"), ("", "x"), ("  \t", "y"), ("b", "y")])
    fixed = drop_blank_texts(data)
    assert fixed.texts == ["a", "b"] and len(data) == 4


def test_drop_duplicates_keeps_the_first_labelled_copy():
    data = _data([("same", None), ("same", "pos"), ("same ", "pos"), ("clash", "pos"), ("clash", "neg"),
                  ("other", "neg")])
    fixed = drop_duplicates(data)
    assert list(zip(fixed.texts, fixed.labels)) == [("same", "pos"), ("clash", "pos"), ("other", "neg")]
    assert len(data) == 6
    report = build_report(fixed)
    assert (report.duplicates, report.conflicting_duplicates) == (0, 0)


def test_merge_label_variants_uses_the_most_common_spelling():
    data = _data([("a", "positive"), ("b", "positive"), ("c", "Positive"), ("d", " positive "), ("e", "neg"),
                  ("f", None)])
    fixed = merge_label_variants(data)
    assert fixed.labels == ["positive"] * 4 + ["neg", None]
    assert data.labels[2] == "Positive" and build_report(fixed).label_variants == {}


def test_drop_small_classes_keeps_unlabelled_rows():
    data = _data(_balanced(5) + [("rare", "tiny"), ("unlabelled", None)])
    fixed = drop_small_classes(data)
    assert "rare" not in fixed.texts and "unlabelled" in fixed.texts and len(fixed) == 11
    assert build_report(fixed).small_classes == []


def test_how_the_file_was_read_is_the_first_warning_when_it_was_not_utf8():
    rows = _balanced() + [("odd one", "neutral"), ("   ", "positive")]  # an error, then a blank-text warning
    note = "The file is not UTF-8; it was read as Big5 (Traditional Chinese). Its first rows read: 'text,label'."
    data = _data(rows)
    data.encoding, data.encoding_note = "cp950", note
    report = build_report(data)
    assert [p.code for p in report.problems][:3] == ["small_classes", "encoding", "blank_texts"]
    assert report.warnings[0].message == note and (report.encoding, report.encoding_note) == ("cp950", note)
    data.encoding, data.encoding_note = "utf-8", "The file is UTF-8, but line 4 holds bytes that are not; ..."
    assert build_report(data).warnings[0].code == "bad_bytes"
    data.encoding, data.encoding_note = "utf-8", None
    plain = build_report(data)
    assert not {"encoding", "bad_bytes"} & {p.code for p in plain.problems} and plain.encoding == "utf-8"
