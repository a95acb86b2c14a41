"""How long a training step of a model takes on this device, measured, so estimates are not guesses.

A few real forward/backward/optimizer steps of the model at two text lengths give the cost of a step as
`fixed + per_token * tokens in the batch`. The standby worker measures while the user is still choosing
settings (the built-in model always, any other model the Train page asks for), and the result is kept in
the workspace per model and device, so the page's estimate and a run's recorded estimate share one figure.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"
REQUESTS_FILE = "calibration_wanted.json"
BATCH = 16
LENGTHS = (32, 128)  # two lengths separate the per-step cost from the per-token cost
STEPS = 3            # timed steps per length, after one warm-up step
EVAL_SHARE = 1 / 3   # a forward pass alone costs about a third of a training step (forward 2, backward 4 FLOPs)


@dataclass
class StepCost:
    """Seconds per training step = fixed + per_token x (batch size x padded length), for one model on one device."""

    model: str
    device: str
    bf16: bool
    fixed: float
    per_token: float
    measured_at: float

    def step_seconds(self, batch_size: int, length: float) -> float:
        return self.fixed + self.per_token * batch_size * length

    def forward_seconds(self, tokens: float) -> float:
        return self.per_token * EVAL_SHARE * tokens


def cost_key(model: str, device_name: str) -> str:
    return f"{model or 'default'}|{device_name}"


def cached_cost(workspace: str | Path, model: str, device_name: str) -> StepCost | None:
    """The measured step cost of `model` on the named device, or None when it was never measured."""
    entry = _read(Path(workspace) / CALIBRATION_FILE).get(cost_key(model, device_name))
    try:
        return StepCost(**entry) if entry else None
    except TypeError:  # written by another version
        return None


def request_calibration(workspace: str | Path, model: str) -> None:
    """Ask the standby worker to measure `model` when it is idle (the Train page does, for the chosen model)."""
    path = Path(workspace) / REQUESTS_FILE
    wanted = set(_read(path).get("models", []))
    if model not in wanted:
        _write(path, {"models": sorted(wanted | {model})})


class Interrupted(Exception):
    """The measurement gave way: a run is waiting for this process."""


def calibrate_next(workspace: str | Path, device_name: str, default_model: str = "default",
                   interrupted: Callable[[], bool] | None = None) -> StepCost | None:
    """Measure one model not yet measured on this device (the built-in one first, then those asked for).

    One at a time, so a standby worker handed a run meanwhile starts it after one measurement at most.
    None when every wanted model is measured (or could not be: those are dropped from the wish list), or when
    `interrupted` said a run is waiting: it is checked between steps, so the run waits a step, not a measurement.
    """
    workspace = Path(workspace)
    requested = _read(workspace / REQUESTS_FILE).get("models", [])
    for model in [default_model, *[m for m in requested if m != default_model]]:
        if cached_cost(workspace, model, device_name) is not None:
            continue
        try:
            cost = measure(model, interrupted=interrupted)
        except Interrupted:
            return None
        except Exception:  # a model that cannot load is reported where it is used; its estimate stays rough
            log.info("Could not measure the step time of %s", model, exc_info=True)
            _write(workspace / REQUESTS_FILE, {"models": [m for m in requested if m != model]})
            continue
        cost.device = device_name  # kept under the name the pages know the device by
        save_cost(workspace, cost)
        return cost
    return None


def save_cost(workspace: str | Path, cost: StepCost) -> None:
    path = Path(workspace) / CALIBRATION_FILE
    costs = _read(path)
    costs[cost_key(cost.model, cost.device)] = asdict(cost)
    _write(path, costs)


def measure(model: str, steps: int = STEPS, interrupted: Callable[[], bool] | None = None) -> StepCost:
    """Time real training steps of `model` on the training device at two lengths (a few seconds on a CPU)."""
    import torch

    from core.device import training_device
    from core.models.loading import load_classifier

    device = training_device()
    torch_device = torch.device("cuda" if device.kind == "cuda" else device.kind)
    net, tokenizer = load_classifier(model, ["a", "b"])
    net.to(torch_device).train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-5, fused=device.kind in ("cpu", "cuda"))
    vocab = max(int(getattr(tokenizer, "vocab_size", 1000) or 1000), 10)
    short, long = _lengths(net)
    seconds = {}
    for length in (short, long):
        ids = torch.randint(5, vocab - 1, (BATCH, length), device=torch_device)
        labels = torch.randint(0, 2, (BATCH,), device=torch_device)
        seconds[length] = _timed_steps(net, optimizer, ids, labels, device, steps, interrupted)
    per_token = max(0.0, (seconds[long] - seconds[short]) / (BATCH * (long - short)))
    fixed = max(0.0, seconds[short] - per_token * BATCH * short)
    cost = StepCost(model=model, device=device.name, bf16=bool(device.bf16), fixed=round(fixed, 5),
                    per_token=per_token, measured_at=time.time())
    log.info("Measured %s on %s: %.3f s + %.2e s per token a step", model, device.name, fixed, per_token)
    return cost


def _lengths(net) -> tuple[int, int]:
    """The two lengths to time, inside the model's position table (small models take fewer tokens)."""
    limit = int(getattr(net.config, "max_position_embeddings", 0) or LENGTHS[1])
    long = min(LENGTHS[1], limit)
    return min(LENGTHS[0], long // 4), long


def _timed_steps(net, optimizer, ids, labels, device, steps: int, interrupted=None) -> float:
    import torch

    def step() -> None:
        if interrupted is not None and interrupted():
            raise Interrupted
        with torch.autocast(device_type="cuda" if device.kind == "cuda" else "cpu", dtype=torch.bfloat16,
                            enabled=bool(device.bf16)):
            loss = net(input_ids=ids, attention_mask=torch.ones_like(ids), labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.kind == "cuda":
            torch.cuda.synchronize()  # the GPU works asynchronously: wait, or the clock stops too early

    step()  # the first step allocates and picks kernels
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def _read(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write(path: Path, payload: dict) -> None:
    """Atomically (temp file + rename): the page may read while the standby worker writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    tmp.replace(path)
