"""Texts longer than the model's limit: which tokens are kept (head, tail, or head+tail), and sliding windows.

The choice travels with the tokenizer (saved in its tokenizer_config.json), so training, the epoch evaluation,
the saved model and every page that loads it cut texts the same way: `set_truncation` once, then `encode`.
Tail uses the tokenizer's own `truncation_side="left"`, so plain transformers cuts a saved model's texts the
same way too; head+tail is ours (transformers has no such option) and falls back to head for pairs of texts.
"""

from __future__ import annotations

from typing import Any

TRUNCATIONS = ("head", "tail", "head+tail")
HEAD_SHARE = 0.25  # head+tail keeps a quarter from the start, the rest from the end (Sun et al. 2019: 128 + 382)
_KEY = "studio_truncation"  # our own key in tokenizer_config.json


def set_truncation(tokenizer: Any, mode: str) -> None:
    """Make `tokenizer` cut long texts this way from now on, and remember it when it is saved."""
    if mode not in TRUNCATIONS:
        raise ValueError(f"truncation must be one of {', '.join(TRUNCATIONS)}, not {mode!r}")
    tokenizer.truncation_side = "left" if mode == "tail" else "right"
    tokenizer.init_kwargs["truncation_side"] = tokenizer.truncation_side
    tokenizer.init_kwargs[_KEY] = mode


def truncation_of(tokenizer: Any) -> str:
    """How this tokenizer cuts long texts: what set_truncation (or a saved folder) said; head otherwise."""
    mode = getattr(tokenizer, "init_kwargs", {}).get(_KEY)
    if mode in TRUNCATIONS:
        return mode
    return "tail" if getattr(tokenizer, "truncation_side", "right") == "left" else "head"


def encode(tokenizer: Any, texts: list[str], pairs: list[str] | None, max_length: int) -> dict[str, list]:
    """Token ids (unpadded) of each text, cut to `max_length` the tokenizer's way."""
    if truncation_of(tokenizer) != "head+tail" or pairs is not None:
        return dict(tokenizer(texts, pairs, truncation=True, max_length=max_length))
    full = tokenizer(texts, truncation=False, verbose=False)
    prefix, suffix = _special_counts(tokenizer)
    out: dict[str, list] = {key: [] for key in full.keys()}
    for i in range(len(texts)):
        for key in out:
            out[key].append(_head_and_tail(full[key][i], max_length, prefix, suffix))
    return out


def encode_batch(tokenizer: Any, texts: list[str], pairs: list[str] | None, max_length: int):
    """A padded batch of PyTorch tensors, cut the tokenizer's way (what a model answers from)."""
    if truncation_of(tokenizer) != "head+tail" or pairs is not None:  # the tokenizer's own call, as always
        return tokenizer(texts, pairs, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    return tokenizer.pad(encode(tokenizer, texts, pairs, max_length), return_tensors="pt")


def _head_and_tail(ids: list, max_length: int, prefix: int, suffix: int) -> list:
    if len(ids) <= max_length:
        return ids
    body = ids[prefix:len(ids) - suffix]
    room = max_length - prefix - suffix
    head = int(room * HEAD_SHARE)
    return ids[:prefix] + body[:head] + body[len(body) - (room - head):] + ids[len(ids) - suffix:]


def _special_counts(tokenizer: Any) -> tuple[int, int]:
    """How many special tokens the tokenizer puts before and after a single text ([CLS] ... [SEP]: 1 and 1)."""
    with_special = tokenizer("probe", truncation=False)["input_ids"]
    plain = tokenizer("probe", add_special_tokens=False, truncation=False)["input_ids"]
    for start in range(len(with_special) - len(plain) + 1):
        if with_special[start:start + len(plain)] == plain:
            return start, len(with_special) - start - len(plain)
    return 0, 0


def window_probabilities(model: Any, tokenizer: Any, texts: list[str], max_length: int, device: str, stride: int,
                         batch_size: int = 64) -> list[list[float]]:
    """Probabilities per label for each text read whole: windows of `max_length` tokens starting every `stride`
    tokens, each answered by the model, their probabilities averaged. A text within the limit is one window."""
    import torch

    room = max_length - tokenizer.num_special_tokens_to_add()
    overlap = max(0, room - max(1, min(stride, room)))
    side, tokenizer.truncation_side = tokenizer.truncation_side, "right"  # windows cover the whole text anyway
    out: list[list[float]] = []
    try:
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                chunk = texts[start:start + batch_size]
                batch = tokenizer(chunk, truncation=True, max_length=max_length, stride=overlap, padding=True,
                                  return_overflowing_tokens=True, return_tensors="pt")
                owner = batch.pop("overflow_to_sample_mapping")
                probs = _windowed_probs(model, batch, device, batch_size)
                for i in range(len(chunk)):
                    out.append(probs[owner == i].mean(dim=0).tolist())
    finally:
        tokenizer.truncation_side = side
    return out


def _windowed_probs(model: Any, batch: Any, device: str, batch_size: int):
    import torch

    parts = []
    rows = batch["input_ids"].shape[0]
    for start in range(0, rows, batch_size):  # a long text makes many windows: answer them a batch at a time
        piece = {k: v[start:start + batch_size].to(device) for k, v in batch.items()}
        parts.append(torch.softmax(model(**piece).logits.float(), dim=-1).cpu())
    return torch.cat(parts)
