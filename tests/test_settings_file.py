"""A run's settings as YAML: saved, loaded, and overridden by flags on the command line."""

from __future__ import annotations

from core.cli import build_parser, config_from_args
from core.train.config import TrainConfig
from core.train.settings_file import load_settings, save_settings


def test_settings_survive_a_round_trip_through_yaml(tmp_path):
    config = TrainConfig.from_preset("best", data="/data/评论.csv", learning_rate=3e-5, lora=True, name="试一试")
    assert load_settings(save_settings(config, tmp_path / "run.yaml")) == config


def test_flags_given_override_the_file_and_the_rest_comes_from_it(tmp_path):
    data = tmp_path / "toy.csv"
    data.write_text("text,label\na,b\n")
    path = save_settings(TrainConfig.from_preset("quick", data=str(data), epochs=7, seed=5), tmp_path / "r.yaml")
    args = build_parser().parse_args(["train", "--config", str(path), "--epochs", "2", "--batch-size", "4"])
    config = config_from_args(args)
    assert (config.epochs, config.batch_size, config.seed, config.data) == (2, 4, 5, str(data))
    assert config.preset == "quick"
