"""The saved form of a quick or few-shot model: a sentence encoder and a logistic-regression head.

    model/config.json   {"studio_method": "quick" | "few-shot", "id2label": ..., "label2id": ..., "max_length": N}
    model/head.json     the head's weights (coef, intercept): plain numbers, no pickle to trust
    model/encoder/      a sentence-transformers folder (for few-shot, SetFit's own save: SetFitModel loads it)

`load_embedding_model` gives an object that answers like a transformers classifier does for
core.train.inference (config.id2label, to(), eval(), answer()), so Try, Evaluate, predict, the
service and the Label page's suggestions need no other code path.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HEAD_FILE, ENCODER_FOLDER = "head.json", "encoder"


def is_embedding_model(folder: str | Path) -> bool:
    """Whether this model folder holds an encoder + head (a quick or few-shot run's) rather than a transformer."""
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and bool(config.get("studio_method"))


def save_embedding_model(folder: Path, method: str, labels: list[str], head, max_length: int,
                         save_encoder) -> None:
    """Write the folder: `head` a fitted LogisticRegression, `save_encoder(path)` writes the encoder there."""
    folder.mkdir(parents=True, exist_ok=True)
    save_encoder(folder / ENCODER_FOLDER)
    order = [list(head.classes_).index(i) for i in range(len(labels))] if len(labels) > 2 else None
    coef, intercept = head.coef_.tolist(), head.intercept_.tolist()
    if order is not None:  # rows in label order, whatever order the head learned them in
        coef, intercept = [coef[j] for j in order], [intercept[j] for j in order]
    (folder / HEAD_FILE).write_text(json.dumps({"coef": coef, "intercept": intercept}), encoding="utf-8")
    config = {"studio_method": method, "id2label": {str(i): n for i, n in enumerate(labels)},
              "label2id": {n: i for i, n in enumerate(labels)}, "max_length": max_length,
              "encoder": ENCODER_FOLDER, "head": HEAD_FILE}
    (folder / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")


class EmbeddingClassifier:
    """A loaded encoder + head that answers probabilities for texts."""

    def __init__(self, folder: Path, device: str) -> None:
        from core.train.methods.embeddings import load_encoder

        saved = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        head = json.loads((folder / saved.get("head", HEAD_FILE)).read_text(encoding="utf-8"))
        self.config = SimpleNamespace(id2label={int(k): v for k, v in saved["id2label"].items()},
                                      label2id=saved.get("label2id"), studio_method=saved["studio_method"])
        self.coef, self.intercept = head["coef"], head["intercept"]
        self.encoder = load_encoder(folder / saved.get("encoder", ENCODER_FOLDER), device, saved.get("max_length"))
        self.tokenizer = self.encoder.tokenizer
        self.tokenizer.model_max_length = saved.get("max_length") or self.tokenizer.model_max_length

    def to(self, device: str) -> EmbeddingClassifier:
        self.encoder.to(device)
        return self

    def eval(self) -> EmbeddingClassifier:
        self.encoder.eval()
        return self

    def answer(self, texts: list[str], max_length: int, batch_size: int = 64) -> list[list[float]]:
        from core.train.methods.embeddings import encode

        self.encoder.max_seq_length = max_length
        return head_probabilities(self.coef, self.intercept, encode(self.encoder, list(texts), batch_size))


def head_probabilities(coef: list[list[float]], intercept: list[float], vectors: Any) -> list[list[float]]:
    """What LogisticRegression.predict_proba gives: a sigmoid for two labels (one row of weights), else softmax."""
    import numpy as np

    scores = np.asarray(vectors, dtype=np.float64) @ np.asarray(coef).T + np.asarray(intercept)
    if scores.shape[1] == 1:
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.stack([1 - positive, positive], axis=1).tolist()
    scores -= scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return (exp / exp.sum(axis=1, keepdims=True)).tolist()


def load_embedding_model(folder: str | Path, device: str) -> tuple[EmbeddingClassifier, Any]:
    model = EmbeddingClassifier(Path(folder), device)
    return model, model.tokenizer


def log_loss(probs: list[list[float]], true: list[int]) -> float:
    return -sum(math.log(max(p[t], 1e-12)) for p, t in zip(probs, true, strict=True)) / max(1, len(true))
