"""A model's config.json: its sizes, its longest input and whether it is a decoder (GPT-like)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import ModelError

SANE_MAX_LENGTH = 1_000_000  # tokenizers without a limit report 1e30

_DECODER_TYPES = {"gpt2", "gpt_neo", "gptj", "gpt_neox", "gpt_bigcode", "opt", "bloom", "falcon", "llama",
                  "mistral", "mixtral", "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "phi", "phi3", "gemma",
                  "gemma2", "gemma3_text", "olmo", "olmo2", "stablelm", "starcoder2", "granite", "smollm3"}


def read_config(folder: Path) -> dict:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"The config.json of the model in '{folder}' cannot be read.",
                         "The folder may be damaged: copy or download the model again.") from exc
    if not isinstance(config, dict):
        raise ModelError(f"The config.json of the model in '{folder}' is not a settings table.",
                         "The folder may be damaged: copy or download the model again.")
    return config


def config_value(config: dict, *keys: str) -> Any:
    # multimodal configs keep the text model's sizes under text_config
    for table in (config, config.get("text_config") or {}):
        for key in keys:
            if isinstance(table, dict) and table.get(key) is not None:
                return table[key]
    return None


def _tokenizer_limit(folder: Path) -> int | None:
    try:
        value = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("model_max_length")
    except (OSError, ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int | float) and 0 < value < SANE_MAX_LENGTH else None


def max_positions(config: dict, folder: Path) -> int | None:
    """The longest input in tokens: the smaller of the position table and the tokenizer's own limit."""
    # RoBERTa-like models report 514 positions but take 512 tokens; their tokenizer says 512
    found = [config_value(config, "max_position_embeddings", "n_positions", "n_ctx", "max_seq_len", "seq_length"),
             _tokenizer_limit(folder)]
    found = [int(v) for v in found if isinstance(v, int | float) and 0 < v < SANE_MAX_LENGTH]
    return min(found) if found else None


def is_decoder(config: dict) -> bool:
    architectures = config.get("architectures") or []
    if any(str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return True
    return config.get("model_type") in _DECODER_TYPES or bool(config.get("is_decoder"))
