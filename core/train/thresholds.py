"""Each label's decision threshold for a multi-label model: 0.5, or the one that gives the label its best F1 on
the validation rows (saved beside the model as thresholds.json, so every later answer decides the same way)."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT = 0.5
CANDIDATES = [round(0.05 * i, 2) for i in range(1, 20)]  # 0.05 .. 0.95
FILE = "thresholds.json"


def tune_thresholds(probs: list[list[float]], truth: list[list[int]], labels: list[str]) -> dict[str, float]:
    """Per label, the candidate threshold with the highest F1 on these rows; ties go to the one nearest 0.5.

    A label no row has keeps 0.5: there is nothing to tune it on.
    """
    chosen = {}
    for j, name in enumerate(labels):
        column = [p[j] for p in probs]
        actual = [t[j] for t in truth]
        if not any(actual):
            chosen[name] = DEFAULT
            continue
        chosen[name] = max(CANDIDATES, key=lambda c: (_f1(column, actual, c), -abs(c - DEFAULT)))
    return chosen


def _f1(scores: list[float], actual: list[int], threshold: float) -> float:
    tp = sum(1 for s, a in zip(scores, actual, strict=True) if s >= threshold and a)
    fp = sum(1 for s, a in zip(scores, actual, strict=True) if s >= threshold and not a)
    fn = sum(1 for s, a in zip(scores, actual, strict=True) if s < threshold and a)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def save_thresholds(folder: str | Path, thresholds: dict[str, float]) -> None:
    Path(folder, FILE).write_text(json.dumps(thresholds, ensure_ascii=False, indent=2), encoding="utf-8")


def read_thresholds(folder: str | Path, labels: list[str]) -> dict[str, float]:
    """The saved thresholds of a model folder; 0.5 for any label without one (or no file)."""
    try:
        saved = json.loads(Path(folder, FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    saved = saved if isinstance(saved, dict) else {}
    return {name: float(saved.get(name, DEFAULT)) for name in labels}


def decide(probs: list[float], labels: list[str], thresholds: dict[str, float]) -> list[str]:
    """The labels whose probability reaches their threshold."""
    return [name for name, p in zip(labels, probs, strict=True) if p >= thresholds.get(name, DEFAULT)]
