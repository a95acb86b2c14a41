"""The model catalogue: the built-in model, local folders and the Hugging Face cache, never the network."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ModelError
from core.models.inspect import ModelInfo, info_for_folder
from core.models.languages import _SUGGESTION_TEXT, CHINESE_CAPABLE_MODELS, SUGGESTION_SIZE_MB, guess_languages
from core.models.resolve import BUILTIN_NAME, DEFAULT_MODEL, resolve_model
from core.models.weights import PICKLE_WEIGHTS, safetensors_files

logger = logging.getLogger(__name__)

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
                    "sentencepiece.bpe.model", "tokenizer.model")


@dataclass
class ModelCard:
    """One entry of the model catalogue, shown as a card on the model page."""

    id: str
    name: str
    source: str  # "built-in" | "local" | "cache" | "hub"
    path: str | None
    size_mb: float | None
    parameters: int | None
    languages: list[str] = field(default_factory=list)
    ready: bool = False
    description: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def list_models(extra_dirs: Iterable[str | Path] = (), *, cache_dir: str | Path | None = None) -> list[ModelCard]:
    """The built-in model, then model folders in `extra_dirs`, then text models in the Hugging Face cache.

    Reads only files on this computer; never touches the network.
    """
    cards = [_builtin_card()]
    seen = {cards[0].path}
    for card in (*_local_cards(extra_dirs), *_cache_cards(cache_dir)):
        if card.path not in seen:
            seen.add(card.path)
            cards.append(card)
    return cards


def suggested_models() -> list[ModelCard]:
    """Hub models worth downloading for Chinese data; shown to people who are online."""
    return [ModelCard(id=repo, name=repo, source="hub", path=None, size_mb=SUGGESTION_SIZE_MB.get(repo),
                      parameters=None,
                      languages=guess_languages(repo, {}), ready=False,
                      description=_SUGGESTION_TEXT[repo] + " Downloaded on first use; needs the internet.")
            for repo in CHINESE_CAPABLE_MODELS]


def _builtin_card() -> ModelCard:
    try:
        card = _card(DEFAULT_MODEL, BUILTIN_NAME, "built-in", resolve_model(DEFAULT_MODEL))
    except ModelError as exc:
        return ModelCard(id=DEFAULT_MODEL, name=BUILTIN_NAME, source="built-in", path=None, size_mb=None,
                         parameters=None, languages=["en"], ready=False, description=str(exc))
    millions = f"{card.parameters / 1e6:.0f}M" if card.parameters else "a few million"
    card.description = (f"A small, fast English model ({millions} parameters) that comes with Fine-Tune Studio and "
                        "works without internet. A good first choice for English texts.")
    return card


def _card(model_id: str, name: str, source: str, folder: Path) -> ModelCard:
    try:
        info = info_for_folder(model_id, folder)
    except ModelError as exc:
        return ModelCard(id=model_id, name=name, source=source, path=str(folder), size_mb=None, parameters=None,
                         ready=False, description=exc.message)
    ready = info.parameters is not None
    return ModelCard(id=model_id, name=name, source=source, path=str(folder), size_mb=info.size_mb,
                     parameters=info.parameters, languages=info.languages, ready=ready,
                     description=_describe(info, source, folder))


def _describe(info: ModelInfo, source: str, folder: Path) -> str:
    where = {"local": "A model folder on this computer", "cache": "Downloaded earlier from the Hugging Face Hub"}
    text = f"{where.get(source, 'A model')} ({info.architecture}"
    text += f", {info.parameters / 1e6:.0f}M parameters)." if info.parameters else ")."
    if info.parameters is None:
        pickles = [p.name for pattern in PICKLE_WEIGHTS for p in folder.glob(pattern)]
        return text + (" Not usable: its weights are only in the old .bin format." if pickles
                       else " Not usable: it has no model.safetensors weights.")
    return text + " Works offline."


def _is_text_model_folder(folder: Path) -> bool:
    # image and audio models have config.json too, but no tokenizer
    return (folder / "config.json").is_file() and any((folder / f).is_file() for f in _TOKENIZER_FILES)


def _local_cards(extra_dirs: Iterable[str | Path]) -> Iterator[ModelCard]:
    for directory in extra_dirs:
        root = Path(directory).expanduser()
        if not root.is_dir():
            continue
        candidates = [root] if _is_text_model_folder(root) else sorted(p for p in root.iterdir() if p.is_dir())
        for folder in candidates:
            if _is_text_model_folder(folder):
                yield _card(str(folder.resolve()), folder.name, "local", folder.resolve())


def _cache_cards(cache_dir: str | Path | None) -> Iterator[ModelCard]:
    try:
        from huggingface_hub import scan_cache_dir

        repos = scan_cache_dir(cache_dir).repos
    except Exception as exc:  # no cache yet (CacheNotFound) or an unreadable one: nothing to list
        logger.debug("No Hugging Face cache to list: %s", exc)
        return
    for repo in sorted(repos, key=lambda r: r.repo_id.lower()):
        folder = _snapshot_folder(repo) if repo.repo_type == "model" else None
        if folder is not None and _is_text_model_folder(folder) and safetensors_files(folder):
            yield _card(repo.repo_id, repo.repo_id, "cache", folder)


def _snapshot_folder(repo: Any) -> Path | None:
    revisions = sorted(repo.revisions, key=lambda r: ("main" in r.refs, r.last_modified), reverse=True)
    return Path(revisions[0].snapshot_path) if revisions else None
