"""Datasets kept in the workspace: uploads saved once, cleaned copies as UTF-8 CSV."""

from __future__ import annotations

import pandas as pd

from core.data.saved import DEFAULT_SAMPLE, list_datasets, safe_name, sample_datasets, save_texts, save_upload
from core.data.texts import LabelledTexts, load_texts


def test_an_upload_is_saved_once_and_a_different_file_of_the_same_name_beside_it(tmp_path):
    first = save_upload(tmp_path, "reviews.csv", b"text,label\nok,pos\n")
    again = save_upload(tmp_path, "reviews.csv", b"text,label\nok,pos\n")
    other = save_upload(tmp_path, "reviews.csv", b"text,label\nbad,neg\n")
    assert first == again and other != first
    assert other.name == "reviews-2.csv"
    assert set(list_datasets(tmp_path)) == {first, other}
    assert not list(first.parent.glob(".*.tmp"))


def test_file_names_from_a_browser_cannot_leave_the_folder():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\评论 数据.xlsx") == "评论 数据.xlsx"
    assert safe_name('a<b>:"c".CSV') == "a_b_c_.csv"
    assert safe_name("...") == "dataset"


def test_cleaned_texts_are_saved_as_utf8_csv_with_their_own_column_names(tmp_path):
    data = LabelledTexts(["很好", "太差了"], ["好评", "差评"], "评论", "情感", "x.csv")
    path = save_texts(tmp_path, data, "reviews-clean.xlsx")
    assert path.suffix == ".csv"
    frame = pd.read_csv(path, encoding="utf-8")
    assert list(frame.columns) == ["评论", "情感"] and frame["情感"].tolist() == ["好评", "差评"]
    loaded = load_texts(path)
    assert (loaded.text_column, loaded.label_column) == ("评论", "情感")


def test_the_samples_ship_with_the_project():
    assert DEFAULT_SAMPLE in sample_datasets()
