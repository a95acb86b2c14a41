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

    from core.train.methods.saved import is_embedding_model, load_embedding_model

    if is_embedding_model(folder):  # a quick or few-shot run's: a sentence encoder and a logistic head
        return load_embedding_model(folder, device)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
    model.to(device).eval()
    return model, tokenizer


def probabilities(model: Any, tokenizer: Any, texts: list[str], max_length: int, device: str,
                  batch_size: int = 64, pairs: list[str] | None = None) -> list[list[float]]:
    """Probabilities per label for each text (with its second text, for pairs); batched by length."""
    import torch

    if hasattr(model, "answer"):  # an encoder + head (core.train.methods.saved): single texts only
        return model.answer(texts, max_length, batch_size)
    from core.train.long_texts import encode_batch  # head, tail or head+tail, as the run was trained
    from core.train.task_answers import activate

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs else 0))
    out: list[list[float]] = [[] for _ in texts]
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            second = [pairs[i] for i in chunk] if pairs is not None else None
            batch = encode_batch(tokenizer, [texts[i] for i in chunk], second, max_length).to(device)
            probs = activate(model(**batch).logits.float(), model.config).cpu().tolist()  # softmax, sigmoid or none
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
