"""TrainConfig: the one description of a training run.

Each field carries its label, help text and bounds in `metadata`, so the command line and
the dashboard's widgets are both generated from here and can never disagree.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.train.presets import PRESETS

log = logging.getLogger(__name__)


def _field(default: Any, label: str, help: str, *, minimum: float | None = None,
           maximum: float | None = None, choices: tuple | None = None, advanced: bool = True,
           cli: bool = True, page: str = "train", path: bool = False, required: bool = False) -> Any:
    """A TrainConfig field with what its CLI flag and its widget are made from.

    page: where the dashboard asks for it ("model", "data" or "train"; "cli": never); path: a file, made absolute
    on the command line; required: the command line refuses to train without it.
    """
    meta = {"label": label, "help": help, "min": minimum, "max": maximum, "choices": choices,
            "advanced": advanced, "cli": cli, "page": page, "path": path, "required": required}
    return field(default=default, metadata=meta)


@dataclass
class TrainConfig:
    """Everything that decides what a training run does."""

    data: str = _field("", "Training data", "A file of texts and labels (csv, tsv, xlsx, jsonl, json, parquet).",
                       advanced=False, page="data", path=True, required=True)
    val_data: str | None = _field(None, "Validation data",
                                  "An optional separate file to measure the model on; otherwise a share of "
                                  "the training data is held out.", page="data", path=True)
    text_column: str | None = _field(None, "Text column", "The column holding the texts; detected when empty.",
                                      page="data")
    label_column: str | None = _field(None, "Label column", "The column holding the labels; detected when empty.",
                                       page="data")
    text_pair_column: str | None = _field(None, "Second text column", "For pairs of texts (question1/question2, "
                                          "premise/hypothesis): the column of each pair's second text, read "
                                          "together with the first; detected when empty, '' for single texts.",
                                          page="data")
    task: str = _field("auto", "Task", "What the model learns: one label per text (single-label), several "
                       "(multi-label), or a number (regression); auto detects it from the label column.",
                       choices=("auto", "single-label", "multi-label", "regression"), page="data")
    label_columns: str | None = _field(None, "Label columns", "Several 0/1 columns, one per label, comma-separated "
                                       "(A,B,C): a multi-label task.", page="data")
    label_separator: str | None = _field(None, "Label separator", "What separates several labels in one cell "
                                         "(; | , ， 、); detected when empty.", page="data")
    tune_thresholds: bool = _field(True, "Tune thresholds", "Multi-label: choose each label's decision threshold "
                                   "on the validation rows (else 0.5).")
    model: str = _field("default", "Model", "'default' (the built-in MiniLM-L6, works offline), a local folder, "
                        "or a Hugging Face Hub id.", advanced=False, page="model")
    preset: str = _field("balanced", "Preset", "A ready-made set of settings: quick, balanced or best.",
                         choices=tuple(PRESETS), advanced=False)
    method: str = _field("fine-tune", "Method", "fine-tune: train every weight (best with a few hundred labelled rows "
                         "or more); few-shot: SetFit, for about 4-64 labelled rows per label; quick: the model frozen "
                         "with a logistic regression on its sentence embeddings, a model in seconds.",
                         choices=("fine-tune", "few-shot", "quick"), advanced=False)
    few_shot_pairs: int = _field(0, "Pairs per text (few-shot)", "Few-shot only: how many pairs of texts (same "
                                 "label or not) each labelled text makes for SetFit's contrastive training "
                                 "(SetFit's num_iterations); more takes longer. 0 = chosen for the rows: SetFit's "
                                 "20 up to 16 texts, fewer for more, about 40 steps in all.", minimum=0, maximum=200)
    name: str = _field("", "Run name", "A name to find this run by later; made up when empty.", advanced=False)
    epochs: float = _field(4.0, "Epochs", "How many times training passes over all the data.", minimum=0.05,
                           maximum=100)
    batch_size: int = _field(16, "Batch size", "Texts per training step; smaller uses less memory.", minimum=1,
                             maximum=1024)
    learning_rate: float = _field(8e-5, "Learning rate", "How big each update is; too high makes the loss jump.",
                                  minimum=1e-7, maximum=1e-2)
    max_length: int = _field(128, "Max length (tokens)", "Longer texts are cut to this many tokens.", minimum=8,
                             maximum=8192)
    truncation: str = _field("head", "Long texts keep", "Which tokens of a text longer than the max length are "
                             "kept: head (the start), tail (the end) or head+tail (a quarter from the start, the "
                             "rest from the end, which keeps a review's verdict).",
                             choices=("head", "tail", "head+tail"))
    val_fraction: float = _field(0.2, "Validation share", "Share of the data held out to measure the model when "
                                 "no validation file is given.", minimum=0.05, maximum=0.5, page="data")
    test_fraction: float = _field(0.0, "Test share", "Share of the data kept apart until training ends, then used "
                                  "once to score the final model: its honest score (0 = no test part).",
                                  minimum=0.0, maximum=0.5, page="data")
    test_data: str | None = _field(None, "Test data", "An optional separate file to score the final model on once "
                                   "training ends; replaces the test share.", page="data", path=True)
    seed: int = _field(42, "Seed", "The same seed with the same data and settings gives the same model.",
                       minimum=0, maximum=2**31 - 1)
    weight_decay: float = _field(0.01, "Weight decay", "Keeps weights small to limit overfitting.", minimum=0.0,
                                 maximum=1.0)
    warmup_ratio: float = _field(0.1, "Warm-up share", "Share of steps over which the learning rate ramps up.",
                                 minimum=0.0, maximum=0.5)
    early_stopping_patience: int = _field(0, "Early stopping patience", "Stop after this many evaluations without "
                                          "improvement (0 = never stop early).", minimum=0, maximum=50)
    class_weights: bool = _field(True, "Balance classes", "Weigh rare labels up so an imbalanced dataset does not "
                                 "teach the model to always answer the common label.")
    lora: bool = _field(False, "LoRA", "Train small adapter matrices instead of the whole model (peft); uses less "
                        "memory on big models.")
    lora_r: int = _field(8, "LoRA rank", "Size of the LoRA adapters.", minimum=1, maximum=256)
    checkpoint_steps: int = _field(0, "Checkpoint every N steps", "Save a checkpoint every N steps as well as at "
                                   "each epoch end (0 = epoch ends only).", minimum=0, maximum=10**7)
    val_max_rows: int = _field(5000, "Validation rows at most", "Big data: the validation share holds at most this "
                               "many rows (5,000 measure a score to about a point); 0 = no limit.", minimum=0,
                               maximum=10**8, page="data")
    eval_every: int = _field(0, "Evaluate every N steps", "Measure the model on the validation rows every N steps "
                             "instead of at each epoch end, so long epochs show a validation curve early (0 = epoch "
                             "ends).", minimum=0, maximum=10**7)
    max_steps: int = _field(0, "Stop after N steps", "End the run after this many training steps, keeping its best "
                            "model (0 = run every epoch).", minimum=0, maximum=10**8)
    time_budget: float = _field(0.0, "Time budget (minutes)", "End the run after this many minutes of training, "
                                "keeping its best model (0 = no limit).", minimum=0.0, maximum=10**5)
    sample_rows: int = _field(0, "Train on a sample of N rows", "Try it on a sample first: a stratified sample of "
                              "this many rows (every label in its share) before the whole file (0 = every row).",
                              minimum=0, maximum=10**8)
    logging_steps: int = _field(5, "Log every N steps", "How often the loss is written to the chart.", minimum=1,
                                maximum=10**5)
    # where it trains (core.runs.launcher): drawn by the Train page's device picker ("devices"), or flags alone ("cli")
    devices: str = _field("", "Devices", "The GPUs to train on, e.g. 'cuda:0,cuda:1', or 'cpu'; empty: every free "
                          "GPU, else the CPU. Several GPUs train together, one process each (torchrun).",
                          page="devices")
    nproc: int = _field(1, "Processes", "On the CPU: how many processes train together (gloo), for a many-core "
                        "server; on GPUs there is one process per GPU.", minimum=1, maximum=256, page="devices")
    gradient_accumulation: int = _field(1, "Gradient accumulation", "Batches added up before each update: the "
                                        "effective batch is batch size x devices x this.", minimum=1,
                                        maximum=1024, page="cli")
    nnodes: int = _field(1, "Machines", "How many machines train this run together (each runs the same command "
                         "with its own --node-rank; the workspace folder must be shared).", minimum=1,
                         maximum=1024, page="cli")
    node_rank: int = _field(0, "Machine rank", "This machine's number among --nnodes, from 0 (machine 0 creates "
                            "the run).", minimum=0, maximum=1023, page="cli")
    rdzv_endpoint: str = _field("", "Rendezvous address", "HOST:PORT of machine 0, where the machines meet "
                                "(torchrun's c10d rendezvous); needed with --nnodes above 1.", page="cli")
    # never a widget: whoever can reach the page could run Hub code; the dashboard takes it from the server's
    # environment (STUDIO_TRUST_REMOTE_CODE=1, see ui.widgets.page_run_config)
    trust_remote_code: bool = _field(False, "Trust remote code", "Run code shipped with a Hub model. Only for models "
                                     "you trust. The dashboard allows it only when started with "
                                     "STUDIO_TRUST_REMOTE_CODE=1.", page="cli")

    def validate(self) -> None:
        """Raise ConfigError listing every broken rule at once."""
        problems = [p for f in fields(self) if (p := _check_field(f, getattr(self, f.name)))]
        if self.preset not in PRESETS:
            problems.append(f"Preset '{self.preset}' is unknown; pick one of {', '.join(PRESETS)}.")
        if self.method not in ("fine-tune", "few-shot", "quick"):
            problems.append(f"Method '{self.method}' is unknown; pick fine-tune, few-shot or quick.")
        if self.truncation not in ("head", "tail", "head+tail"):
            problems.append(f"Truncation '{self.truncation}' is unknown; pick head, tail or head+tail.")
        if not self.data:
            problems.append("No training data was given.")
        elif not Path(self.data).exists():
            problems.append(f"The training data file '{self.data}' does not exist.")
        if self.val_data and not Path(self.val_data).exists():
            problems.append(f"The validation file '{self.val_data}' does not exist.")
        if self.test_data and not Path(self.test_data).exists():
            problems.append(f"The test file '{self.test_data}' does not exist.")
        held = (0 if self.val_data else self.val_fraction) + (0 if self.test_data else self.test_fraction)
        if held > 0.8:
            problems.append(f"The validation and test shares hold out {held:.0%} of the data, leaving too little "
                            "to learn from; keep them under 80% together.")
        problems += _placement_problems(self)
        if problems:
            raise ConfigError(problems)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """A config from saved values; keys it does not know are named in a warning, never silently dropped."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            log.warning("Ignoring settings this version does not know: %s", ", ".join(unknown))
        return cls(**{k: v for k, v in values.items() if k in known})

    def with_preset(self, preset: str) -> TrainConfig:
        """This config switched to another preset: the preset's values replace the old ones, the rest stays."""
        return dataclasses.replace(self, preset=preset, **PRESETS.get(preset, {}))

    def changed_from_preset(self) -> dict[str, Any]:
        """The Train page's settings that differ from what the preset alone would give."""
        base = TrainConfig.from_preset(self.preset if self.preset in PRESETS else "balanced")
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.metadata.get("page") == "train" and f.metadata.get("advanced")
                and getattr(self, f.name) != getattr(base, f.name)}

    @classmethod
    def from_preset(cls, preset: str = "balanced", **overrides: Any) -> TrainConfig:
        """A config with the preset's values, then any explicit overrides (None means 'not given')."""
        values = dict(PRESETS.get(preset, {}))
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["preset"] = preset
        return cls.from_dict(values)


def _placement_problems(config: TrainConfig) -> list[str]:
    """Devices written as `python -m core devices` names them, and machines that can find each other."""
    names = [d.strip() for d in (config.devices or "").split(",") if d.strip()]
    problems = [f"Device '{d}' is not a device name; use cpu or cuda:N as `python -m core devices` lists them."
                for d in names if d != "cpu" and not (d.startswith("cuda:") and d[5:].isdigit())]
    if "cpu" in names and len(names) > 1:
        problems.append("A run trains on GPUs or on the CPU, not both; give --devices cpu or only cuda:N names.")
    if config.nnodes > 1 and ":" not in (config.rdzv_endpoint or ""):
        problems.append("Training on several machines needs --rdzv-endpoint HOST:PORT (machine 0's address).")
    if config.node_rank >= config.nnodes:
        problems.append(f"--node-rank {config.node_rank} is not among --nnodes {config.nnodes} (0 to "
                        f"{config.nnodes - 1}).")
    return problems


def _check_field(f: dataclasses.Field, value: Any) -> str | None:
    meta = f.metadata
    label = meta.get("label", f.name)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if meta.get("min") is not None and value < meta["min"]:
        return f"{label} must be at least {meta['min']:g} (it is {value:g})."
    if meta.get("max") is not None and value > meta["max"]:
        return f"{label} must be at most {meta['max']:g} (it is {value:g})."
    return None


def field_specs() -> list[dict[str, Any]]:
    """Name, type, default and metadata of every field: what widgets and CLI flags are built from."""
    specs = []
    for f in fields(TrainConfig):
        default = f.default if f.default is not dataclasses.MISSING else None
        specs.append({"name": f.name, "type": type(default).__name__ if default is not None else "str",
                      "default": default, **f.metadata})
    return specs


def setting_label(key: str) -> str:
    """A setting's name as the settings form shows it ("Learning rate"); unknown keys made readable."""
    labels = {f.name: f.metadata.get("label", f.name) for f in fields(TrainConfig)}
    return labels.get(key, key.replace("_", " ").capitalize())


