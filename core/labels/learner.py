"""A model that learns while you label: a quick model (frozen encoder, cached embeddings, logistic regression)
retrained on the labelled rows in a process of its own, so the Label page never waits for it.

Each pass writes `workspace/labels/learner-PROJECT.json`: a suggestion and its sureness for every unlabelled
row, an estimated accuracy from cross-validation on the labelled rows (and its history: accuracy against the
number of labels), and the labelled rows whose given label is most likely wrong: confident learning on the
cross-validated probabilities (cleanlab's find_label_issues, ranked by self-confidence). The Label page keeps one
long-lived learner per project (core.labels.watcher) that calls `fit_and_answer` after every few new labels;
`python -m core.labels.learner PROJECT` is one pass on its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from core.labels.store import LabelStore

log = logging.getLogger(__name__)
EVERY = 5              # new labels between passes
MOST_LIKELY_WRONG = 20  # labelled rows listed as most likely wrong, at most
CURVE_POINTS = 50


def result_path(workspace: str | Path, project: int) -> Path:
    return Path(workspace) / "labels" / f"learner-{int(project)}.json"


def read_result(workspace: str | Path, project: int) -> dict[str, Any] | None:
    try:
        return json.loads(result_path(workspace, project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def learn(workspace: str | Path, project: int, model: str = "default") -> dict[str, Any]:
    """One pass: fit on the labelled rows, answer the unlabelled ones, estimate accuracy; written and returned."""
    from core.models.resolve import resolve_model
    from core.train.methods.enough import need_more_labels
    from core.train.methods.quick import embed_texts

    started = time.perf_counter()
    rows = LabelStore(workspace).rows(project)
    texts, labels = rows["text"].astype(str).tolist(), [lab if isinstance(lab, str) else None for lab in rows["label"]]
    previous = read_result(workspace, project) or {}
    result: dict[str, Any] = {"labelled": sum(lab is not None for lab in labels), "made_at": time.time(),
                              "curve": previous.get("curve", [])}
    problem = need_more_labels(texts, labels)
    if problem:
        result["problem"] = problem
        return _write(workspace, project, result)
    vectors = embed_texts(workspace, resolve_model(model), texts, 128)
    result.update(fit_and_answer(vectors, labels, rows["row"].astype(int).tolist()))
    result["curve"] = add_to_curve(result["curve"], result["labelled"], result["estimated_accuracy"])
    result["seconds"] = round(time.perf_counter() - started, 2)
    return _write(workspace, project, result)


def fit_and_answer(vectors, labels: list[str | None], row_ids: list[int]) -> dict[str, Any]:
    """Cross-validated probabilities on the labelled rows (the estimate, the labels most likely wrong), then a fit
    on all of them that answers every unlabelled row."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small matrices: BLAS threads only wait on each other (10 times the CPU, measured)
        return _fit_and_answer(vectors, labels, row_ids)


def _fit_and_answer(vectors, labels: list[str | None], row_ids: list[int]) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    known = [i for i, lab in enumerate(labels) if lab is not None]
    names = sorted({labels[i] for i in known})
    y = np.array([names.index(labels[i]) for i in known])
    x = vectors[known]
    folds = max(2, min(5, int(np.bincount(y).min())))
    head = LogisticRegression(max_iter=2000, class_weight="balanced")
    cv = cross_val_predict(head, x, y, cv=StratifiedKFold(folds, shuffle=True, random_state=0), method="predict_proba")
    guess = cv.argmax(axis=1)
    wrong, wrong_by = likely_wrong(cv, y)
    head.fit(x, y)
    unlabelled = [i for i, lab in enumerate(labels) if lab is None]
    probs = head.predict_proba(vectors[unlabelled]) if unlabelled else np.zeros((0, len(names)))
    return {"labels": names, "estimated_accuracy": float((guess == y).mean()), "folds": folds, "wrong_by": wrong_by,
            "suggestions": {str(row_ids[i]): [names[int(p.argmax())], round(float(p.max()), 4)]
                            for i, p in zip(unlabelled, probs, strict=True)},
            "most_likely_wrong": [{"row": row_ids[known[j]], "label": labels[known[j]], "model_says": names[guess[j]],
                                   "sureness": round(float(cv[j, guess[j]]), 4)} for j in wrong[:MOST_LIKELY_WRONG]]}


def likely_wrong(cv_probs, given) -> tuple[list[int], str]:
    """Positions of labelled rows whose label is most likely wrong, the likeliest first, and the rule that found them.

    Confident learning (cleanlab): a row is an issue when the held-out model is surer of another label than that
    label's own rows usually are; ranked by the probability the model gives the row's label (lowest first). Only
    rows whose held-out answer differs are kept, so the page can say what the model answers instead. Without
    cleanlab (or where it cannot rank), the rows answered differently, the surest answer first."""
    guess = cv_probs.argmax(axis=1)
    try:
        from cleanlab.filter import find_label_issues

        # one process: a pool forked per pass costs more than the few hundred rows it ranks
        issues = find_label_issues(given, cv_probs, return_indices_ranked_by="self_confidence", n_jobs=1)
        return [int(j) for j in issues if guess[j] != given[j]], "cleanlab"
    except (ImportError, ValueError, AssertionError) as error:  # too few rows of a label for its thresholds, say
        log.info("Confident learning unavailable (%s); listing confident disagreements", error)
    order = sorted(((float(cv_probs[j, guess[j]]), j) for j in range(len(given)) if guess[j] != given[j]), reverse=True)
    return [j for _, j in order], "disagreement"


def add_to_curve(curve: list, labelled: int, accuracy: float) -> list:
    """The estimate against the number of labels: a new pass on as many labels replaces that point."""
    kept = [point for point in curve if point[0] != labelled]
    return (kept + [[labelled, accuracy]])[-CURVE_POINTS:]


def _write(workspace: str | Path, project: int, result: dict[str, Any]) -> dict[str, Any]:
    path = result_path(workspace, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # the page never reads half a file
    return result


def due(workspace: str | Path, project: int, labelled: int) -> bool:
    """Whether a pass should start: EVERY new labels since the last one (or none yet), and none running."""
    last = read_result(workspace, project)
    if last is not None and abs(labelled - last.get("labelled", 0)) < EVERY:
        return False
    return not running(workspace, project)


def running(workspace: str | Path, project: int) -> bool:
    lock = result_path(workspace, project).with_suffix(".pid")
    try:
        pid, since = (float(x) for x in lock.read_text().split())
    except (OSError, ValueError):
        return False
    if time.time() - since > 300:  # a pass takes seconds: a five-minute-old lock is left over
        return False
    try:
        os.kill(int(pid), 0)
    except OSError:
        return False
    return True


def start_pass(workspace: str | Path, project: int) -> None:
    """A pass in its own process, detached: the page goes on at once and reads the result when it is there."""
    lock = result_path(workspace, project).with_suffix(".pid")
    lock.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-m", "core.labels.learner", str(project), "--workspace",
                                str(workspace)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True, cwd=Path(__file__).parents[2])
    lock.write_text(f"{process.pid} {time.time()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.labels.learner", description="One learning pass.")
    parser.add_argument("project", type=int)
    parser.add_argument("--workspace", required=True)
    args = parser.parse_args(argv)
    try:
        learn(args.workspace, args.project)
    finally:
        result_path(args.workspace, args.project).with_suffix(".pid").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
