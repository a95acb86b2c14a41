"""Count a model's tokens fast, for the data check: its tokenizer.json through the tokenizers library alone."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.models.loading import load_tokenizer
from core.models.resolve import resolve_model

logger = logging.getLogger(__name__)


class TokenCounter:
    """Counts tokens with the model's own `tokenizer.json` through the `tokenizers` library alone.

    The data report needs only lengths; loading transformers for them would cost the Data page
    seconds. Called like a transformers tokenizer: `counter(texts)["input_ids"]`.
    """

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self.backend = Tokenizer.from_file(str(path))
        self.backend.no_padding()  # saved tokenizers may pad or cut to a fixed length; counts must not
        self.backend.no_truncation()

    def __call__(self, texts: list[str], **_: Any) -> dict[str, list[list[int]]]:
        return {"input_ids": [encoding.ids for encoding in self.backend.encode_batch(list(texts))]}


def load_token_counter(model: str) -> Any:
    """A fast way to count `model`'s tokens: its tokenizer.json when it has one, else its full tokenizer."""
    path = resolve_model(model) / "tokenizer.json"
    if path.exists():
        try:
            return TokenCounter(path)
        except Exception:  # an unusual tokenizer.json: the full tokenizer still counts right
            logger.info("tokenizer.json of %s did not load on its own; using transformers", model, exc_info=True)
    return load_tokenizer(model)
