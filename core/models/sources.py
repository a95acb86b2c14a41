"""Where Hub models come from: the Hugging Face Hub (or a mirror of it, e.g. for users in mainland China) or
ModelScope, with download progress and a best-effort cancel.

The settings are saved in the workspace (`model_sources.json`, written by `python -m core models --hub-endpoint URL
--source hf|modelscope` or the Model page) and exported to this process's environment, so workers started from it
inherit them. The environment wins where it is set: HF_ENDPOINT (which huggingface_hub itself honours) and
STUDIO_MODEL_SOURCE.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from core.errors import ModelError

log = logging.getLogger(__name__)

SETTINGS_FILE = "model_sources.json"
SOURCES = ("hf", "modelscope")
SOURCE_ENV = "STUDIO_MODEL_SOURCE"
Progress = Callable[[int, int | None, str], None]  # (done, total or None, what) -> None


class DownloadCancelled(ModelError):
    def __init__(self, repo_id: str) -> None:
        super().__init__(f"The download of '{repo_id}' was cancelled.", "Start it again when you are ready.")


def _settings_path(workspace: str | Path | None) -> Path:
    from core.store.workspace import workspace_path

    return workspace_path(workspace) / SETTINGS_FILE


def saved_settings(workspace: str | Path | None = None) -> dict:
    try:
        saved = json.loads(_settings_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def save_settings(workspace: str | Path | None = None, *, hub_endpoint: str | None = None,
                  source: str | None = None) -> dict:
    """Remember the Hub endpoint ('' for huggingface.co) and the source; returns every saved setting."""
    settings = saved_settings(workspace)
    if hub_endpoint is not None:
        endpoint = hub_endpoint.strip().rstrip("/")
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise ModelError(f"'{hub_endpoint}' is not a web address.",
                             "Give the mirror's address with http:// or https://, e.g. https://hf-mirror.com.")
        settings["hub_endpoint"] = endpoint
        _export("HF_ENDPOINT", endpoint)
    if source is not None:
        if source not in SOURCES:
            raise ModelError(f"'{source}' is not a model source.", "Pick hf (Hugging Face) or modelscope.")
        settings["source"] = source
        _export(SOURCE_ENV, source)
    path = _settings_path(workspace)
    path.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    return settings


def _export(name: str, value: str) -> None:
    if value:
        os.environ[name] = value
    else:
        os.environ.pop(name, None)


def hub_endpoint(workspace: str | Path | None = None) -> str | None:
    """The Hub address to download from: HF_ENDPOINT, else the saved setting; None for huggingface.co."""
    endpoint = os.environ.get("HF_ENDPOINT") or saved_settings(workspace).get("hub_endpoint") or ""
    return endpoint.rstrip("/") or None


def model_source(workspace: str | Path | None = None) -> str:
    """'hf' or 'modelscope': where model ids are downloaded from."""
    source = os.environ.get(SOURCE_ENV) or saved_settings(workspace).get("source") or "hf"
    return source if source in SOURCES else "hf"


def cancellable_tqdm(progress: Progress | None, cancel: threading.Event | None, repo_id: str):
    """A tqdm class for huggingface_hub's snapshot_download: reports progress, and stops when `cancel` is set
    (between chunks of a file: the files already complete stay in the cache)."""
    from tqdm.auto import tqdm

    class Reporting(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True  # no bars in logs or pages; progress goes to the callback
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled(repo_id)
            self.done = getattr(self, "done", 0) + (n or 0)  # a disabled tqdm does not count itself
            if progress is not None:
                total = getattr(self, "total", None)
                progress(int(self.done), int(total) if total else None, str(getattr(self, "desc", "") or repo_id))

    return Reporting
