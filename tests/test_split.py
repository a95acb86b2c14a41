"""The three-way split: training, validation (chooses the best checkpoint) and test (scores the final model)."""

from __future__ import annotations

import pytest

from core.data.split import split_data, split_train_val, suggested_test_fraction
from core.data.texts import LabelledTexts
from core.errors import DataError


def _classes(counts: dict[str, int]) -> LabelledTexts:
    labels = [lab for lab, n in counts.items() for _ in range(n)]
    return LabelledTexts([f"text {i}" for i in range(len(labels))], labels, "text", "label", "mem")


def test_three_parts_are_disjoint_stratified_and_cover_every_row():
    data = _classes({"a": 120, "b": 60, "c": 20})
    train, val, test = split_data(data, val_fraction=0.2, test_fraction=0.1, seed=5)
    assert (len(train), len(val), len(test)) == (140, 40, 20)
    parts = [set(train.texts), set(val.texts), set(test.texts)]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert parts[0] | parts[1] | parts[2] == set(data.texts)
    assert (test.labels.count("a"), test.labels.count("b"), test.labels.count("c")) == (12, 6, 2)
    assert (val.labels.count("a"), val.labels.count("b"), val.labels.count("c")) == (24, 12, 4)


def test_the_same_seed_gives_the_same_parts_and_another_seed_other_ones():
    data = _classes({"a": 50, "b": 50})
    first = split_data(data, 0.2, 0.2, seed=1)
    again = split_data(data, 0.2, 0.2, seed=1)
    other = split_data(data, 0.2, 0.2, seed=2)
    assert [p.texts for p in first] == [p.texts for p in again]
    assert first[2].texts != other[2].texts


def test_without_a_test_share_the_split_is_the_two_way_one_and_the_test_part_is_empty():
    data = _classes({"a": 40, "b": 10})
    train, val, test = split_data(data, 0.2, 0.0, seed=7)
    old_train, old_val = split_train_val(data, 0.2, seed=7)
    assert (train.texts, val.texts) == (old_train.texts, old_val.texts)  # runs made before keep their rows
    assert len(test) == 0


def test_a_label_too_small_for_three_parts_is_named():
    with pytest.raises(DataError) as err:
        split_data(_classes({"a": 30, "b": 30, "rare": 2}), 0.2, 0.1, seed=0)
    assert "'rare'" in err.value.message and "test" in err.value.message and err.value.fix


def test_a_test_part_too_small_to_hold_every_label_is_refused():
    with pytest.raises(DataError) as err:
        split_data(_classes({"a": 10, "b": 10, "c": 10, "d": 10}), 0.2, 0.05, seed=0)
    assert "the test part gets 2 rows, too few to hold one row of each of the 4 labels" in err.value.message


def test_the_data_page_suggests_a_test_share_only_when_there_are_enough_rows():
    assert suggested_test_fraction(200) == 0.0
    assert suggested_test_fraction(999) == 0.0
    assert suggested_test_fraction(1_000) == pytest.approx(0.1)


def test_with_a_validation_file_only_the_test_part_is_held_out():
    train, val, test = split_data(_classes({"a": 30, "b": 30}), val_fraction=0.0, test_fraction=0.2, seed=0)
    assert (len(train), len(val), len(test)) == (48, 0, 12)
    assert test.labels.count("a") == test.labels.count("b") == 6
