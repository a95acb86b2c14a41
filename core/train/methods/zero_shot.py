"""Zero-shot labels from label names alone (and an optional one-line description per label): each text goes to
the label whose sentence lies closest to it in the packaged encoder's embedding space.

No training: it gives the Label page suggestions before anything is labelled, and Try a demo before
the first run. Probabilities are a softmax over cosine similarities (scaled by SHARPNESS), so they rank
labels sensibly but are not calibrated.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from core.errors import DataError

log = logging.getLogger(__name__)
SHARPNESS = 20.0  # cosine similarities of sentence encoders differ by tenths: scaled, the softmax can choose
MAX_LENGTH = 128


def label_sentences(labels: list[str], descriptions: dict[str, str] | None = None) -> list[str]:
    """What each label is embedded as: its name, then its description when one is given."""
    descriptions = descriptions or {}
    return [f"{name}: {descriptions[name]}" if descriptions.get(name) else name for name in labels]


def check_labels(labels: list[str]) -> list[str]:
    names = list(dict.fromkeys(name.strip() for name in labels if name and name.strip()))
    if len(names) < 2:
        raise DataError("Zero-shot needs at least two label names to choose between.",
                        'Give them separated by commas, for example --labels "positive,negative".')
    return names


def zero_shot_probabilities(texts: list[str], labels: list[str], descriptions: dict[str, str] | None = None,
                            model: str = "default", workspace: str | Path | None = None,
                            encoder=None) -> list[list[float]]:
    """Probabilities per label for each text; the texts' embeddings come from the workspace cache when it has them.

    encoder: one loaded already (zero_shot_encoder), so a page answers without loading it again.
    """
    import numpy as np

    from core.models.resolve import resolve_model
    from core.train.methods.embeddings import encode, load_encoder
    from core.train.methods.quick import device_kind, embed_texts

    labels = check_labels(labels)
    folder = resolve_model(model)
    encoder = encoder or load_encoder(folder, device_kind(), MAX_LENGTH)
    if workspace is not None:
        vectors = embed_texts(workspace, folder, list(texts), MAX_LENGTH)
    else:
        vectors = encode(encoder, list(texts))
    anchors = encode(encoder, label_sentences(labels, descriptions))
    similarity = _unit(vectors) @ _unit(anchors).T * SHARPNESS
    similarity -= similarity.max(axis=1, keepdims=True)
    exp = np.exp(similarity)
    return (exp / exp.sum(axis=1, keepdims=True)).tolist()


def zero_shot_encoder(model: str = "default"):
    """The encoder zero-shot answers with, loaded once by a page that answers many times."""
    from core.models.resolve import resolve_model
    from core.train.methods.embeddings import load_encoder
    from core.train.methods.quick import device_kind

    return load_encoder(resolve_model(model), device_kind(), MAX_LENGTH)


def _unit(vectors):
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def read_descriptions(path: str | Path) -> dict[str, str]:
    """A JSON object {label: description}, or lines 'label: description' (a colon or a Chinese colon)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict):
        return {str(k).strip(): str(v).strip() for k, v in loaded.items()}
    found = {}
    for line in text.splitlines():
        name, sep, description = line.replace("：", ":").partition(":")
        if sep and name.strip():
            found[name.strip()] = description.strip()
    if not found:
        raise DataError(f"{Path(path).name} holds no descriptions.",
                        "Write one line per label, 'label: what it means', or a JSON object.")
    return found


def zero_shot_table(texts: list[str], labels: list[str], descriptions: dict[str, str] | None = None,
                    model: str = "default", workspace: str | Path | None = None) -> Any:
    """A DataFrame as Try and predict give: text, predicted, confidence, p(label) per label."""
    from core.train.inference import answer_table

    labels = check_labels(labels)
    return answer_table(list(texts), zero_shot_probabilities(texts, labels, descriptions, model, workspace), labels)
