"""A model that learns while you label: a quick model (frozen encoder, cached embeddings, logistic regression)
retrained on the labelled rows in a process of its own, so the Label page never waits for it.

Each pass writes `workspace/labels/learner-PROJECT.json`: a suggestion and its sureness for every unlabelled
row, an estimated accuracy from cross-validation on the labelled rows (and its history: accuracy against the
number of labels), and the labelled rows the cross-validated model most confidently disagrees with ("most
likely wrong", a simple form of confident learning). The page starts a pass after every few new labels
(`python -m core.labels.learner PROJECT`); one pass at a time per project (a lock file with its pid).
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
    result.update(_fit_and_answer(vectors, labels, rows["row"].astype(int).tolist()))
    result["curve"] = (result["curve"] + [[result["labelled"], result["estimated_accuracy"]]])[-CURVE_POINTS:]
    result["seconds"] = round(time.perf_counter() - started, 2)
    return _write(workspace, project, result)


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
    # confidently disagreeing with the given label: how sure the held-out model is of its own answer
    wrong = sorted(((float(cv[j, guess[j]]), j) for j in range(len(known)) if guess[j] != y[j]), reverse=True)
    head.fit(x, y)
    unlabelled = [i for i, lab in enumerate(labels) if lab is None]
    probs = head.predict_proba(vectors[unlabelled]) if unlabelled else np.zeros((0, len(names)))
    return {"labels": names, "estimated_accuracy": float((guess == y).mean()), "folds": folds,
            "suggestions": {str(row_ids[i]): [names[int(p.argmax())], round(float(p.max()), 4)]
                            for i, p in zip(unlabelled, probs, strict=True)},
            "most_likely_wrong": [{"row": row_ids[known[j]], "label": labels[known[j]], "model_says": names[guess[j]],
                                   "sureness": round(p, 4)} for p, j in wrong[:MOST_LIKELY_WRONG]]}


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
