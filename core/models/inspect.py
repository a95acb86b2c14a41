"""What a model is (size, shape, languages, limits), from its config and weight headers; no weights are loaded."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from core.models.config_file import config_value, is_decoder, max_positions, read_config
from core.models.languages import guess_languages
from core.models.resolve import normalise_name, resolve_model
from core.models.weights import count_parameters, safetensors_files, size_mb


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


def inspect_model(model: str) -> ModelInfo:
    """Describe `model` from its config and weight headers; no weights are loaded."""
    folder = resolve_model(model)
    return info_for_folder(normalise_name(model), folder)


def info_for_folder(model_id: str, folder: Path) -> ModelInfo:
    config = read_config(folder)
    weights = safetensors_files(folder)
    architectures = config.get("architectures") or []
    return ModelInfo(
        id=model_id, path=str(folder),
        architecture=str(architectures[0]) if architectures else str(config.get("model_type") or "unknown"),
        model_type=str(config.get("model_type") or "unknown"),
        parameters=count_parameters(weights),
        max_positions=max_positions(config, folder),
        vocab_size=config_value(config, "vocab_size"),
        hidden_size=config_value(config, "hidden_size", "n_embd", "d_model", "dim"),
        layers=config_value(config, "num_hidden_layers", "n_layer", "num_layers", "n_layers"),
        languages=guess_languages(model_id, config),
        is_decoder=is_decoder(config),
        size_mb=size_mb(weights),
    )
