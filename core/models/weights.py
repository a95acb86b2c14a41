"""A model's weight files, read only from their safetensors headers: which files, how many parameters, how big.

Never loads a tensor, so the catalogue and the Model page stay fast.
"""

from __future__ import annotations

import json
import logging
import math
import struct
from pathlib import Path

logger = logging.getLogger(__name__)

PICKLE_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt")
_FLOAT_DTYPES = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}  # int tensors are buffers (position ids)


def safetensors_files(folder: Path) -> list[Path]:
    """The weight files transformers would load: a sharded index's files, or model.safetensors."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            names = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            names = []
        files = [folder / n for n in names if (folder / n).is_file()]
        if files:
            return files
    single = folder / "model.safetensors"
    return [single] if single.is_file() else []


def _safetensors_header(path: Path) -> dict:
    # the file starts with an 8-byte little-endian length and a JSON table of tensor names, dtypes and shapes
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        if size > 100_000_000:
            raise ValueError(f"implausible safetensors header size {size}")
        return json.loads(f.read(size))


def count_parameters(files: list[Path]) -> int | None:
    if not files:
        return None
    total = 0
    try:
        for path in files:
            for name, tensor in _safetensors_header(path).items():
                if name != "__metadata__" and tensor.get("dtype") in _FLOAT_DTYPES:
                    total += math.prod(tensor["shape"])
    except (OSError, ValueError, struct.error, KeyError, TypeError, AttributeError) as exc:
        logger.warning("Could not read the weight headers in %s: %s", files[0].parent, exc)
        return None
    return total


def size_mb(files: list[Path]) -> float | None:
    if not files:
        return None
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)
