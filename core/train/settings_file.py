"""A run's settings as a YAML file: saved from the Train page or a script, loaded by `train --config FILE`."""

from __future__ import annotations

from pathlib import Path

from core.errors import ConfigError
from core.train.config import TrainConfig

HEADER = "# Fine-Tune Studio run settings: python -m core train --config THIS_FILE (flags override it)\n"


def to_yaml(config: TrainConfig) -> str:
    import yaml

    return HEADER + yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True)


def save_settings(config: TrainConfig, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(to_yaml(config), encoding="utf-8")
    return path


def read_settings(text: str, source: str = "the settings file") -> dict:
    """The values a YAML text holds (only TrainConfig's own keys are kept, with a warning for the rest)."""
    import yaml

    try:
        values = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError([f"{source} is not valid YAML ({error.__class__.__name__}); fix it or save it again "
                           "from the Train page."]) from error
    if not isinstance(values, dict):
        raise ConfigError([f"{source} should hold settings as 'name: value' lines."])
    return TrainConfig.from_dict(values).to_dict()


def load_settings(path: str | Path) -> TrainConfig:
    path = Path(path)
    if not path.exists():
        raise ConfigError([f"The settings file '{path}' does not exist."])
    return TrainConfig.from_dict(read_settings(path.read_text(encoding="utf-8"), f"'{path}'"))
