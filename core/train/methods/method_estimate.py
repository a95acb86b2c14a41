"""How long a quick or few-shot run takes, before it starts: the texts it embeds and SetFit's contrastive steps.

A fine-tune's time is epochs of training steps (core.train.estimate); these methods have no epochs:
- quick: start (imports, the encoder loaded) + embedding the training texts not cached yet + embedding the
  validation/test rows to score them + a logistic regression (well under a second);
- few-shot: start + SetFit's contrastive steps (pairs of texts, two texts a pair) + embedding the training
  texts for the head + the validation/test rows.
Each part's speed comes, best first, from a finished run of the same method and model on this device (its
`encode_rate` and `contrastive_step_seconds` in results.json), from the model's steps timed here
(core.train.calibrate), or from a count of FLOPs. How many pairs few-shot makes is decided here too
(`pairs_per_text`), so the page, the run and its estimate agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.train.estimate import (
    ACTIVATION_BYTES,
    GB,
    OVERHEAD_GB,
    SPREAD,
    STEP_OVERHEAD_S,
    USABLE_SHARE,
    Estimate,
    device_flops,
    model_shape,
)

START_SECONDS = {"quick": 6.0, "few-shot": 12.0}  # python, torch and (few-shot) setfit imported, the encoder loaded
HEAD_SECONDS = 1.0              # the logistic regression, the baseline beside it, saving the model
ENCODE_BATCH = 64
# SetFit makes 2 x num_iterations pairs per labelled text (one same-label, one different-label). Its default, 20,
# at 8 texts per label on two labels is 640 pairs: 40 steps of 16. More texts get fewer pairs each, so the
# contrastive part stays near that budget (a CPU run of minutes, not hours), never under MIN_PAIRS per text.
DEFAULT_PAIRS, PAIR_BUDGET, MIN_PAIRS = 20, 640, 2


def pairs_per_text(asked: int, texts: int) -> int:
    """SetFit's num_iterations for `texts` labelled texts: `asked` when given (over 0), else within the budget."""
    if asked and asked > 0:
        return int(asked)
    return max(MIN_PAIRS, min(DEFAULT_PAIRS, PAIR_BUDGET // max(1, 2 * texts)))


def contrastive_steps(asked: int, texts: int, batch_size: int) -> int:
    return math.ceil(2 * pairs_per_text(asked, texts) * texts / max(1, batch_size))


@dataclass
class MethodEstimate(Estimate):
    """An Estimate whose `seconds_per_epoch` is the whole run's work (a quick or few-shot run has no epochs)."""

    method: str = "quick"
    texts_to_embed: int = 0
    contrastive_steps: int = 0
    start_seconds: float = 0.0
    step_seconds: float = 0.0   # one contrastive step (few-shot), for the Train page's time left

    def run_seconds(self, epochs: float | None = None) -> tuple[float, float]:  # epochs: not used
        total = self.seconds_per_epoch + self.start_seconds
        spread = SPREAD[self.basis]
        return total / spread, total * spread


def measured_rates(runs: Sequence[Any], model: str, device_name: str) -> dict[str, Any]:
    """Texts embedded per second and seconds per contrastive step (per text in it) from the newest finished
    quick or few-shot runs of `model` on this device; `runs` newest first."""
    found: dict[str, Any] = {}
    for run in runs:
        results = run.results or {}
        if run.status != "completed" or (run.config or {}).get("model") != model or (
                (results.get("device") or {}).get("name") != device_name):
            continue
        if "encode_rate" not in found and results.get("encode_rate"):
            found["encode_rate"], found["run"] = results["encode_rate"], run.id
        if "per_pair_text" not in found and results.get("contrastive_step_seconds"):
            batch = max(1, (run.config or {}).get("batch_size") or 16)
            found["per_pair_text"] = results["contrastive_step_seconds"] / (2 * batch)
            found.setdefault("run", run.id)
    return found


def method_estimate(method: str, parameters: int, config, train_rows: int, scored_rows: int, tokens, device, *,
                    runs: Sequence[Any] = (), step_cost=None, cached_texts: int = 0,
                    hidden_size: int | None = None, layers: int | None = None) -> MethodEstimate:
    """The time of a quick or few-shot run of `config`: `scored_rows` are its validation and test rows together,
    `cached_texts` the training texts whose embeddings the workspace has already (quick only)."""
    length = tokens.padded_mean(config.max_length)
    rates = measured_rates(runs, config.model, device.name)
    per_text, encode_basis = _encode_seconds(parameters, length, device, step_cost, rates)
    embedded = scored_rows + (max(0, train_rows - cached_texts) if method == "quick" else train_rows)
    seconds = embedded * per_text + HEAD_SECONDS
    steps, step_seconds, step_basis = 0, 0.0, encode_basis
    if method == "few-shot":
        batch = max(1, config.batch_size)
        steps = contrastive_steps(config.few_shot_pairs, train_rows, batch)
        step_seconds, step_basis = _step_seconds(parameters, 2 * batch, length, device, step_cost, rates)
        seconds += steps * step_seconds
    basis = min((encode_basis, step_basis), key=["rough", "measured", "run"].index)  # the less sure part decides
    memory, model_gb = _memory(method, parameters, config, tokens, device, model_shape(parameters, hidden_size, layers))
    available = device.memory_gb * USABLE_SHARE.get(device.kind, 0.7)
    return MethodEstimate(memory_gb=round(memory, 2), model_gb=round(model_gb, 2),
                          activations_gb=round(max(0.0, memory - model_gb - OVERHEAD_GB.get(device.kind, 1.0)), 2),
                          available_gb=round(available, 1), fits=memory <= available,
                          seconds_per_epoch=round(seconds, 1), steps_per_epoch=max(1, steps),
                          samples_per_second=round(train_rows / seconds, 1) if seconds else 0.0,
                          measured=basis == "run", measured_run=rates.get("run") if basis == "run" else None,
                          trained_parameters=parameters if method == "few-shot" else 0, basis=basis, method=method,
                          texts_to_embed=embedded, contrastive_steps=steps,
                          start_seconds=START_SECONDS.get(method, 6.0), step_seconds=round(step_seconds, 4))


def _encode_seconds(parameters: int, length: float, device, step_cost, rates: dict) -> tuple[float, str]:
    """Seconds to embed one text (a forward pass, in batches of 64 sorted by length)."""
    if rates.get("encode_rate"):
        return 1.0 / rates["encode_rate"], "run"
    if step_cost is not None:
        return step_cost.forward_seconds(length) + step_cost.fixed / 3 / ENCODE_BATCH, "measured"
    return 2 * parameters * length / device_flops(device) + STEP_OVERHEAD_S.get(device.kind, 0.03) / ENCODE_BATCH, \
        "rough"


def _step_seconds(parameters: int, texts: int, length: float, device, step_cost, rates: dict) -> tuple[float, str]:
    """Seconds of one contrastive step: forward and backward of `texts` texts (both texts of each pair)."""
    if rates.get("per_pair_text"):
        return rates["per_pair_text"] * texts, "run"
    if step_cost is not None:
        return step_cost.step_seconds(texts, length), "measured"
    return 6 * parameters * texts * length / device_flops(device) + STEP_OVERHEAD_S.get(device.kind, 0.03), "rough"


def _memory(method: str, parameters: int, config, tokens, device, shape: tuple[int, int]) -> tuple[float, float]:
    """(peak GB, weights and optimizer GB): few-shot trains every weight with AdamW; quick only reads them."""
    hidden, layers = shape
    model_bytes = parameters * (16 if method == "few-shot" else 4)
    longest = min(config.max_length, max(tokens.longest, 1.0))
    if method == "few-shot":  # both texts of each pair kept for the backward pass
        activations = 2 * config.batch_size * longest * hidden * layers * ACTIVATION_BYTES
    else:  # a forward pass keeps one layer's activations at a time
        activations = ENCODE_BATCH * longest * hidden * ACTIVATION_BYTES
    return (model_bytes + activations) / GB + OVERHEAD_GB.get(device.kind, 1.0), model_bytes / GB


def recorded(estimate: MethodEstimate) -> dict[str, Any]:
    """What results.json keeps (as a fine-tune does), beside results["seconds"]["total"] and the wall time."""
    low, high = estimate.run_seconds()
    per_step = estimate.step_seconds or round((low * high) ** 0.5 / 2, 4)  # quick: two steps, embed and fit
    return {"seconds": round((low * high) ** 0.5, 1), "low": round(low, 1), "high": round(high, 1),
            "basis": estimate.basis, "seconds_per_step": per_step, "texts_to_embed": estimate.texts_to_embed,
            "contrastive_steps": estimate.contrastive_steps}


def estimate_for_run(store, run, config, prepared, method: str, cached_texts: int = 0) -> dict[str, Any] | None:
    """The run's own estimate with its exact rows known (the Train page's figure, kept in results.json); None when
    the model's size is not known."""
    from core.device import training_device
    from core.errors import StudioError
    from core.models.inspect import inspect_model
    from core.train.calibrate import cached_cost
    from core.train.estimate import guess_tokens

    try:
        info = inspect_model(config.model)
    except StudioError:
        return None
    if not info.parameters:
        return None
    device = training_device()
    scored = len(prepared.val) + len(prepared.test or [])
    found = method_estimate(method, info.parameters, config, len(prepared.train), scored,
                            guess_tokens(prepared.train.texts), device,
                            runs=[r for r in store.list_runs(("completed",)) if r.id != run.id],
                            step_cost=cached_cost(store.workspace, config.model, device.name),
                            cached_texts=cached_texts, hidden_size=info.hidden_size, layers=info.layers)
    return recorded(found)


def measured(results: dict[str, Any], method: str, scored_rows: int, steps: int = 0,
             contrastive_seconds: float | None = None) -> dict[str, Any]:
    """The speeds this run measured, for the next run's estimate: texts embedded per second (scoring the
    validation/test rows, the encoder loaded) and, for few-shot, seconds per contrastive step."""
    seconds = results.get("seconds") or {}
    out: dict[str, Any] = {}
    if scored_rows and seconds.get("evaluate"):
        out["encode_rate"] = round(scored_rows / seconds["evaluate"], 2)
    if method == "few-shot" and steps and contrastive_seconds:
        out["contrastive_step_seconds"] = round(contrastive_seconds / steps, 4)
    return out
