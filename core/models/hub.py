"""The Hugging Face Hub: a model from the cache, or downloaded; offline is said at once, not after retries."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core.errors import ModelError
from core.models.sources import DownloadCancelled, cancellable_tqdm, hub_endpoint, model_source
from core.models.weights import safetensors_files

logger = logging.getLogger(__name__)

# Fetched from the Hub: weights as safetensors only (a .bin file is a pickle, which can run code when opened), plus
# the config and every tokenizer format in use (tokenizer.json, vocab.txt, merges.txt, sentencepiece .model).
_HUB_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken"]
_HUB_PROBE_SECONDS = 3.0


def resolve_hub(repo_id: str, trust_remote_code: bool, progress=None, cancel=None) -> Path:
    """The local folder of a Hub id: from the cache, or downloaded from the Hub (its mirror) or ModelScope, as
    core.models.sources says; `progress(done, total, what)` hears of the download, `cancel` (an Event) stops it."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise ModelError(f"'{repo_id}' is neither a folder on this computer nor a Hugging Face model id.",
                         "Give a folder that exists, or a Hub id such as 'google-bert/bert-base-chinese'.") from None
    patterns = _HUB_PATTERNS + (["*.py"] if trust_remote_code else [])  # custom code only when trusted
    if model_source() == "modelscope":
        from core.models.modelscope import download_modelscope

        return download_modelscope(repo_id, patterns, progress=progress, cancel=cancel)
    cached = _cached_snapshot(repo_id, patterns)
    if cached is not None:
        return cached
    endpoint = hub_endpoint()  # a mirror, when one is set
    if _hub_offline() or not _hub_answers(endpoint):
        # checked up front: huggingface_hub would otherwise retry for a long while before giving up
        raise ModelError(f"Could not download '{repo_id}' from the Hugging Face Hub: this computer seems to be "
                         "offline.", "Connect to the internet, or pick the built-in model or a local folder.")
    return _download(repo_id, patterns, endpoint, cancellable_tqdm(progress, cancel, repo_id))


def _cached_snapshot(repo_id: str, patterns: list[str]) -> Path | None:
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=patterns))
    except Exception as exc:  # LocalEntryNotFoundError and friends: simply not cached
        logger.debug("%s is not in the Hugging Face cache: %s", repo_id, exc)
        return None
    if (folder / "config.json").is_file() and safetensors_files(folder):
        return folder
    return None


def _hub_offline() -> bool:
    from huggingface_hub import constants

    # huggingface_hub reads these once at import; read them again so a later change is honoured
    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return constants.HF_HUB_OFFLINE or any(str(f).upper() in ("1", "ON", "YES", "TRUE") for f in flags if f)


def _hub_answers(endpoint: str | None = None, timeout: float = _HUB_PROBE_SECONDS) -> bool:
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    try:
        response = get_session().head(endpoint or constants.ENDPOINT, timeout=timeout)
    except Exception as exc:
        logger.info("The Hugging Face Hub did not answer within %.0f s: %s", timeout, exc)
        return False
    return response.status_code < 500


def _download(repo_id: str, patterns: list[str], endpoint: str | None = None, tqdm_class=None) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    logger.info("Downloading %s from %s", repo_id, endpoint or "the Hugging Face Hub")
    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=patterns, etag_timeout=10, endpoint=endpoint,
                                        tqdm_class=tqdm_class))
    except GatedRepoError as exc:
        raise ModelError(f"The model '{repo_id}' is gated: its owners ask you to accept their terms first.",
                         "Accept the terms on huggingface.co and log in with 'hf auth login', "
                         "or pick another model.") from exc
    except DownloadCancelled:
        raise
    except RepositoryNotFoundError as exc:
        raise ModelError(f"There is no model called '{repo_id}' on the Hugging Face Hub (or it is private).",
                         "Check the spelling (owner/name, e.g. google-bert/bert-base-chinese), or pick the "
                         "built-in model or a local folder.") from exc
    except Exception as exc:
        logger.warning("Download of %s failed", repo_id, exc_info=True)
        raise ModelError(f"Could not download '{repo_id}' from the Hugging Face Hub: {first_line(exc)}",
                         "Check the internet connection and try again, or pick the built-in model or a "
                         "local folder.") from exc
    if not (folder / "config.json").is_file():
        raise ModelError(f"'{repo_id}' on the Hugging Face Hub has no config.json, so it is not a transformers "
                         "model.", "Pick another model.")
    return folder


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
