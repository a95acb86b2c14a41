"""Label a whole file a chunk at a time: answers stream into a CSV on disk, so 100,000 rows never sit in memory
as one table of probabilities, and the caller hears how far it has got."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

CHUNK = 1_000  # texts per pass: progress moves every second or so on a laptop CPU
PREVIEW = 1_000  # rows kept for the page to show


def predict_to_csv(answers, texts: list[str], pairs: list[str] | None, out: Path,
                   progress: Callable[[int, int], None] | None = None):
    """Write each text's answer to `out` (UTF-8 with BOM, for Excel); returns (the first rows, label counts)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    preview, counts = None, Counter()
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        for start in range(0, len(texts), CHUNK):
            chunk_pairs = pairs[start:start + CHUNK] if pairs is not None else None
            table = answers.predict_table(texts[start:start + CHUNK], chunk_pairs)
            table.to_csv(handle, index=False, header=start == 0)
            counts.update(table["predicted"].tolist())
            if preview is None or len(preview) < PREVIEW:
                import pandas as pd

                preview = table if preview is None else pd.concat([preview, table]).head(PREVIEW)
            if progress is not None:
                progress(min(start + CHUNK, len(texts)), len(texts))
    log.info("Labelled %d texts into %s", len(texts), out)
    return preview.head(PREVIEW) if preview is not None else None, dict(counts)
