"""The quick method: the encoder frozen, its sentence embeddings (cached) fed to a logistic regression.

A model in seconds on a CPU, and in well under one once the texts' embeddings are cached. The run
writes what every run writes: results.json, val_predictions.csv (test_predictions.csv), model/.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

from core.store.runs import RunRecord, RunStore

log = logging.getLogger(__name__)


def fit_head(vectors, label_ids: list[int], seed: int = 42):
    """The logistic regression on top of the embeddings; balanced, so a rare label still gets answered."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced", random_state=seed).fit(vectors,
                                                                                                     label_ids)


def embed_texts(workspace, encoder_folder: Path, texts: list[str], max_length: int, stop=None):
    """Embeddings of `texts` by the frozen encoder, from the workspace's cache where it has them."""
    from core.train.methods.embeddings import EmbeddingCache, encoder_key, load_encoder

    cache = EmbeddingCache(workspace, encoder_key(encoder_folder, max_length))
    return cache.embed(lambda: load_encoder(encoder_folder, device_kind(), max_length), texts, stop=stop)


def cached_texts(workspace, encoder_folder: Path, texts: list[str], max_length: int) -> int:
    """How many of `texts` have their embeddings in the workspace's cache already (for the estimate)."""
    from core.train.methods.embeddings import EmbeddingCache, encoder_key

    return EmbeddingCache(workspace, encoder_key(encoder_folder, max_length)).count_cached(texts)


def device_kind() -> str:
    from core.device import training_device

    return training_device().kind


def refuse_pairs_and_other_tasks(prepared, method: str = "quick") -> None:
    """Again inside the run (a run made before the check at its creation existed, say): one label per text."""
    from core.train.methods.refuse import MethodRefused, unsupported_kind

    kind = unsupported_kind(getattr(prepared, "task", "single-label"), prepared.train.text_pairs is not None)
    if kind:
        raise MethodRefused(method, kind)


def run_quick(store: RunStore, run: RunRecord, resume_from: Path | None = None) -> dict[str, Any]:
    """Embed, fit, save, score: the quick run from start to finish (Stop is honoured between batches)."""
    from core.models.resolve import resolve_model
    from core.train.config import TrainConfig
    from core.train.methods.enough import require_enough
    from core.train.methods.method_estimate import estimate_for_run, measured
    from core.train.methods.saved import save_embedding_model
    from core.train.phases import Phases
    from core.train.prepare import prepare_data

    config, run_dir, phases, started = TrainConfig.from_dict(run.config), Path(run.run_dir), Phases(), time.time()
    store.update(run.id, device=device_label(), max_steps=2, global_step=0)
    with phases.time("read_data"):
        prepared = prepare_data(config)
        refuse_pairs_and_other_tasks(prepared, config.method)
        require_enough(prepared.train.texts, prepared.train.labels)
    encoder_folder = resolve_model(config.model, trust_remote_code=config.trust_remote_code)
    estimate = estimate_for_run(store, run, config, prepared, "quick",
                                cached_texts(store.workspace, encoder_folder, prepared.train.texts, config.max_length))
    store.update(run.id, results={"estimate": estimate})
    stop = _stop_check(store, run.id)
    with phases.time("train"):  # embedding the training texts is most of a quick run's time
        vectors = embed_texts(store.workspace, encoder_folder, prepared.train.texts, config.max_length, stop)
        if vectors is None:
            return {**stopped_results(prepared, phases), "method": "quick", "estimate": estimate}
        index = {name: i for i, name in enumerate(prepared.labels)}
        true = [index[lab] for lab in prepared.train.labels]
        head = fit_head(vectors, true, config.seed)
    store.update(run.id, global_step=1, epoch=1.0)
    _record_fit(store, run.id, head, vectors, true)
    with phases.time("save_model"):
        save_embedding_model(run_dir / "model", "quick", prepared.labels, head, config.max_length,
                             lambda path: copy_encoder(encoder_folder, path))
    with phases.time("evaluate"):
        results = evaluate_saved(run_dir, prepared, config.max_length, device_kind())
    store.update(run.id, global_step=2, epoch=1.0)
    store.add_metrics(run.id, "eval", 1, 1.0, {k: results["metrics"][k] for k in ("loss", "accuracy", "macro_f1")})
    results.update(summary(prepared, phases, global_step=2, started=started), estimate=estimate)
    results.update(measured(results, "quick", len(prepared.val) + len(prepared.test or [])))
    return results


def _record_fit(store: RunStore, run_id: str, head, vectors, true: list[int]) -> None:
    from core.train.methods.saved import log_loss

    loss = log_loss(head.predict_proba(vectors).tolist(), true)
    store.add_metrics(run_id, "train", 1, 1.0, {"loss": loss})


def evaluate_saved(run_dir: Path, prepared, max_length: int, device: str) -> dict[str, Any]:
    """Validation and test scores of the saved folder, through the same code Try, Evaluate and predict use."""
    from core.train.finetune import _final_evaluation

    return _final_evaluation(run_dir, prepared, max_length, device)


def copy_encoder(source: Path, target: Path) -> None:
    """The frozen encoder into the model folder (hard links where the disk allows): the zip carries it whole."""
    def link_or_copy(src: str, dst: str) -> None:
        try:
            Path(dst).hardlink_to(src)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.onnx", "onnx", "openvino", "*.bin", "*.h5", "*.msgpack",
                                                  "README.md"))


def summary(prepared, phases, global_step: int, started: float) -> dict[str, Any]:
    from core.device import training_device

    return {"stopped": False, "labels": prepared.labels, "train_rows": len(prepared.train),
            "text_column": prepared.train.text_column, "text_pair_column": None, "val_rows": len(prepared.val),
            "test_rows": len(prepared.test or []), "global_step": global_step, "seconds": phases.as_dict(),
            "wall_seconds": round(time.time() - started, 1),  # the run's own start to its scores, the baseline aside
            "device": training_device().to_dict(), "class_weights": None}


def stopped_results(prepared, phases) -> dict[str, Any]:
    return {"stopped": True, "labels": prepared.labels, "train_rows": len(prepared.train), "global_step": 0,
            "seconds": phases.as_dict()}


def _stop_check(store: RunStore, run_id: str):
    def stop() -> bool:
        run = store.get(run_id)
        return bool(run and run.stop_requested)
    return stop


def device_label() -> str:
    from core.device import training_device

    return training_device().label
