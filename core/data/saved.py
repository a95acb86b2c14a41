"""Datasets kept in the workspace: uploads saved as they came, cleaned copies saved as UTF-8 CSV.

Everything is written atomically (temp file + rename), and saving the same content under the same
name twice returns the file already there, so a page that re-sends an upload on every rerun keeps one copy.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

from core.store.workspace import datasets_dir

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = PROJECT_ROOT / "sample_data"
DEFAULT_SAMPLE = SAMPLE_DIR / "movie_reviews_en.csv"
READABLE = (".csv", ".tsv", ".txt", ".jsonl", ".json", ".xlsx", ".parquet")


def safe_name(filename: str, fallback: str = "dataset") -> str:
    """A file name that is safe on every system: no folders, no control or reserved characters."""
    name = unicodedata.normalize("NFC", Path(str(filename).replace("\\", "/")).name).strip()
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', "_", name).strip(" .")
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    return (stem[:100] or fallback) + suffix


def save_upload(workspace: Path, filename: str, content: bytes) -> Path:
    """Keep an uploaded file, as it came, in workspace/datasets/; returns where it is."""
    return _save_bytes(workspace, safe_name(filename), content)


def save_texts(workspace: Path, data: Any, filename: str) -> Path:
    """Save LabelledTexts as a UTF-8 CSV with its own column names (only the text column when unlabelled)."""
    import pandas as pd

    text_column = data.text_column or "text"
    columns = {text_column: list(data.texts)}
    if data.label_column and data.labels is not None:
        columns[data.label_column] = list(data.labels)
    name = Path(safe_name(filename)).stem + ".csv"
    content = pd.DataFrame(columns).to_csv(index=False).encode("utf-8")
    return _save_bytes(workspace, name, content)


def list_datasets(workspace: Path) -> list[Path]:
    """Saved datasets, newest first."""
    folder = datasets_dir(workspace)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READABLE]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def sample_datasets() -> list[Path]:
    """The datasets that ship with the project."""
    return sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix.lower() in READABLE) if SAMPLE_DIR.is_dir() else []


def _save_bytes(workspace: Path, name: str, content: bytes) -> Path:
    folder = datasets_dir(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    digest = hashlib.sha256(content).hexdigest()
    for n in range(1, 1000):
        target = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not target.exists():
            break
        if _digest(target) == digest:
            return target  # the same file again: keep one copy
    tmp = target.with_name(f".{target.name}.{digest[:8]}.tmp")
    tmp.write_bytes(content)
    tmp.replace(target)
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
