"""Reading tables: every format, encoding and oddity a user's file may have, and the split."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from core.data.columns import detect_columns
from core.data.files import read_table
from core.data.split import split_train_val
from core.data.texts import LabelledTexts, label_names, load_texts, prepare_for_training
from core.errors import DataError

TEXTS = ["I loved this film, truly.", "Terrible acting and a dull plot", "A fine evening out", "Never again"]
LABELS = ["positive", "negative", "positive", "negative"]
SHARED = Path(__file__).parents[1].parent / "shared" / "datasets"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"text": TEXTS, "label": LABELS})


def _write(path: Path, fmt: str) -> Path:
    frame = _frame()
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif fmt == "json":
        path.write_text(json.dumps(frame.to_dict(orient="records")), encoding="utf-8")
    elif fmt == "json_wrapped":
        path.write_text(json.dumps({"version": 1, "data": frame.to_dict(orient="records")}), encoding="utf-8")
    elif fmt == "xlsx":
        frame.to_excel(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize(("fmt", "suffix", "expected"), [
    ("csv", ".csv", "csv"), ("tsv", ".tsv", "tsv"), ("jsonl", ".jsonl", "jsonl"), ("json", ".json", "json"),
    ("json_wrapped", ".json", "json"), ("xlsx", ".xlsx", "xlsx"), ("parquet", ".parquet", "parquet"),
])
def test_every_format_round_trips(tmp_path, fmt, suffix, expected):
    data = load_texts(_write(tmp_path / f"reviews{suffix}", fmt))
    assert (data.texts, data.labels) == (TEXTS, LABELS)
    assert (data.text_column, data.label_column) == ("text", "label")
    assert read_table(tmp_path / f"reviews{suffix}").file_format == expected


def test_txt_is_one_unlabelled_text_per_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("first text\n\nsecond, with a comma\r\nthird\n", encoding="utf-8")
    data = load_texts(path)
    assert data.texts == ["first text", "second, with a comma", "third"]
    assert data.labels == [None, None, None] and data.text_column == "text" and data.label_column is None


def test_chinese_csv_with_bom_and_chinese_column_names(tmp_path):
    path = tmp_path / "评论.csv"
    frame = pd.DataFrame({"编号": ["1", "2", "3"], "文本": ["这部电影很好看", "太无聊了", "还不错"],
                          "标签": ["正面", "负面", "正面"]})
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    table = read_table(path)
    data = load_texts(path)
    assert table.encoding == "utf-8-sig" and list(table.frame.columns) == ["编号", "文本", "标签"]
    assert (data.text_column, data.label_column) == ("文本", "标签")
    assert data.texts[0] == "这部电影很好看" and data.labels == ["正面", "负面", "正面"]


def test_gb18030_csv_saved_by_chinese_excel(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes("文本,标签\r\n质量很好，物流也快,好评\r\n完全不能用,差评\r\n".encode("gb18030"))
    table = read_table(path)
    data = load_texts(path)
    assert table.encoding == "gb18030" and not table.warnings
    assert data.texts == ["质量很好，物流也快", "完全不能用"] and data.labels == ["好评", "差评"]


def test_latin1_file_is_read_with_a_note(tmp_path):
    path = tmp_path / "avis.csv"
    path.write_bytes("text,label\ncafé très crème,pos\nnaïve résumé,neg\n".encode("latin-1"))
    table = read_table(path)
    assert table.encoding == "cp1252"  # Windows' superset of Latin-1: the same letters
    assert table.frame["text"].tolist() == ["café très crème", "naïve résumé"]
    assert "not UTF-8" in table.encoding_note and "'café très crème,pos'" in table.encoding_note


def test_comma_csv_saved_as_txt_is_a_table_with_its_header(tmp_path):
    path = tmp_path / "reviews.txt"
    pd.DataFrame({"id": ["1", "2", "3", "4"], "text": TEXTS, "label": LABELS}).to_csv(path, index=False)
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "text", "label"] and table.delimiter == ","
    assert table.frame["text"].tolist() == TEXTS and table.file_format == "csv"
    assert any("read as one" in w for w in table.warnings)
    data = load_texts(path)
    assert (data.text_column, data.label_column, data.labels) == ("text", "label", LABELS)


def test_txt_of_sentences_with_one_comma_each_stays_one_text_per_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Well, that was fun\nSadly, it rained\nYes, again\nNo, never\n", encoding="utf-8")
    assert load_texts(path).texts == ["Well, that was fun", "Sadly, it rained", "Yes, again", "No, never"]


def test_semicolon_delimiter_keeps_commas_in_texts(tmp_path):
    path = tmp_path / "european.csv"
    path.write_text("label;text\npos;Good, very good\nneg;Bad, very bad\npos;Fine, fine\n", encoding="utf-8")
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.frame["text"].tolist() == ["Good, very good", "Bad, very bad", "Fine, fine"]


def test_quoted_csv_fields_keep_commas_and_line_breaks(tmp_path):
    path = tmp_path / "quoted.csv"
    pd.DataFrame({"text": ['He said "hi", then left', "two\nlines"], "label": ["a", "b"]}).to_csv(path, index=False)
    assert load_texts(path).texts == ['He said "hi", then left', "two\nlines"]


def test_headerless_sms_like_tsv_with_crlf_and_stray_quotes(tmp_path):
    path = tmp_path / "SMSCollection"  # no extension: sniffed
    lines = ["ham\tGo until jurong point, crazy..", "ham\t\"Ok lar... Joking wif u oni",
             "spam\tFree entry in 2 a wkly comp to win FA Cup final", "ham\tU dun say so early hor\" wat"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    data = load_texts(path)
    assert (data.text_column, data.label_column) == ("text", "label")
    assert len(data) == 4 and data.labels == ["ham", "ham", "spam", "ham"]
    assert data.texts[1] == '"Ok lar... Joking wif u oni'
    assert any("no header" in w for w in data.warnings)


def test_columns_detected_by_shape_when_names_say_nothing():
    frame = pd.DataFrame({"id": [str(i) for i in range(8)],
                          "col_a": [f"this is a fairly long sentence number {i}" for i in range(8)],
                          "col_b": ["x", "y"] * 4})
    assert detect_columns(frame) == ("col_a", "col_b")


def test_columns_whose_names_normalise_alike_do_not_collide():
    frame = pd.DataFrame({"Text": ["long body number one", "long body number two"], "text": ["t one", "t two"],
                          "Label": ["a", "b"], "label ": ["x", "y"]})
    assert detect_columns(frame) == ("text", "Label")  # the exact name, else the first in the file
    frame = pd.DataFrame({"Text": ["long body number one", "long body number two"], "TEXT": ["t1", "t2"],
                          "Label": ["a", "b"]})
    assert detect_columns(frame) == ("Text", "Label")


def test_name_fallback_matches_words_not_letters_inside_words():
    frame = pd.DataFrame({"context": ["where it was said", "and when"] * 3,
                          "reviewBody": ["a fairly long review text", "another long review"] * 3,
                          "sentiment_label": ["pos", "neg"] * 3})
    assert detect_columns(frame) == ("reviewBody", "sentiment_label")
    frame = pd.DataFrame({"subclass_id": ["1", "2"] * 3, "pretext": ["some words here", "other words"] * 3,
                          "情感标签": ["正面", "负面"] * 3})
    assert detect_columns(frame)[1] == "情感标签"  # Chinese names hold their parts without spaces


def test_float_score_column_is_not_the_label_column():
    rows = 200
    frame = pd.DataFrame({"text": [f"review number {i} of the product" for i in range(rows)],
                          "score": [f"{(i * 37 % 100) / 100:.2f}" for i in range(rows)]})
    assert detect_columns(frame) == ("text", None)
    frame["stars"] = [str(1 + i % 5) for i in range(rows)]  # whole numbers, few of them: labels
    assert detect_columns(frame) == ("text", "stars")
    frame = frame.rename(columns={"score": "label", "stars": "grade"})  # a score named label is not one either
    assert detect_columns(frame) == ("text", "grade")


def test_chosen_columns_override_detection_and_unknown_column_names_the_real_ones(tmp_path):
    path = tmp_path / "reviews.csv"
    pd.DataFrame({"title": ["a", "b"], "body": ["long text one", "long text two"], "label": ["x", "y"]}).to_csv(
        path, index=False)
    assert load_texts(path, text_column="title").text_column == "title"
    assert load_texts(path, label_column="").label_column is None
    with pytest.raises(DataError) as err:
        load_texts(path, text_column="sentence")
    assert "'sentence'" in err.value.message and "title, body, label" in err.value.fix


def test_numbers_read_as_typed_not_as_floats(tmp_path):
    path = tmp_path / "nums.xlsx"
    pd.DataFrame({"text": ["a b c", "d e f", "g h i"], "label": [0, 1, None]}).to_excel(path, index=False)
    assert load_texts(path).labels == ["0", "1", None]
    path = tmp_path / "nums.jsonl"
    path.write_text('{"text": "a", "label": 2}\n{"text": "b", "label": 10}\n', encoding="utf-8")
    assert load_texts(path).labels == ["2", "10"]
    assert label_names(["10", "2", "1", None]) == ["1", "2", "10"]


def test_row_with_extra_fields_is_left_out_with_a_warning(tmp_path):
    path = tmp_path / "handmade.csv"
    path.write_text("text,label\nhi there,a\nbye, now,b\nok then,b\nsure,a\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame["text"].tolist() == ["hi there", "ok then", "sure"]
    assert table.warnings == ["1 row has more columns than the first row and was left out, the first at line 3."]


def test_empty_label_column_is_kept_for_labelling(tmp_path):
    path = tmp_path / "to_label.csv"
    path.write_text("source,text,label\nweb,first text here,\napp,second text here,\nweb,third one,\n",
                    encoding="utf-8")
    data = load_texts(path)
    assert data.label_column == "label" and data.labels == [None, None, None]


def test_seventy_thousand_rows_load_in_a_couple_of_seconds(tmp_path):
    path = tmp_path / "big.tsv"
    rows = [f"{i % 2}\tthis is review number {i} and it is {'good' if i % 2 else 'bad'}" for i in range(70_000)]
    path.write_text("label\tsentence\n" + "\n".join(rows) + "\n", encoding="utf-8")
    start = time.perf_counter()
    data = load_texts(path)
    assert len(data) == 70_000 and time.perf_counter() - start < 3


def test_importing_the_data_layer_stays_light():
    code = ("import sys, core.data.texts, core.data.check, core.data.split; "
            "print('torch' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1]).stdout
    assert out.split() == ["False", "False"]


# --------------------------------------------------------------------------------- unusable input

def _error_for(path: Path) -> DataError:
    with pytest.raises(DataError) as err:
        load_texts(path)
    return err.value


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    assert _error_for(tmp_path / "empty.csv").message == "empty.csv is empty."


def test_header_without_rows(tmp_path):
    (tmp_path / "header.csv").write_text("text,label\n", encoding="utf-8")
    assert _error_for(tmp_path / "header.csv").message == "header.csv has a header row but no data rows."


def test_image_renamed_to_csv(tmp_path):
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    error = _error_for(tmp_path / "photo.csv")
    assert error.message == "photo.csv is a PNG image, not a table of texts." and "CSV" in error.fix


def test_binary_file_with_nul_bytes(tmp_path):
    (tmp_path / "blob.csv").write_bytes(b"text,label\n\x00\x01\x02\x03")
    assert "binary" in _error_for(tmp_path / "blob.csv").message


def test_no_text_column(tmp_path):
    (tmp_path / "numbers.csv").write_text("id,score\n1,0.5\n2,0.7\n3,0.1\n", encoding="utf-8")
    error = _error_for(tmp_path / "numbers.csv")
    assert error.message == "None of the columns holds text; the columns are id, score."


def test_malformed_json_line_is_named(tmp_path):
    rows = ['{"text": "fine", "label": "a"}'] * 6 + ['{"text": "broken", "label": ']
    (tmp_path / "reviews.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _error_for(tmp_path / "reviews.jsonl").message == "Line 7 of reviews.jsonl is not valid JSON."


def test_missing_file(tmp_path):
    assert "There is no file" in _error_for(tmp_path / "nowhere.csv").message


def test_one_label_cannot_train(tmp_path):
    path = tmp_path / "spam.csv"
    pd.DataFrame({"text": ["buy now", "cheap pills", "win money"], "label": ["spam"] * 3}).to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        prepare_for_training(load_texts(path))
    assert err.value.message == "The file has only one label, 'spam'. A classifier needs at least two."
    assert err.value.fix


def test_unlabelled_file_cannot_train(tmp_path):
    (tmp_path / "notes.txt").write_text("one text\nanother text\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        prepare_for_training(load_texts(tmp_path / "notes.txt"))
    assert err.value.message == "notes.txt has no label column, so there is nothing to learn from."


def test_prepare_drops_blank_and_unlabelled_rows_and_strips_labels():
    data = LabelledTexts(["good", "  ", "bad", "meh", "ok"], ["pos ", "neg", " neg", None, "pos"], "text", "label",
                         "x.csv")
    prepared = prepare_for_training(data)
    assert prepared.texts == ["good", "bad", "ok"] and prepared.labels == ["pos", "neg", "pos"]
    assert len(data) == 5 and data.labels[0] == "pos "  # the input is untouched
    assert any("blank" in w for w in prepared.warnings) and any("without a label" in w for w in prepared.warnings)


# ------------------------------------------------------------------------------------------- split

def _classes(counts: dict[str, int]) -> LabelledTexts:
    labels = [lab for lab, n in counts.items() for _ in range(n)]
    return LabelledTexts([f"text {i}" for i in range(len(labels))], labels, "text", "label", "mem")


def test_split_is_stratified_and_deterministic():
    data = _classes({"a": 80, "b": 20})
    train, val = split_train_val(data, 0.2, seed=7)
    assert (len(train), len(val)) == (80, 20)
    assert val.labels.count("a") == 16 and val.labels.count("b") == 4
    again, _ = split_train_val(data, 0.2, seed=7)
    assert again.texts == train.texts and not set(train.texts) & set(val.texts)


def test_split_refuses_a_label_with_one_row():
    with pytest.raises(DataError) as err:
        split_train_val(_classes({"a": 10, "b": 10, "rare": 1}))
    assert "'rare' has only 1 row" in err.value.message and err.value.fix


def test_split_refuses_data_too_small_for_its_labels():
    with pytest.raises(DataError) as err:
        split_train_val(_classes({"a": 2, "b": 2, "c": 2, "d": 2}), 0.2)
    assert "too few to hold one row of each of the 4 labels" in err.value.message


# -------------------------------------------------------------------------------------- real files

def _shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not here (it lives beside the project, not in it)")
    return path


def test_real_sst2_dev_file():
    data = load_texts(_shared("sst2/dev.tsv"))
    assert data.text_column == "content" and len(data) == 872
    assert label_names(data.labels) == ["0", "1"]


def test_real_sms_spam_file_headerless_with_crlf():
    data = load_texts(_shared("sms_spam/SMSSpamCollection"))
    assert len(data) == 5574 and label_names(data.labels) == ["ham", "spam"]
    assert data.labels.count("spam") == 747 and not any(t.endswith("\r") for t in data.texts)
