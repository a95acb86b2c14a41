"""The data report ("data doctor"): what is odd about a dataset, each finding with its fix.

`build_report` counts blank, duplicate and conflicting rows, label spellings, rare classes,
token lengths and the texts' language. The one-click fixes below each return a new
`LabelledTexts` and leave their input untouched.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.data import LabelledTexts, counted, label_sort_key

log = logging.getLogger(__name__)

# at 20% validation a class needs 5 rows to put one in validation and keep four to learn from;
# below 2 a stratified split cannot place it at all (that case is an error, 2-4 a warning)
MIN_CLASS_ROWS = 5
IMBALANCE_RATIO = 5  # the largest class this many times the smallest: accuracy alone misleads
TRUNCATION_SHARE = 0.05  # a few cut texts rarely matter; one in twenty is worth a look
FEW_ROWS = 50
TOKEN_SAMPLE = 10_000  # token statistics of 10,000 random texts are within a percent of the whole
LANGUAGE_SAMPLE = 2_000


@dataclass
class Problem:
    severity: str  # "error" (training cannot go well) or "warning"
    code: str  # stable machine name; the UI translates by it
    message: str
    fix: str
    count: int = 0


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
    frame = _frame(data)
    lengths, share = _token_stats(data.texts, tokenizer, max_length) if tokenizer is not None else (None, None)
    trainable = _trainable_counts(frame)
    report = DataReport(
        rows=len(data), text_column=data.text_column, label_column=data.label_column,
        blank_texts=int(frame["blank"].sum()), duplicates=_duplicates(frame),
        conflicting_duplicates=_conflicts(frame), unlabelled=int(frame["label"].isna().sum()),
        label_counts=_label_counts(frame), label_variants=_label_variants(frame),
        small_classes=sorted((k for k, n in trainable.items() if n < MIN_CLASS_ROWS), key=label_sort_key),
        token_lengths=lengths, truncated_share=share, max_length=max_length,
        language=detect_language(data.texts))
    report.problems = _problems(report, trainable)
    log.info("Data report for %s: %d rows, %d problems", data.source, report.rows, len(report.problems))
    return report


# ---------------------------------------------------------------------------------------- counting

def _frame(data: LabelledTexts) -> pd.DataFrame:
    """One row per text with the keys the checks compare by."""
    frame = pd.DataFrame({"text": pd.Series(data.texts, dtype=object),
                          "label": pd.Series(data.labels, dtype=object)})
    frame["text_key"] = frame["text"].str.strip()
    frame["blank"] = frame["text_key"] == ""
    frame["label_key"] = frame["label"].str.strip()
    frame["canon"] = frame["label"].map(_canonical_key, na_action="ignore")
    return frame


def _canonical_key(label: str) -> str:
    # "Positive", "positive " and "POSITIVE" are one label spelled three ways
    return " ".join(label.split()).casefold()


def _trainable_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per label as training will see them: a text, a label, whitespace stripped."""
    usable = frame.loc[~frame["blank"] & frame["label_key"].notna(), "label_key"]
    return {str(k): int(n) for k, n in usable.value_counts().items()}


def _duplicates(frame: pd.DataFrame) -> int:
    filled = frame[~frame["blank"]]
    return int(filled.duplicated(["text_key", "canon"]).sum())


def _conflicts(frame: pd.DataFrame) -> int:
    labelled = frame[~frame["blank"] & frame["canon"].notna()]
    return int((labelled.groupby("text_key")["canon"].nunique() > 1).sum())


def _label_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["label"].dropna().value_counts()
    # most common first; equal counts in label order so the report never reshuffles
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], label_sort_key(kv[0])))
    return {str(k): int(n) for k, n in ordered}


def _label_variants(frame: pd.DataFrame) -> dict[str, list[str]]:
    variants: dict[str, list[str]] = {}
    for spellings in _spelling_groups(frame).values():
        if len(spellings) > 1:
            variants[spellings[0].strip()] = spellings
    return variants


def _spelling_groups(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Canonical key -> raw spellings, most common (then first seen) first."""
    labelled = frame[frame["label"].notna()]
    counts = labelled.groupby(["canon", "label"], sort=False).size().reset_index(name="n")
    counts["order"] = range(len(counts))
    counts = counts.sort_values(["n", "order"], ascending=[False, True])
    return {str(k): [str(s) for s in g["label"]] for k, g in counts.groupby("canon", sort=False)}


def _token_stats(texts: list[str], tokenizer: Any, max_length: int) -> tuple[dict[str, float] | None, float | None]:
    filled = [t for t in texts if t.strip()]
    if not filled:
        return None, None
    if len(filled) > TOKEN_SAMPLE:
        filled = random.Random(0).sample(filled, TOKEN_SAMPLE)
    lengths = np.array([len(ids) for ids in _encode(tokenizer, filled)])
    stats = {"mean": round(float(lengths.mean()), 1), "median": float(np.median(lengths)),
             "p95": float(np.percentile(lengths, 95)), "max": float(lengths.max())}
    return stats, round(float((lengths > max_length).mean()), 4)


def _encode(tokenizer: Any, texts: list[str]) -> list:
    try:  # one batch call, nothing cut, no warning per long text
        return tokenizer(texts, truncation=False, verbose=False, return_attention_mask=False,
                         return_token_type_ids=False)["input_ids"]
    except TypeError:  # a tokenizer that takes no options
        return tokenizer(texts)["input_ids"]


# ---------------------------------------------------------------------------------------- language

SCRIPTS = {
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
    "hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "devanagari": re.compile(r"[\u0900-\u097f]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
    "greek": re.compile(r"[\u0370-\u03ff]"),
    "hebrew": re.compile(r"[\u0590-\u05ff]"),
}
SCRIPT_LANGUAGE = {"han": "zh", "kana": "ja", "hangul": "ko", "cyrillic": "ru", "arabic": "ar",
                   "devanagari": "hi", "thai": "th", "greek": "el", "hebrew": "he"}
# one Han, kana or Hangul character carries about as much as a word of three or four letters
SYLLABIC = {"han": 3.0, "kana": 3.0, "hangul": 3.0}
STOPWORDS = {
    "en": "the and is of to in it you that was for this with not but are my have be i",
    "fr": "le la les et est des une un pas que je pour dans du ce il qui sur très avec",
    "de": "der die das und ist nicht ich ein eine zu mit es den sehr auf für von sich war",
    "es": "el los las y es que en un una no muy por con para lo pero se del",
    "pt": "o os as e é que em um uma não muito por com para do da mas se",
    "it": "il le e è che di un una non per con molto sono del della ma si gli",
    "nl": "de het een en is van niet ik dat die te op met zijn voor maar er ook",
}
WORD = re.compile(r"[a-zà-öø-ÿ]+")


def detect_language(texts: list[str]) -> str:
    """The texts' language from the scripts they are written in: "zh", "en", ..., "mixed" or "unknown"."""
    filled = [t for t in texts if t.strip()]
    step = max(1, len(filled) // LANGUAGE_SAMPLE)
    sample = filled[::step][:LANGUAGE_SAMPLE]
    found = [(t, s) for t in sample if (s := _script_of(t))]
    scripts = [s for _, s in found]
    if not scripts:
        return "unknown"
    script, n = Counter(scripts).most_common(1)[0]
    if n < 0.8 * len(scripts):
        return "mixed"
    if script == "latin":
        return _latin_language([t for t, s in found if s == "latin"])
    return SCRIPT_LANGUAGE[script]


def _script_of(text: str) -> str | None:
    weights = {name: len(rx.findall(text)) * SYLLABIC.get(name, 1.0) for name, rx in SCRIPTS.items()}
    if weights["kana"] and weights["kana"] + weights["han"] >= max(weights.values()):
        return "kana"  # Japanese mixes kana with Han characters
    script = max(weights, key=weights.get)
    return script if weights[script] else None


def _latin_language(texts: list[str]) -> str:
    words = WORD.findall(" ".join(texts).lower())
    if not words:
        return "unknown"
    counts = Counter(words)
    hits = {lang: sum(counts[w] for w in set(stop.split())) for lang, stop in STOPWORDS.items()}
    best = max(hits, key=hits.get)
    return best if hits[best] >= 0.05 * len(words) else "unknown"


# ---------------------------------------------------------------------------------------- problems

def _problems(report: DataReport, trainable: dict[str, int]) -> list[Problem]:
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
    listed = ", ".join(f"'{k}' ({trainable[k]})" for k in small[:5]) + (" and more" if len(small) > 5 else "")
    severity = "error" if min(trainable[k] for k in small) < 2 else "warning"
    message = (f"The label {listed} has too few rows to learn from and to hold some out for validation."
               if len(small) == 1 else
               f"{len(small)} labels have too few rows to learn from and to hold some out for validation: {listed}.")
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
    fix = (f"Raise the max length to {suggested} to keep 95% of the texts whole, or accept the cut "
           "(the start of each text is kept)." if suggested > report.max_length else
           "Accept the cut (the start of each text is kept), or shorten the longest texts.")
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


# ------------------------------------------------------------------------------------ one-click fixes

def drop_blank_texts(data: LabelledTexts) -> LabelledTexts:
    """The data without rows whose text is empty or only spaces."""
    return data.subset(i for i, t in enumerate(data.texts) if t.strip())


def drop_duplicates(data: LabelledTexts) -> LabelledTexts:
    """One row per text: repeats go, and so do conflicting repeats.

    Of texts that occur with different labels the first labelled occurrence is kept: dropping every
    copy would silently lose texts, while keeping the first is predictable and the report has
    already told the user which texts disagree. Blank texts are left to `drop_blank_texts`.
    """
    frame = pd.DataFrame({"key": [t.strip() for t in data.texts], "unlabelled": [lab is None for lab in data.labels]})
    order = frame.sort_values("unlabelled", kind="stable")  # a labelled copy beats an unlabelled one
    keep = ~order.duplicated("key") | (order["key"] == "")
    return data.subset(sorted(order.index[keep]))


def merge_label_variants(data: LabelledTexts) -> LabelledTexts:
    """Every spelling of a label replaced by its most common spelling, stripped."""
    mapping = {}
    for spellings in _spelling_groups(_frame(data)).values():
        for spelling in spellings:
            mapping[spelling] = spellings[0].strip()
    merged = data.subset(range(len(data)))
    merged.labels = [mapping.get(lab, lab) if lab is not None else None for lab in data.labels]
    return merged


def drop_small_classes(data: LabelledTexts, min_rows: int = MIN_CLASS_ROWS) -> LabelledTexts:
    """The data without labels that have fewer than `min_rows` usable rows; unlabelled rows stay."""
    counts = _trainable_counts(_frame(data))
    small = {k for k, n in counts.items() if n < min_rows}
    return data.subset(i for i, lab in enumerate(data.labels) if lab is None or lab.strip() not in small)


def add_model_advice(report: DataReport, model: str) -> DataReport:
    """Warn when the chosen model does not know the language of the texts (and name ones that do)."""
    from core.errors import StudioError
    from core.models import inspect_model, language_advice

    try:
        advice = language_advice(inspect_model(model), report.language)
    except StudioError:  # an unreachable model is reported where it is picked, not here
        return report
    if advice:
        report.problems.append(Problem("warning", "model_language", advice,
                                       "Pick a model that knows this language on the Model page, or with --model.",
                                       report.rows))
    return report
