"""ModelScope (modelscope.cn) as a second source of models, over its plain HTTP file API.

The `modelscope` library pulls in far more than a download needs, so this reads the two calls its
`snapshot_download` makes: the repository's file list and each file. Files land where the library puts them
(~/.cache/modelscope/hub/OWNER/NAME, or $MODELSCOPE_CACHE), so a model fetched by either is found by both;
`transport` (urllib's urlopen by default) is what tests replace with a local server's address.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from core.errors import ModelError
from core.models.sources import DownloadCancelled, Progress

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://www.modelscope.cn"
ENDPOINT_ENV = "STUDIO_MODELSCOPE_ENDPOINT"
_DONE = ".studio-complete"  # written last: a folder without it is a download that did not finish
_CHUNK = 1 << 20
_TIMEOUT = 15


def modelscope_cache() -> Path:
    return Path(os.environ.get("MODELSCOPE_CACHE") or Path.home() / ".cache" / "modelscope" / "hub")


def modelscope_endpoint() -> str:
    return (os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).rstrip("/")


def cached_modelscope(model_id: str) -> Path | None:
    folder = modelscope_cache() / model_id
    return folder if (folder / _DONE).is_file() and (folder / "config.json").is_file() else None


def download_modelscope(model_id: str, patterns: list[str], *, progress: Progress | None = None,
                        cancel: threading.Event | None = None, transport=urllib.request.urlopen) -> Path:
    """The model's folder, downloaded from ModelScope unless it is complete in the cache already."""
    cached = cached_modelscope(model_id)
    if cached is not None:
        return cached
    endpoint, folder = modelscope_endpoint(), modelscope_cache() / model_id
    files = [f for f in _file_list(model_id, endpoint, transport)
             if any(fnmatch.fnmatch(Path(f["Path"]).name, p) for p in patterns)]
    if not any(f["Path"] == "config.json" for f in files):
        raise ModelError(f"'{model_id}' on ModelScope has no config.json, so it is not a transformers model.",
                         "Pick another model, or switch the source back to Hugging Face.")
    total, done = sum(int(f.get("Size") or 0) for f in files) or None, 0
    log.info("Downloading %s from ModelScope (%d files)", model_id, len(files))
    for entry in files:
        url = (f"{endpoint}/api/v1/models/{model_id}/repo?Revision=master&FilePath="
               f"{urllib.parse.quote(entry['Path'])}")
        done = _fetch(url, folder / entry["Path"], model_id, transport, done, total, progress, cancel)
    (folder / _DONE).write_text("ok", encoding="utf-8")
    return folder


def _file_list(model_id: str, endpoint: str, transport) -> list[dict]:
    url = f"{endpoint}/api/v1/models/{model_id}/repo/files?Revision=master&Recursive=true"
    try:
        with transport(url, timeout=_TIMEOUT) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise ModelError(f"There is no model called '{model_id}' on ModelScope.",
                             "Check the spelling (owner/name, e.g. tiansz/bert-base-chinese), or switch the source "
                             "back to Hugging Face.") from exc
        raise _unreachable(model_id, exc) from exc
    except (OSError, ValueError) as exc:
        raise _unreachable(model_id, exc) from exc
    files = (answer.get("Data") or {}).get("Files") if isinstance(answer, dict) else None
    if not isinstance(files, list):
        raise ModelError(f"ModelScope's answer about '{model_id}' could not be read.", "Try again later.")
    return [f for f in files if isinstance(f, dict) and f.get("Path") and f.get("Type", "blob") != "tree"]


def _fetch(url: str, target: Path, model_id: str, transport, done: int, total: int | None,
           progress: Progress | None, cancel: threading.Event | None) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with transport(url, timeout=_TIMEOUT) as response, open(partial, "wb") as out:
            while chunk := response.read(_CHUNK):
                if cancel is not None and cancel.is_set():
                    raise DownloadCancelled(model_id)
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total, target.name)
    except (OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
        raise _unreachable(model_id, exc) from exc
    except DownloadCancelled:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return done


def _unreachable(model_id: str, exc: BaseException) -> ModelError:
    return ModelError(f"Could not download '{model_id}' from ModelScope: {exc}.",
                      "Check the internet connection and try again, or switch the source back to Hugging Face.")
