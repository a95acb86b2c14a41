"""Use a finished classifier: load once, then probabilities for every label, for one text or a whole file."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ModelError, RunError
from core.store.run_folder import model_dir
from core.store.runs import RunStore
from core.train.inference import answer_table, load_saved, probabilities
from core.train.task_answers import task_fields, task_of_config, task_table
from core.train.thresholds import read_thresholds

log = logging.getLogger(__name__)
DEFAULT_MAX_LENGTH = 512  # for a folder that is not a run's: the most that most encoders take


@dataclass
class Prediction:
    text: str
    label: str
    confidence: float
    probabilities: dict[str, float]   # every label, in the model's label order
    milliseconds: float
    text_pair: str | None = None  # the second text, for a model of pairs
    labels: list[str] | None = None  # multi-label: every label over its threshold (none, one or several)
    value: float | None = None  # regression: the predicted number

    def to_dict(self) -> dict[str, Any]:
        pair = {"text_pair": self.text_pair} if self.text_pair is not None else {}
        task = {k: v for k, v in (("labels", self.labels), ("value", self.value)) if v is not None}
        return {"text": self.text, **pair, "label": self.label, "confidence": self.confidence,
                "probabilities": self.probabilities, "milliseconds": self.milliseconds, **task}


class Answers:
    """predict() and predict_table() for anything with `labels` and `probabilities(texts, pairs=...)`: the PyTorch
    Predictor and the ONNX export answer the pages in the same shapes."""

    labels: list[str]  # and a probabilities() of the class it is mixed into

    def predict(self, text: str, text_pair: str | None = None) -> Prediction:
        started = time.perf_counter()
        probs = self.probabilities([text], pairs=[text_pair] if text_pair is not None else None)[0]
        elapsed = (time.perf_counter() - started) * 1000
        best = max(range(len(probs)), key=probs.__getitem__)
        return Prediction(text, self.labels[best], round(probs[best], 4),
                          {name: round(p, 4) for name, p in zip(self.labels, probs, strict=True)}, round(elapsed, 1),
                          text_pair, **task_fields(self, probs))

    def predict_table(self, texts: list[str], pairs: list[str] | None = None):
        """A DataFrame: text (and text_pair), predicted label, confidence, and one probability column per label."""
        if getattr(self, "task", "single-label") != "single-label":  # the labels over threshold, or the number
            return task_table(self.task, texts, self.probabilities(texts, pairs=pairs), self.labels, pairs,
                              getattr(self, "thresholds", None))
        return answer_table(texts, self.probabilities(texts, pairs=pairs), self.labels, pairs)


class Predictor(Answers):
    """A loaded classifier folder (from a run, or any Hugging Face sequence classifier).

    Texts are cut at the run's own max length (read beside the folder, or from the tokenizer a run saved), so
    answers here match the ones training reported; `device` None means the GPU when there is one.
    """

    def __init__(self, folder: str | Path, max_length: int | None = None, device: str | None = None) -> None:
        import torch

        folder = Path(folder)
        if not (folder / "config.json").exists():
            raise ModelError(f"'{folder}' holds no finished model.", "Pick a run that has completed.")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, self.tokenizer = load_saved(folder, self.device)
        id2label = self.model.config.id2label
        self.labels = [id2label[i] for i in range(len(id2label))]
        self.task = task_of_config(self.model.config)  # single-label, multi-label or regression
        self.thresholds = read_thresholds(folder, self.labels) if self.task == "multi-label" else None
        limit = getattr(self.tokenizer, "model_max_length", None) or DEFAULT_MAX_LENGTH
        self.max_length = max_length or run_max_length(folder) or min(DEFAULT_MAX_LENGTH, limit)
        self.pairs = takes_pairs(folder)  # trained on pairs of texts: every answer needs both

    def probabilities(self, texts: list[str], batch_size: int = 64,
                      pairs: list[str] | None = None) -> list[list[float]]:
        """Probabilities per label for each text (with its second text); batched by length to waste little padding."""
        return probabilities(self.model, self.tokenizer, texts, self.max_length, self.device, batch_size, pairs)



def run_model_folder(store: RunStore, run_id: str) -> Path:
    """The finished model of a run, or a RunError saying why there is none."""
    run = store.get(run_id)
    if run is None:
        raise RunError(f"There is no run called '{run_id}'.", "List the runs with: python -m core runs list")
    folder = model_dir(run.run_dir)
    if not (folder / "config.json").exists():
        raise RunError(f"Run '{run_id}' has no finished model (it is {run.status}).",
                       "Pick a completed run, or resume this one and let it finish.")
    return folder


def run_max_length(folder: str | Path) -> int | None:
    """The max length a run trained with, from its config.json beside the model folder; None for other folders."""
    settings = Path(folder).parent / "config.json"
    try:
        saved = json.loads(settings.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or not {"data", "model"} <= set(saved):  # not a TrainConfig
        return None
    value = saved.get("max_length")
    return int(value) if isinstance(value, int | float) and value > 0 else None


def takes_pairs(folder: str | Path) -> bool:
    """Whether the run behind this model folder trained on pairs of texts (its saved settings say so)."""
    results = Path(folder).parent / "results.json"
    try:
        saved = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and bool(saved.get("text_pair_column"))


def serving_device(store: RunStore | None, folder: str | Path, loaded_on_gpu: bool = False) -> str:
    """Where a page should run this model: 'cuda' only when the GPU is free for it, else 'cpu'.

    The CPU while a training holds the GPU (a run of the store is running on it), and when the GPU's free
    memory is short or unknown: a demo answers a little slower rather than fail with out-of-memory.
    """
    from core import device as devices

    gpu = devices.describe_device()
    if gpu.kind != "cuda":
        return "cpu"
    if store is not None and any(_on_gpu(run.device, gpu.name) for run in store.list_runs(("running",))):
        return "cpu"
    if loaded_on_gpu:
        return "cuda"
    free = free_gpu_mb()
    return "cuda" if free is not None and free >= needed_gpu_mb(folder) else "cpu"


def _on_gpu(run_device: str | None, gpu_name: str) -> bool:
    # a run that has not said its device yet is about to claim the GPU; training_device() takes it when present
    return run_device is None or gpu_name in run_device or "cuda" in run_device.lower()


def needed_gpu_mb(folder: str | Path) -> float:
    """The GPU memory a model of this folder needs to answer: its weights, room for a batch, and the CUDA context."""
    weights = sum(p.stat().st_size for p in Path(folder).glob("*") if p.suffix in (".safetensors", ".bin"))
    return weights / 2**20 * 1.5 + 1024


def free_gpu_mb() -> float | None:
    """Free memory of the first GPU in MiB (nvidia-smi: no CUDA context is made); None when it cannot be read."""
    import shutil
    import subprocess

    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.free", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5, check=True).stdout
        return float(out.strip().splitlines()[0])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return None
