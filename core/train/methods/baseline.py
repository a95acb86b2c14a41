"""The simple baseline beside every run: TF-IDF of words and of characters, then a logistic regression.

Character n-grams make it work on Chinese (no spaces between words) and on typos; it trains in a second
on a CPU. Its score says whether the transformer was worth it: on a few rows, or Chinese texts on an
English-only model, it may win, and the pages say so plainly.
"""

from __future__ import annotations

import logging
from typing import Any

from core.train.metrics import full_report

log = logging.getLogger(__name__)
MAX_ROWS = 20_000  # training rows the baseline learns from, at most


def baseline_model(seed: int = 42):
    """An unfitted scikit-learn pipeline: word 1-2-grams and character 1-4-grams, TF-IDF, logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
                          TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1))
    return make_pipeline(features, LogisticRegression(max_iter=2000, C=10.0, class_weight="balanced",
                                                      random_state=seed))


def fit_baseline(texts: list[str], labels: list[str], seed: int = 42):
    model = baseline_model(seed)
    model.fit(texts, labels)
    return model


def score(model, texts: list[str], labels: list[str], names: list[str], rows_name: str) -> dict[str, Any]:
    """The same report a run gets (accuracy, macro-F1, per class), for the baseline's answers on these rows."""
    index = {name: i for i, name in enumerate(names)}
    predicted = model.predict(texts)
    return full_report([index[x] for x in labels], [index[x] for x in predicted], names, rows_name=rows_name)


def baseline_scores(config) -> dict[str, Any]:
    """Fit on the run's own training rows; score on its validation rows (and test rows, when it keeps some)."""
    from core.train.prepare import prepare_data

    prepared = prepare_data(config)
    train = prepared.train
    if len(train) > MAX_ROWS:  # a baseline in seconds, not minutes: a random share of a big file
        import random

        train = train.subset(sorted(random.Random(config.seed).sample(range(len(train)), MAX_ROWS)))
    model = fit_baseline(_joined(train), train.labels, config.seed)
    out = {"baseline_metrics": _headline(score(model, _joined(prepared.val), prepared.val.labels, prepared.labels,
                                               "validation rows"))}
    if prepared.test is not None:
        out["baseline_test_metrics"] = _headline(score(model, _joined(prepared.test), prepared.test.labels,
                                                       prepared.labels, "test rows"))
    log.info("Baseline (TF-IDF + logistic regression): validation accuracy %.4f",
             out["baseline_metrics"]["accuracy"])
    return out


def _joined(rows) -> list[str]:
    # a pair's two texts read as one: the baseline has no notion of pairs
    if rows.text_pairs is None:
        return list(rows.texts)
    return [f"{a} \n {b}" for a, b in zip(rows.texts, rows.text_pairs, strict=True)]


def _headline(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("accuracy", "macro_f1", "rows", "per_class")
    return {"model": "TF-IDF (words and characters) + logistic regression", **{k: report[k] for k in keep
                                                                               if k in report}}


def against_baseline(results: dict[str, Any]) -> dict[str, Any] | None:
    """The run's accuracy beside the baseline's on the same rows (test rows when the run kept some); None if
    either is missing. `points`: how many points of accuracy the run is ahead (negative: the baseline wins)."""
    test = bool(results.get("test_metrics") and results.get("baseline_test_metrics"))
    run = (results.get("test_metrics") if test else results.get("metrics")) or {}
    base = (results.get("baseline_test_metrics") if test else results.get("baseline_metrics")) or {}
    if run.get("accuracy") is None or base.get("accuracy") is None:
        return None
    points = round((run["accuracy"] - base["accuracy"]) * 100, 1)
    return {"run": run["accuracy"], "baseline": base["accuracy"], "points": points, "rows": "test" if test else
            "validation", "method": results.get("method") or "fine-tune"}
