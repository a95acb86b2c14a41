"""Sentence embeddings from a frozen encoder, cached in the workspace so a second quick run costs seconds.

The encoder is a sentence-transformers model (the built-in MiniLM-L6 is one; any other Hugging Face
encoder gets mean pooling). Vectors are cached per (encoder, max length) and text hash in
`workspace/cache/embeddings.db`; a changed text is a new key, never a stale vector.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from core.store.database import connect

log = logging.getLogger(__name__)

_SCHEMA = """CREATE TABLE IF NOT EXISTS embeddings (
    encoder TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (encoder, text_hash))"""
BATCH = 64


def load_encoder(folder: str | Path, device: str = "cpu", max_length: int | None = None):
    """A SentenceTransformer from a local folder, cutting texts at `max_length` tokens."""
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(folder), device=device)
    if max_length:
        encoder.max_seq_length = max_length
    return encoder


def encode(encoder, texts: list[str], batch_size: int = BATCH, stop=None):
    """An (n, dim) float32 array; `stop()` returning True between batches ends early (returns None).

    Texts go in batches of similar length, sorted over all of them (not only within a batch), so batches pad
    little."""
    import numpy as np

    width = getattr(encoder, "get_embedding_dimension", encoder.get_sentence_embedding_dimension)() or 0
    out = None if texts else np.zeros((0, width), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        if stop is not None and stop():
            return None
        chunk = order[start:start + batch_size]
        vectors = encoder.encode([texts[i] for i in chunk], batch_size=batch_size, convert_to_numpy=True,
                                 show_progress_bar=False).astype(np.float32)
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[chunk] = vectors
    return out


class EmbeddingCache:
    """Vectors of texts by one encoder at one max length, in the workspace's cache database."""

    def __init__(self, workspace: str | Path, encoder_key: str) -> None:
        folder = Path(workspace) / "cache"
        folder.mkdir(parents=True, exist_ok=True)
        self.path, self.key = folder / "embeddings.db", encoder_key
        with connect(self.path) as db:
            db.execute(_SCHEMA)

    def embed(self, encoder_factory, texts: list[str], stop=None):
        """Vectors for `texts`, computing (with the encoder `encoder_factory()` loads) only those not cached."""
        import numpy as np

        hashes = [text_hash(t) for t in texts]
        found = self._read(set(hashes))
        missing = sorted({h: t for h, t in zip(hashes, texts, strict=True) if h not in found}.items())
        log.info("Embeddings: %d of %d texts cached, %d to compute", len(texts) - len(missing), len(texts),
                 len(missing))
        if missing:
            vectors = encode(encoder_factory(), [t for _, t in missing], stop=stop)
            if vectors is None:
                return None
            self._write([(h, v) for (h, _), v in zip(missing, vectors, strict=True)])
            found.update({h: v for (h, _), v in zip(missing, vectors, strict=True)})
        return np.stack([found[h] for h in hashes]) if hashes else np.zeros((0, 0), dtype=np.float32)

    def count_cached(self, texts: list[str]) -> int:
        """How many of `texts` (each counted once) this cache holds."""
        return len(self._read({text_hash(t) for t in texts}))

    def cached(self, texts: list[str]) -> dict[int, Any]:
        """The vectors this cache holds for `texts`, by position (a text it lacks is left out); no encoder needed."""
        hashes = [text_hash(t) for t in texts]
        found = self._read(set(hashes))
        return {i: found[h] for i, h in enumerate(hashes) if h in found}

    def _read(self, hashes: set[str]) -> dict[str, Any]:
        import numpy as np

        found, wanted = {}, sorted(hashes)
        with connect(self.path) as db:
            for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
                chunk = wanted[start:start + 500]
                rows = db.execute(f"SELECT text_hash, vector FROM embeddings WHERE encoder = ? AND text_hash IN "
                                  f"({','.join('?' * len(chunk))})", [self.key, *chunk]).fetchall()
                found.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        return found

    def _write(self, rows: list[tuple[str, Any]]) -> None:
        with connect(self.path) as db:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                           [(self.key, h, v.tobytes()) for h, v in rows])
            db.execute("COMMIT")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def encoder_key(folder: str | Path, max_length: int) -> str:
    """The cache's name for an encoder: its folder, its weights' size and time, and the max length."""
    folder = Path(folder).resolve()
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    stamp = ",".join(f"{w.stat().st_size}:{int(w.stat().st_mtime)}" for w in weights)
    return hashlib.sha256(f"{folder}|{stamp}|{max_length}".encode()).hexdigest()[:32]
