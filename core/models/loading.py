"""Load a model as a sequence classifier over the user's labels, with its tokenizer (encoders and decoders, LoRA).

torch, transformers and peft are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.errors import DataError, ModelError, OutOfMemory
from core.models.config_file import SANE_MAX_LENGTH, is_decoder, max_positions, read_config
from core.models.hub import first_line
from core.models.lora import HEAD_KEY_PREFIXES, wrap_lora
from core.models.resolve import display_name, resolve_model
from core.models.weights import PICKLE_WEIGHTS, safetensors_files

logger = logging.getLogger(__name__)


def load_tokenizer(model: str, *, trust_remote_code: bool = False) -> Any:
    """The (fast, Rust-backed) tokenizer of `model`, with a sensible model_max_length."""
    folder = resolve_model(model, trust_remote_code=trust_remote_code)
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=trust_remote_code)
    except Exception as exc:
        logger.warning("Tokenizer of %s failed to load", folder, exc_info=True)
        raise _load_error(display_name(model), exc) from exc
    if not getattr(tokenizer, "model_max_length", None) or tokenizer.model_max_length >= SANE_MAX_LENGTH:
        # tokenizers saved without a limit report 1e30, which would make truncation a no-op
        limit = max_positions(read_config(folder), folder)
        if limit:
            tokenizer.model_max_length = limit
    return tokenizer


def load_classifier(model: str, labels: list[str], *, lora: bool = False, lora_r: int = 8,
                    trust_remote_code: bool = False, problem_type: str | None = None) -> tuple[Any, Any]:
    """`model` as a sequence classifier over `labels` (in that order), and its tokenizer.

    The saved model's config carries the user's label names, so its pipeline answers with them; `problem_type`
    ("multi_label_classification", "regression": one output named `labels[0]`) sets its loss and its pipeline's
    activation.
    """
    names = [str(label) for label in labels] if problem_type == "regression" else _check_labels(labels)
    folder = resolve_model(model, trust_remote_code=trust_remote_code)
    _require_safetensors(folder, display_name(model))
    tokenizer = load_tokenizer(str(folder), trust_remote_code=trust_remote_code)
    net = _load_sequence_classifier(folder, names, trust_remote_code, display_name(model), problem_type)
    _set_padding(net, tokenizer, is_decoder(read_config(folder)))
    if lora:
        net = wrap_lora(net, lora_r)
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
    if safetensors_files(folder):
        return
    pickles = sorted(p.name for pattern in PICKLE_WEIGHTS for p in folder.glob(pattern))
    if pickles:
        raise ModelError(f"The model '{name}' has its weights only as {pickles[0]}, an old format that can run "
                         "hidden code when it is opened, so Fine-Tune Studio does not load it.",
                         "Pick a model that has a model.safetensors file (most models on the Hugging Face Hub "
                         "do), or convert this one to safetensors with a tool you trust.")
    raise ModelError(f"The model '{name}' has no weights file (model.safetensors).",
                     "The folder is incomplete: copy or download the model again, or pick another model.")


def _load_sequence_classifier(folder: Path, labels: list[str], trust_remote_code: bool, name: str,
                              problem_type: str | None = None) -> Any:
    from transformers import AutoModelForSequenceClassification

    kwargs = dict(num_labels=len(labels), id2label=dict(enumerate(labels)), **(
                  {"problem_type": problem_type} if problem_type else {}),
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
    head = [k for k in missing if k.split(".")[0] in HEAD_KEY_PREFIXES or ".pooler." in k]
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
                          "Only if you trust the model's authors: train with --trust-remote-code on the command line, "
                          "or start the dashboard with STUDIO_TRUST_REMOTE_CODE=1. Otherwise pick another model.")
    if "Unrecognized configuration class" in text:
        return ModelError(f"The model '{name}' cannot be used as a text classifier.",
                          "Pick an encoder (BERT-like) or decoder (GPT-like) text model.")
    if "does not recognize this architecture" in text or "Unrecognized model" in text:
        return ModelError(f"The model '{name}' is of a kind this version of transformers does not know.",
                          "Update transformers, or pick another model.")
    if type(exc).__name__ == "SafetensorError" or "deserializing header" in text:
        return ModelError(f"The weights file of the model '{name}' is damaged or incomplete.", again)
    return ModelError(f"The model '{name}' could not be loaded: {first_line(exc)}",
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
