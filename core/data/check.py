"""The data check ("data doctor"): what is odd about a dataset, each finding with its fix.

`build_report` counts blank, duplicate and conflicting rows, label spellings, rare classes, token lengths and
the texts' language; `core.data.problems` turns the counts into findings, `core.data.fixes` mends them.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from core.data.counts import (
    conflicts,
    count_frame,
    duplicates,
    label_counts,
    label_variants,
    token_stats,
    trainable_counts,
)
from core.data.language import detect_language
from core.data.messy import messy_counts, messy_problems
from core.data.problems import MIN_CLASS_ROWS, Problem, find_problems
from core.data.task_problems import describe_task, task_problems
from core.data.texts import LabelledTexts, label_sort_key

log = logging.getLogger(__name__)


@dataclass
class DataReport:
    rows: int
    text_column: str
    label_column: str | None
    blank_texts: int
    duplicates: int  # rows repeating an earlier row's text and label
    conflicting_duplicates: int  # distinct texts that occur with two or more labels
    unlabelled: int
    label_counts: dict[str, int]
    label_variants: dict[str, list[str]]
    small_classes: list[str]
    token_lengths: dict[str, float] | None
    truncated_share: float | None
    max_length: int
    language: str
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None  # the codec that read the file: "utf-8", "gb18030", ...
    encoding_note: str | None = None  # how the bytes were read, when they were not plain UTF-8
    task: str = "single-label"  # what the model will learn: single-label, multi-label or regression
    task_reason: str = ""  # why that task was picked, in one sentence
    text_pair_column: str | None = None  # the second text of each pair; None for single texts
    blank_pairs: int = 0  # pairs whose second text is blank
    label_columns: list[str] = field(default_factory=list)  # the column(s) the labels come from
    messy: dict[str, int] = field(default_factory=dict)  # texts holding HTML, addresses, runs of spaces (messy.py)
    task_details: dict[str, Any] = field(default_factory=dict)  # per-label counts, or the scores' histogram

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def build_report(data: LabelledTexts, tokenizer: Any = None, max_length: int = 128) -> DataReport:
    """Examine the data; with a tokenizer also measure texts in tokens against `max_length`."""
    frame = count_frame(data)
    filled = frame.loc[~frame["blank"], "text"].tolist()  # the texts with a word in them, in file order
    # a pair is read as one input: its length is both texts together
    texts = filled if data.text_pairs is None else [f"{a} {b}" for a, b in zip(data.texts, data.text_pairs)]
    lengths, share = token_stats(texts, tokenizer, max_length, data.text_pairs is None) if tokenizer is not None \
        else (None, None)
    trainable = trainable_counts(frame)
    report = DataReport(
        rows=len(data), text_column=data.text_column, label_column=data.label_column,
        blank_texts=int(frame["blank"].sum()), duplicates=duplicates(frame),
        conflicting_duplicates=conflicts(frame), unlabelled=int(frame["label"].isna().sum()),
        label_counts=label_counts(frame), label_variants=label_variants(frame),
        small_classes=sorted((k for k, n in trainable.items() if n < MIN_CLASS_ROWS), key=label_sort_key),
        token_lengths=lengths, truncated_share=share, max_length=max_length,
        language=detect_language(filled, filled=True), encoding=data.encoding, encoding_note=data.encoding_note)
    describe_task(report, data)
    report.problems = task_problems(report, find_problems(report, trainable))
    report.messy = messy_counts(data.texts)
    report.problems += messy_problems(report.messy)  # warnings, after the checks that can stop a training
    if data.encoding_note:  # the first warning: when the text itself was misread, nothing else counts
        report.problems.insert(len(report.errors), _encoding_problem(data))
    log.info("Data report for %s: %d rows, %d problems", data.source, report.rows, len(report.problems))
    return report


def _encoding_problem(data: LabelledTexts) -> Problem:
    if data.encoding == "utf-8":  # UTF-8 but for a few broken bytes
        return Problem("warning", "bad_bytes", data.encoding_note,
                       "Correct those rows in the file, or save it as 'CSV UTF-8' again.", len(data))
    return Problem("warning", "encoding", data.encoding_note,
                   "If those rows read wrong, save the file as 'CSV UTF-8' in your spreadsheet program and load it "
                   "again.", len(data))


def add_model_advice(report: DataReport, model: str) -> DataReport:
    """Warn when the chosen model does not know the language of the texts (and name ones that do)."""
    from core.errors import StudioError
    from core.models.inspect import inspect_model
    from core.models.languages import language_advice

    try:
        advice = language_advice(inspect_model(model), report.language)
    except StudioError:  # an unreachable model is reported where it is picked, not here
        return report
    if advice:
        report.problems.append(Problem("warning", "model_language", advice,
                                       "Pick a model that knows this language on the Model page, or with --model.",
                                       report.rows))
    return report
