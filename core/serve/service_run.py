"""Serve a run: its predictor (PyTorch, or its ONNX export), what /info says, and the service as a background
process the Runs page can start and stop (its pid and port in the run folder's serve.json).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from core.errors import RunError
from core.serve.onnx_export import export_folder
from core.serve.predictor import Predictor, run_model_folder
from core.store.run_folder import read_results, write_json
from core.store.runs import RunStore

log = logging.getLogger(__name__)
SERVING = "serve.json"
ENGINES = ("pytorch", "onnx", "onnx-int8")


def load_for_run(store: RunStore, run_id: str, engine: str = "pytorch"):
    """(predictor, info) for a finished run; engine 'onnx'/'onnx-int8' needs its export (python -m core export)."""
    folder = run_model_folder(store, run_id)
    run = store.get(run_id)
    if engine == "pytorch":
        predictor = Predictor(folder)
    else:
        from core.serve.onnx_predict import OnnxPredictor

        exported = export_folder(run.run_dir)
        int8 = engine == "onnx-int8"
        if not (exported / ("model.int8.onnx" if int8 else "model.onnx")).exists():
            raise RunError(f"Run '{run_id}' has no {'int8 ' if int8 else ''}ONNX export yet.",
                           f"Export it first: python -m core export --run {run_id} --format onnx"
                           + (" --quantize int8" if int8 else ""))
        predictor = OnnxPredictor(exported, int8=int8)
    return predictor, run_info(run, predictor, engine)


def run_info(run, predictor, engine: str) -> dict[str, Any]:
    """What GET /info answers: labels, task, model, the run's scores."""
    results = read_results(run.run_dir)
    config = _config(run.run_dir)
    return {"run_id": run.id, "name": config.get("name") or run.id, "task": config.get("task", "single_label"),
            "labels": list(predictor.labels), "model": config.get("model") or "default", "engine": engine,
            "max_length": predictor.max_length, "metrics": _scores(results.get("metrics") or {}),
            "test_metrics": _scores(results.get("test_metrics") or {})}


def _scores(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if isinstance(v, int | float)}


def _config(run_dir: Path) -> dict:
    try:
        return json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def serve_command(run_id: str, host: str = "127.0.0.1", port: int = 8000, engine: str = "pytorch") -> str:
    """The command a user can paste into a terminal to serve this run."""
    extra = f" --engine {engine}" if engine != "pytorch" else ""
    host_part = f" --host {host}" if host != "127.0.0.1" else ""
    return f"python -m core serve --run {run_id}{host_part} --port {port}{extra}"


def start_background(store: RunStore, run_id: str, port: int, engine: str = "pytorch") -> dict[str, Any]:
    """Start `python -m core serve` for this run as its own process; its pid and port go to serve.json."""
    run = store.get(run_id)
    if run is None:
        raise RunError(f"There is no run called '{run_id}'.", "Pick a run from the table.")
    running = serving_state(store, run_id)
    if running:
        return running
    log_file = open(Path(run.run_dir) / "serve_log.txt", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        [sys.executable, "-m", "core", "serve", "--run", run_id, "--port", str(port), "--engine", engine,
         "--workspace", str(store.workspace)], stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    state = {"pid": process.pid, "port": port, "host": "127.0.0.1", "engine": engine}
    write_json(Path(run.run_dir) / SERVING, state)
    return state


def serving_state(store: RunStore, run_id: str) -> dict[str, Any] | None:
    """serve.json when its process still lives, else None."""
    run = store.get(run_id)
    if run is None:
        return None
    path = Path(run.run_dir) / SERVING
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state


def stop_background(store: RunStore, run_id: str) -> bool:
    """Stop the service this page started for the run; False when none was running."""
    state = serving_state(store, run_id)
    if state is None:
        return False
    try:
        os.kill(int(state["pid"]), signal.SIGTERM)
    except OSError:
        return False
    (Path(store.get(run_id).run_dir) / SERVING).unlink(missing_ok=True)
    return True
