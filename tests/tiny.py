"""Tiny randomly initialised models and toy data, built in the test run: training takes seconds."""

from __future__ import annotations

import random
from pathlib import Path

POSITIVE = ["good", "great", "happy", "lovely", "excellent", "fine", "wonderful", "nice"]
NEGATIVE = ["bad", "awful", "sad", "poor", "terrible", "ugly", "horrible", "boring"]
FILLER = ["the", "movie", "was", "really", "film", "plot", "and", "acting", "very", "quite", "a", "story"]


def write_toy_csv(path: Path, rows: int = 120, seed: int = 0) -> Path:
    """A balanced positive/negative CSV that a tiny model learns in a few epochs."""
    import pandas as pd

    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(rows):
        label = "positive" if i % 2 == 0 else "negative"
        words = rng.sample(FILLER, 4) + rng.sample(POSITIVE if label == "positive" else NEGATIVE, 2)
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    return path


def _vocab() -> list[str]:
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *POSITIVE, *NEGATIVE, *FILLER]


def build_tiny_bert(folder: Path) -> Path:
    """A 2-layer BERT with a 37-word vocabulary, saved as safetensors with its tokenizer."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {word: i for i, word in enumerate(_vocab())}
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True, model_max_length=64)
    config = BertConfig(vocab_size=len(_vocab()), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=37, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_gpt2(folder: Path) -> Path:
    """A 2-layer GPT-2 with a word-level tokenizer and no pad token (as GPT-2 ships)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2Model, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    words = ["<|endoftext|>", "[UNK]", *POSITIVE, *NEGATIVE, *FILLER]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>", unk_token="[UNK]",
                                        model_max_length=64)
    config = GPT2Config(vocab_size=len(words), n_embd=32, n_layer=2, n_head=2, n_positions=64)
    GPT2Model(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder
