"""Will it fit? Memory and time per epoch of a training run, estimated before it starts.

No torch, no weights: the model's size comes from its config and weight headers (ModelInfo), the
device from `describe_device()`. Memory is what AdamW training in fp32 keeps (weights, gradients,
two optimizer moments: 16 bytes per trained parameter; 4 per frozen one under LoRA) plus the
activations of the biggest batch. Time is the usual 6 x parameters x tokens FLOPs over a device
throughput figure, unless a finished run of the same model on the same device measured it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from core.device import DeviceInfo
from core.train.calibrate import EVAL_SHARE, StepCost
from core.train.config import TrainConfig

GB = 2**30
BYTES_PER_TRAINED_PARAM = 16      # fp32 weight + gradient + AdamW's two moments
BYTES_PER_FROZEN_PARAM = 4        # LoRA: the base model only needs its fp32 weights
ACTIVATION_BYTES = 68             # per token, per hidden unit, per layer kept for backward (34 in 16-bit, x2 in fp32)
OVERHEAD_GB = {"cuda": 0.6, "mps": 0.8, "cpu": 1.2}  # CUDA context / torch and the libraries in RAM
USABLE_SHARE = {"cuda": 0.92, "mps": 0.6, "cpu": 0.7}  # the rest belongs to the system and other programs
STEP_OVERHEAD_S = {"cuda": 0.03, "mps": 0.05, "cpu": 0.02}  # data collation, optimizer bookkeeping, logging
CPU_FLOPS_PER_CORE = 12e9         # effective fp32 training FLOP/s of one core (AVX2/AVX-512, ~30% of peak)
MPS_FLOPS = 4e12
# effective mixed-precision training FLOP/s (roughly a third of peak) by GPU name, first match wins
GPU_FLOPS = [("h200", 200e12), ("h100", 150e12), ("b200", 250e12), ("a100", 80e12), ("l40", 60e12),
             ("4090", 55e12), ("a6000", 30e12), ("3090", 30e12), ("a10", 25e12), ("v100", 25e12),
             ("4080", 35e12), ("3080", 22e12), ("l4", 20e12), ("t4", 10e12)]
DEFAULT_GPU_FLOPS = 15e12
START_SECONDS = 5.0               # loading the model and tokenizing, before the first step
SPREAD = {"run": 1.25, "measured": 1.3, "rough": 2.0}  # how far off each kind of estimate may be (x or /)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+|[^\w\s]")


@dataclass
class TokenStats:
    """How long the texts are in tokens (guessed from words and characters when no tokenizer is at hand)."""

    mean: float
    longest: float
    lengths: list[int] | None = None  # a sample of real token counts, when a tokenizer counted them

    @classmethod
    def from_lengths(cls, lengths: Sequence[int]) -> TokenStats:
        """From real token counts (a tokenizer's), which also tell how many texts a max length cuts."""
        return cls(mean=sum(lengths) / len(lengths), longest=float(max(lengths)), lengths=list(lengths))

    def padded_mean(self, max_length: int) -> float:
        """Tokens per text in a batch: cut at max length, plus the little padding length-grouping leaves."""
        if self.lengths:
            return 1.1 * sum(min(n, max_length) for n in self.lengths) / len(self.lengths)
        return min(max_length, self.mean * 1.1)


@dataclass
class Estimate:
    """Memory and time of one training configuration on one device."""

    memory_gb: float            # peak memory the training needs
    model_gb: float             # weights, gradients and optimizer states
    activations_gb: float       # kept for the backward pass of the biggest batch
    available_gb: float         # what the device can give to it
    fits: bool
    seconds_per_epoch: float
    steps_per_epoch: int
    samples_per_second: float
    measured: bool              # True when the speed comes from a finished run on this device
    measured_run: str | None = None
    trained_parameters: int = 0
    basis: str = "rough"        # "run" (a finished run here), "measured" (steps timed here) or "rough"

    def run_seconds(self, epochs: float) -> tuple[float, float]:
        """The whole run as a range (low, high): a rough count can be far off, a measurement much less."""
        total = self.seconds_per_epoch * epochs + START_SECONDS
        spread = SPREAD[self.basis]
        return total / spread, total * spread

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fix:
    """A change of settings that makes the training fit, with the estimate after it."""

    code: str                   # "batch_size", "max_length", "lora" or "combined"
    overrides: dict[str, Any]
    estimate: Estimate = field(repr=False)


def guess_tokens(texts: Iterable[str], sample: int = 2000) -> TokenStats:
    """Token counts without a tokenizer: a Chinese/Japanese/Korean character is about one token, an English
    word about 1.3 (sub-words), a punctuation mark one; plus the two special tokens every text gets."""
    counts = []
    for i, text in enumerate(texts):
        if i >= sample:
            break
        text = str(text or "")
        cjk = len(_CJK.findall(text))
        words = _WORD.findall(text)
        counts.append(2 + cjk + 1.3 * len(words))
    if not counts:
        return TokenStats(mean=2.0, longest=2.0)
    return TokenStats(mean=sum(counts) / len(counts), longest=max(counts))


def count_tokens(counter: Any, texts: Sequence[str], sample: int = 2000) -> TokenStats:
    """Token counts of a sample of the texts with the model's own tokenizer (a TokenCounter is fast)."""
    picked = [t for t in texts[:sample] if isinstance(t, str) and t.strip()]
    if not picked:
        return guess_tokens(texts, sample)
    return TokenStats.from_lengths([len(ids) for ids in counter(picked, truncation=False, verbose=False)["input_ids"]])


def device_flops(device: DeviceInfo) -> float:
    """Effective training FLOP/s of the device (a rough figure; a measured run beats it)."""
    if device.kind == "cuda":
        name = device.name.lower()
        return next((flops for key, flops in GPU_FLOPS if key in name), DEFAULT_GPU_FLOPS)
    if device.kind == "mps":
        return MPS_FLOPS
    return CPU_FLOPS_PER_CORE * max(1, device.cores)


def model_shape(parameters: int, hidden_size: int | None, layers: int | None) -> tuple[int, int]:
    """Hidden size and layer count; guessed from the parameter count (BERT-like proportions) when unknown."""
    if hidden_size and layers:
        return int(hidden_size), int(layers)
    if not layers:
        layers = 6 if parameters < 40e6 else 12 if parameters < 200e6 else 24 if parameters < 600e6 else 32
    # a transformer layer holds about 12 x hidden^2 parameters
    hidden = hidden_size or max(128, round(math.sqrt(parameters / (12 * layers)) / 64) * 64)
    return int(hidden), int(layers)


def lora_parameters(hidden_size: int, layers: int, rank: int, labels: int = 2) -> int:
    """Parameters LoRA trains: rank-r adapters on the query and value projections, plus the new head."""
    return 2 * layers * 2 * rank * hidden_size + hidden_size * hidden_size + hidden_size * labels


def estimate(parameters: int, config: TrainConfig, rows: int, tokens: TokenStats, device: DeviceInfo, *,
             hidden_size: int | None = None, layers: int | None = None,
             measured_samples_per_second: float | None = None, measured_run: str | None = None,
             step_cost: StepCost | None = None, val_rows: int = 0) -> Estimate:
    """Memory and time per epoch for training `config` on `rows` texts on `device`.

    `rows` is the number of training rows (validation rows already taken out). The time comes, best first,
    from a finished run of the same model here, from steps of the model measured on this device
    (`step_cost`), or from a rough count of FLOPs.
    """
    hidden, depth = model_shape(parameters, hidden_size, layers)
    if config.lora:
        trained = min(parameters, lora_parameters(hidden, depth, config.lora_r))
        model_bytes = parameters * BYTES_PER_FROZEN_PARAM + trained * BYTES_PER_TRAINED_PARAM
    else:
        trained = parameters
        model_bytes = parameters * BYTES_PER_TRAINED_PARAM
    batch = max(1, min(config.batch_size, max(rows, 1)))
    # texts are grouped by length, so the biggest batch is as long as the longest text (up to max length)
    peak_length = min(config.max_length, max(tokens.longest, 1.0))
    activation_bytes = batch * peak_length * hidden * depth * ACTIVATION_BYTES
    memory = (model_bytes + activation_bytes) / GB + OVERHEAD_GB.get(device.kind, 1.0)
    available = device.memory_gb * USABLE_SHARE.get(device.kind, 0.7)

    steps = max(1, math.ceil(rows / batch))
    length = tokens.padded_mean(config.max_length)
    if measured_samples_per_second:
        seconds, basis = rows / measured_samples_per_second, "run"
        seconds *= 1 + EVAL_SHARE * val_rows / max(rows, 1)  # the epoch's evaluation: a forward pass per row
    elif step_cost is not None:
        seconds = steps * step_cost.step_seconds(batch, length) + step_cost.forward_seconds(val_rows * length)
        basis = "measured"
    else:
        # forward 2 FLOPs per parameter and token, backward 4; with frozen weights backward is about half
        flops_per_token = (4 if config.lora else 6) * parameters
        seconds = rows * length * flops_per_token / device_flops(device)
        seconds += steps * STEP_OVERHEAD_S.get(device.kind, 0.03)
        seconds *= 1 + EVAL_SHARE * val_rows / max(rows, 1)
        basis = "rough"
    speed = rows / seconds if seconds else 0.0
    return Estimate(memory_gb=round(memory, 2), model_gb=round(model_bytes / GB, 2),
                    activations_gb=round(activation_bytes / GB, 2), available_gb=round(available, 1),
                    fits=memory <= available, seconds_per_epoch=round(seconds, 1), steps_per_epoch=steps,
                    samples_per_second=round(speed, 1), measured=bool(measured_samples_per_second),
                    measured_run=measured_run if measured_samples_per_second else None, trained_parameters=trained,
                    basis=basis)


def measured_speed(runs: Sequence[Any], config: TrainConfig, device: DeviceInfo,
                   tokens: TokenStats) -> tuple[float, str] | None:
    """Samples/s from the newest completed run of the same model on the same device, scaled to this max length.

    Runs with the same data, max length and LoRA setting are preferred; `runs` are RunRecords, newest first.
    """
    candidates = []
    for run in runs:
        results, old = run.results or {}, run.config or {}
        speed = results.get("train_samples_per_second") or 0
        same_device = (results.get("device") or {}).get("name") == device.name
        if run.status != "completed" or speed <= 0 or not same_device or old.get("model") != config.model:
            continue
        closeness = (old.get("data") == config.data) + (old.get("max_length") == config.max_length) + (
            bool(old.get("lora")) == config.lora)
        candidates.append((closeness, run, speed))
    if not candidates:
        return None
    _, run, speed = max(candidates, key=lambda c: c[0])  # max keeps the first (newest) of equals
    old_length = tokens.padded_mean(run.config.get("max_length") or config.max_length)
    new_length = tokens.padded_mean(config.max_length)
    return speed * old_length / max(new_length, 1.0), run.id


def fixes(parameters: int, config: TrainConfig, rows: int, tokens: TokenStats, device: DeviceInfo,
          **shape: Any) -> list[Fix]:
    """Changes that make a training that does not fit fit, smallest change first; [] when it fits already."""
    def check(code: str, **overrides: Any) -> Fix:
        changed = TrainConfig.from_dict({**config.to_dict(), **overrides})
        return Fix(code, overrides, estimate(parameters, changed, rows, tokens, device, **shape))

    if estimate(parameters, config, rows, tokens, device, **shape).fits:
        return []
    found: list[Fix] = []
    batch = config.batch_size
    while batch > 1:
        batch = max(1, batch // 2)
        fix = check("batch_size", batch_size=batch)
        if fix.estimate.fits:
            found.append(fix)
            break
    for length in (256, 128, 64):
        if length < config.max_length:
            fix = check("max_length", max_length=length)
            if fix.estimate.fits:
                found.append(fix)
                break
    if not config.lora:
        fix = check("lora", lora=True)
        if fix.estimate.fits:
            found.append(fix)
    if not found:
        fix = check("combined", batch_size=min(config.batch_size, 4), max_length=min(config.max_length, 128),
                    lora=True)
        if fix.estimate.fits:
            found.append(fix)
    return found


def run_estimate(parameters: int, config: TrainConfig, train_rows: int, val_rows: int, tokens: TokenStats,
                 device: DeviceInfo, *, runs: Sequence[Any] = (), step_cost: StepCost | None = None,
                 **shape: Any) -> Estimate:
    """The estimate the Train page shows and a run records: a finished run's speed first, else a measured step."""
    measured = measured_speed(runs, config, device, tokens)
    return estimate(parameters, config, train_rows, tokens, device, **shape, val_rows=val_rows, step_cost=step_cost,
                    measured_samples_per_second=measured[0] if measured else None,
                    measured_run=measured[1] if measured else None)
