"""A saved classifier answering texts: the one code path behind the run's own final scores and every page and
command that uses the model afterwards (core.serve.predictor), so their answers agree to the last digit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DECIMALS = 4  # probabilities as written to the prediction files and shown on the pages


def load_saved(folder: str | Path, device: str) -> tuple[Any, Any]:
    """(model, tokenizer) of a saved classifier folder, in full precision on `device`, ready to answer."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
    model.to(device).eval()
    return model, tokenizer


def probabilities(model: Any, tokenizer: Any, texts: list[str], max_length: int, device: str,
                  batch_size: int = 64, pairs: list[str] | None = None) -> list[list[float]]:
    """Probabilities per label for each text (with its second text, for pairs); batched by length."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs else 0))
    out: list[list[float]] = [[] for _ in texts]
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            second = [pairs[i] for i in chunk] if pairs is not None else None
            batch = tokenizer([texts[i] for i in chunk], second, truncation=True, max_length=max_length,
                              padding=True, return_tensors="pt").to(device)
            probs = torch.softmax(model(**batch).logits.float(), dim=-1).cpu().tolist()
            for i, p in zip(chunk, probs, strict=True):
                out[i] = p
    return out


def answer_table(texts: list[str], probs: list[list[float]], labels: list[str], pairs: list[str] | None = None):
    """A DataFrame: text (and text_pair), predicted label, confidence, one probability column per label."""
    import pandas as pd

    best = [max(range(len(p)), key=p.__getitem__) for p in probs]
    table = pd.DataFrame({"text": texts, "predicted": [labels[b] for b in best],
                          "confidence": [round(p[b], DECIMALS) for p, b in zip(probs, best, strict=True)]})
    if pairs is not None:
        table.insert(1, "text_pair", pairs)
    for j, name in enumerate(labels):
        table[f"p({name})"] = [round(p[j], DECIMALS) for p in probs]
    return table
