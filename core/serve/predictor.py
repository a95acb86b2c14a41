"""Use a finished classifier: load once, then probabilities for every label, for one text or a whole file."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ModelError, RunError
from core.store.run_folder import model_dir
from core.store.runs import RunStore

log = logging.getLogger(__name__)


@dataclass
class Prediction:
    text: str
    label: str
    confidence: float
    probabilities: dict[str, float]   # every label, in the model's label order
    milliseconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "confidence": self.confidence,
                "probabilities": self.probabilities, "milliseconds": self.milliseconds}


class Predictor:
    """A loaded classifier folder (from a run, or any Hugging Face sequence classifier)."""

    def __init__(self, folder: str | Path, max_length: int = 512) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(folder)
        if not (folder / "config.json").exists():
            raise ModelError(f"'{folder}' holds no finished model.", "Pick a run that has completed.")
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
        self.model.to(self.device).eval()
        id2label = self.model.config.id2label
        self.labels = [id2label[i] for i in range(len(id2label))]
        self.max_length = min(max_length, getattr(self.tokenizer, "model_max_length", max_length) or max_length)

    def probabilities(self, texts: list[str], batch_size: int = 64) -> list[list[float]]:
        """Probabilities per label for each text; texts are batched by length to waste little padding."""
        import torch

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start:start + batch_size]
                batch = self.tokenizer([texts[i] for i in chunk], truncation=True, max_length=self.max_length,
                                       padding=True, return_tensors="pt").to(self.device)
                probs = torch.softmax(self.model(**batch).logits.float(), dim=-1).cpu().tolist()
                for i, p in zip(chunk, probs, strict=True):
                    out[i] = p
        return out

    def predict(self, text: str) -> Prediction:
        started = time.perf_counter()
        probs = self.probabilities([text])[0]
        elapsed = (time.perf_counter() - started) * 1000
        best = max(range(len(probs)), key=probs.__getitem__)
        return Prediction(text, self.labels[best], round(probs[best], 4),
                          {name: round(p, 4) for name, p in zip(self.labels, probs, strict=True)}, round(elapsed, 1))

    def predict_table(self, texts: list[str]):
        """A DataFrame: text, predicted label, confidence, and one probability column per label."""
        import pandas as pd

        probs = self.probabilities(texts)
        best = [max(range(len(p)), key=p.__getitem__) for p in probs]
        table = pd.DataFrame({"text": texts, "predicted": [self.labels[b] for b in best],
                              "confidence": [round(p[b], 4) for p, b in zip(probs, best, strict=True)]})
        for j, name in enumerate(self.labels):
            table[f"p({name})"] = [round(p[j], 4) for p in probs]
        return table


def run_model_folder(store: RunStore, run_id: str) -> Path:
    """The finished model of a run, or a RunError saying why there is none."""
    run = store.get(run_id)
    if run is None:
        raise RunError(f"There is no run called '{run_id}'.", "List the runs with: python -m core runs list")
    folder = model_dir(run.run_dir)
    if not (folder / "config.json").exists():
        raise RunError(f"Run '{run_id}' has no finished model (it is {run.status}).",
                       "Pick a completed run, or resume this one and let it finish.")
    return folder
