"""The data check's findings: each a severity, a stable code the UI translates by, a sentence and its fix."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.wording import counted, listed

if TYPE_CHECKING:
    from core.data.check import DataReport

# at 20% validation a class needs 5 rows to put one in validation and keep four to learn from;
# below 2 a stratified split cannot place it at all (that case is an error, 2-4 a warning)
MIN_CLASS_ROWS = 5
IMBALANCE_RATIO = 5  # the largest class this many times the smallest: accuracy alone misleads
TRUNCATION_SHARE = 0.05  # a few cut texts rarely matter; one in twenty is worth a look
FEW_ROWS = 50


@dataclass
class Problem:
    severity: str  # "error" (training cannot go well) or "warning"
    code: str  # stable machine name; the UI translates by it
    message: str
    fix: str
    count: int = 0


def find_problems(report: DataReport, trainable: dict[str, int]) -> list[Problem]:
    checks = (_labels_missing, _one_label, _small_classes, _blank_texts, _unlabelled, _duplicate_rows,
              _conflicting, _variants, _imbalance, _truncation, _few_rows)
    found = [p for check in checks if (p := check(report, trainable)) is not None]
    return sorted(found, key=lambda p: p.severity != "error")  # errors first, otherwise in check order


def _labels_missing(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if report.label_column is None:
        return Problem("error", "unlabelled", "The data has no label column.",
                       "Choose the column that holds the labels, or label the texts on the Label page.",
                       report.rows)
    if report.unlabelled == report.rows:
        return Problem("error", "unlabelled", "No row has a label.",
                       "Choose the column that holds the labels, or label the texts on the Label page.",
                       report.rows)
    return None


def _one_label(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if len(trainable) != 1:
        return None
    only = next(iter(trainable))
    return Problem("error", "one_label", f"The file has only one label, '{only}'. A classifier needs at least two.",
                   "Add rows with at least one other label, or choose a different label column.", 1)


def _small_classes(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    small = report.small_classes
    if not small or len(trainable) < 2:
        return None
    named = listed([f"'{k}' ({trainable[k]})" for k in small])
    severity = "error" if min(trainable[k] for k in small) < 2 else "warning"
    message = (f"The label {named} has too few rows to learn from and to hold some out for validation."
               if len(small) == 1 else
               f"{len(small)} labels have too few rows to learn from and to hold some out for validation: {named}.")
    return Problem(severity, "small_classes", message,
                   f"Add rows so that each label has at least {MIN_CLASS_ROWS}, or drop these labels.", len(small))


def _blank_texts(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if not report.blank_texts:
        return None
    if report.blank_texts == report.rows:
        return Problem("error", "blank_texts", "Every text is blank.",
                       "Choose the column that holds the texts.", report.blank_texts)
    return Problem("warning", "blank_texts", f"{counted(report.blank_texts, 'row', 'has', 'have')} a blank text.",
                   "Drop them; training leaves them out anyway.", report.blank_texts)


def _unlabelled(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if report.label_column is None or not 0 < report.unlabelled < report.rows:
        return None
    n = report.unlabelled
    return Problem("warning", "unlabelled",
                   f"{counted(n, 'row', 'has', 'have')} no label; training leaves {'it' if n == 1 else 'them'} out.",
                   "Label them on the Label page, or leave them out.", report.unlabelled)


def _duplicate_rows(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if not report.duplicates:
        return None
    return Problem("warning", "duplicates",
                   f"{counted(report.duplicates, 'row', 'repeats', 'repeat')} an earlier row's text and label.",
                   "Drop the repeats, so that no text counts twice and validation does not test on texts "
                   "seen in training.", report.duplicates)


def _conflicting(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    n = report.conflicting_duplicates
    if not n:
        return None
    return Problem("warning", "conflicting_duplicates",
                   f"{counted(n, 'text', 'occurs', 'occur')} more than once with different labels.",
                   "Correct their labels, or drop the repeats to keep the first label of each.", n)


def _variants(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if not report.label_variants:
        return None
    canonical, spellings = next(iter(report.label_variants.items()))
    example = " and ".join(f"'{s}'" for s in spellings[:2])
    return Problem("warning", "label_variants",
                   f"{counted(len(report.label_variants), 'label', 'is', 'are')} written in more than one way, "
                   f"such as {example}.",
                   f"Merge the spellings, so that each label is written one way (for example '{canonical}').",
                   len(report.label_variants))


def _imbalance(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    if len(trainable) < 2:
        return None
    common, rare = max(trainable, key=trainable.get), min(trainable, key=trainable.get)
    ratio = trainable[common] / trainable[rare]
    if ratio < IMBALANCE_RATIO:
        return None
    return Problem("warning", "imbalance",
                   f"The most common label, '{common}', has {ratio:.0f} times as many rows as the rarest, '{rare}'.",
                   "Add rows of the rare labels if you can, and judge the model by its per-label scores, "
                   "not by accuracy alone.", round(ratio))


def _truncation(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    share = report.truncated_share
    if share is None or share < TRUNCATION_SHARE or report.token_lengths is None:
        return None
    suggested = min(512, 32 * math.ceil(report.token_lengths["p95"] / 32))
    keep = ("choose which part is kept (--truncation head, tail or head+tail; the start by default), and read "
            "them whole in sliding windows when predicting (--window-stride)")
    fix = (f"Raise the max length to {suggested} to keep 95% of the texts whole, or {keep}." if
           suggested > report.max_length else f"Shorten the longest texts, or {keep}.")
    return Problem("warning", "truncation",
                   f"{share:.0%} of the texts are longer than {report.max_length} tokens and would be cut.", fix,
                   round(share * report.rows))


def _few_rows(report: DataReport, trainable: dict[str, int]) -> Problem | None:
    usable = sum(trainable.values())
    if not 0 < usable < FEW_ROWS or len(trainable) < 2:
        return None
    return Problem("warning", "few_rows",
                   f"Only {usable} rows have both a text and a label; a classifier usually needs a few hundred.",
                   "Add more labelled rows for a better model.", usable)
