"""Everything a page reads that costs time, cached the Streamlit way.

Files are keyed by path and modification stamp, so an edited file is read again. Loaded models
and tokenizers live in `st.cache_resource` and are shared by every session: never mutate them.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import streamlit as st

from core.errors import DataError

log = logging.getLogger(__name__)
_warm_up_started = threading.Event()
# transformers' lazy module is not safe to import from two threads at once: a page that asked for
# AutoTokenizer while the warm-up was half-way through got "ImportError: cannot import name 'AutoTokenizer'".
_heavy_imports = threading.Lock()


def file_stamp(path: str | Path) -> tuple[int, int]:
    """What changes when a file changes; a DataError when it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        raise DataError(f"The file '{Path(path).name}' is no longer there.",
                        "Pick another dataset on the Data page.") from None
    return stat.st_mtime_ns, stat.st_size


@st.cache_data(max_entries=16, show_spinner=False)
def _table(path: str, stamp: tuple[int, int]):
    from core.data.files import read_table

    return read_table(path)


def table(path: str):
    """The file as a table of strings (core.data.Table)."""
    return _table(str(path), file_stamp(path))


@st.cache_data(max_entries=16, show_spinner=False)
def _texts(path: str, stamp: tuple[int, int], text_column: str | None, label_column: str | None,
           pair: str | None = None, task: tuple | None = None):
    from core.data.texts import load_texts

    if task:  # (task, label columns, separator): several labels per text or a score (core.data.task_texts)
        from core.data.task_texts import load_task_texts

        return load_task_texts(path, text_column, label_column, pair, *task)
    return load_texts(path, text_column, label_column, pair)


def texts(path: str, text_column: str | None, label_column: str | None, pair: str | None = None,
          task: tuple | None = None):
    """The file's texts and labels (core.data.LabelledTexts) for the chosen columns; `pair`: the second texts'."""
    return _texts(str(path), file_stamp(path), text_column or None, label_column, pair, task)


@st.cache_resource(max_entries=4, show_spinner=False)
def tokenizer(model: str) -> Any:
    """Counts the model's tokens for the data report; transformers is needed only without a tokenizer.json."""
    from core.models.resolve import resolve_model
    from core.models.tokens import load_token_counter

    if not (resolve_model(model) / "tokenizer.json").exists():
        import_heavy_libraries()  # waits for the warm-up when it is still importing
    return load_token_counter(model)


@st.cache_data(max_entries=16, show_spinner=False)
def _report(path: str, stamp: tuple[int, int], text_column: str | None, label_column: str | None,
            model: str | None, max_length: int, pair: str | None = None, task: tuple | None = None):
    from core.data.check import add_model_advice, build_report

    data = texts(path, text_column, label_column, pair, task)
    tok = tokenizer(model) if model else None
    report = build_report(data, tok, max_length)
    if model:
        report = add_model_advice(report, model)  # the model does not know the texts' language
    lengths = None
    if tok is not None:
        sample = [x for x in data.texts if x.strip()][:5000]
        lengths = [len(ids) for ids in tok(sample, truncation=False, verbose=False)["input_ids"]] if sample else []
    return report, lengths


def report(path: str, text_column: str | None, label_column: str | None, model: str | None, max_length: int,
           pair: str | None = None, task: tuple | None = None):
    """The data report and the token length of each text (None without a tokenizer); `task`: (task, label
    columns, separator) to read several labels per text or a score."""
    return _report(str(path), file_stamp(path), text_column or None, label_column, model, max_length, pair, task)


@st.cache_data(ttl=60, show_spinner=False)
def model_cards(models_dir: str) -> list:
    """The model catalogue: built in, local folders, the Hugging Face cache (no network)."""
    from core.models.catalogue import list_models

    return list_models([models_dir])


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def model_info(model: str):
    """What a model is (core.models.ModelInfo), from its config and weight headers."""
    from core.models.inspect import inspect_model

    return inspect_model(model)


def _load_predictor(folder: str, device: str):
    from core.serve.predictor import Predictor

    import_heavy_libraries()
    predictor = Predictor(folder, device=device)
    predictor.predict("warm up")  # the first pass pays one-off costs; the user's first sentence should not
    return predictor


@st.cache_resource(max_entries=3, show_spinner=False)
def _predictor(folder: str, stamp: tuple[int, int]):
    return _load_predictor(folder, "cpu")


@st.cache_resource(max_entries=1, show_spinner=False)
def _gpu_predictor(folder: str, stamp: tuple[int, int]):
    """At most one model on the GPU at a time: the server shares it with training workers."""
    predictor = _load_predictor(folder, "cuda")
    _on_gpu.clear()
    _on_gpu.add((folder, stamp))
    return predictor


_on_gpu: set[tuple[str, tuple[int, int]]] = set()  # what _gpu_predictor holds, to know when to let go of it


def predictor(folder: str | Path):
    """A loaded classifier, shared by every session: never change it.

    On the GPU only while no training holds it and its free memory suffices; else on the CPU (and a model
    this server kept on the GPU is let go, so the training gets the memory back).
    """
    from core.device import describe_device
    from core.serve.predictor import serving_device
    from core.store.runs import RunStore
    from core.store.workspace import workspace_path

    key = (str(folder), file_stamp(Path(folder) / "config.json"))
    if describe_device().kind == "cuda" and serving_device(RunStore(workspace_path()), folder,
                                                             loaded_on_gpu=key in _on_gpu) == "cuda":
        try:
            return _gpu_predictor(*key)
        except RuntimeError as error:  # torch.cuda.OutOfMemoryError: the demo goes on, on the CPU
            log.warning("The model did not fit on the GPU (%s); answering on the CPU", error)
            _on_gpu.add(key)  # so that what the failed load took is handed back below
    release_gpu()
    return _predictor(*key)


def release_gpu() -> None:
    """Drop the model kept on the GPU and hand its memory back to the driver, for a training worker."""
    if not _on_gpu:
        return
    _gpu_predictor.clear()
    _on_gpu.clear()
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_initialized():
        torch.cuda.empty_cache()


def warm_up() -> None:
    """Import transformers and torch in the background, once per server, so the first Data or Try page is quick.

    No Streamlit call happens in the thread; a page that needs the libraries meanwhile waits for it
    (`import_heavy_libraries`).
    """
    if _warm_up_started.is_set():
        return
    _warm_up_started.set()
    threading.Thread(target=_warm_up, name="studio-warm-up", daemon=True).start()


def import_heavy_libraries() -> None:
    """Import torch and transformers' auto classes, one thread at a time; at once when already done."""
    with _heavy_imports:
        import torch  # noqa: F401
        from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: F401


def _warm_up() -> None:
    try:
        import_heavy_libraries()
    except Exception:  # the page that needs them will say what is wrong
        log.debug("warm-up import failed", exc_info=True)
