"""Try, Evaluate and Label load their model on the CPU while a training holds the GPU, or when its memory is short.

There is no GPU here: the device description and the free memory are stand-ins.
"""

from __future__ import annotations

import time

import pytest

from core import device as devices
from core.serve import predictor as predictor_module
from core.serve.predictor import serving_device
from core.store.runs import RunRecord, RunStore

H200 = devices.DeviceInfo("cuda", "NVIDIA H200", 139.8, 16, None)


@pytest.fixture()
def gpu_machine(monkeypatch):
    """A machine with one H200 that has `free[0]` MiB free."""
    free = [80_000.0]
    monkeypatch.setattr(devices, "describe_device", lambda: H200)
    monkeypatch.setattr(predictor_module, "free_gpu_mb", lambda: free[0])
    return free


def add_run(store: RunStore, status: str, device: str | None) -> None:
    store.add_run(RunRecord(id=f"run-{status}-{device}", name="r", status=status, config={}, run_dir="/nowhere",
                            created_at=time.time(), device=device))


def model_folder(tmp_path, weights_mb: int = 1):
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"\0" * weights_mb * 2**20)
    return folder


def test_a_free_gpu_serves_the_model(gpu_machine, tmp_path):
    store = RunStore(tmp_path / "ws")
    add_run(store, "completed", "NVIDIA H200 (140 GB)")
    assert serving_device(store, model_folder(tmp_path)) == "cuda"


def test_a_training_on_the_gpu_sends_the_model_to_the_cpu(gpu_machine, tmp_path):
    store = RunStore(tmp_path / "ws")
    add_run(store, "running", "NVIDIA H200 (140 GB)")
    assert serving_device(store, model_folder(tmp_path)) == "cpu"
    assert serving_device(store, model_folder(tmp_path / "again"), loaded_on_gpu=True) == "cpu"


def test_a_run_that_has_not_named_its_device_yet_counts_as_on_the_gpu(gpu_machine, tmp_path):
    store = RunStore(tmp_path / "ws")
    add_run(store, "running", None)
    assert serving_device(store, model_folder(tmp_path)) == "cpu"


def test_short_or_unknown_free_memory_sends_the_model_to_the_cpu(gpu_machine, tmp_path):
    store = RunStore(tmp_path / "ws")
    folder = model_folder(tmp_path, weights_mb=400)  # needs about 1.6 GB with the batch and the CUDA context
    gpu_machine[0] = 1_000.0
    assert serving_device(store, folder) == "cpu"
    gpu_machine[0] = None
    assert serving_device(store, folder) == "cpu"
    gpu_machine[0] = 2_000.0
    assert serving_device(store, folder) == "cuda"


def test_a_machine_without_a_gpu_serves_on_the_cpu(monkeypatch, tmp_path):
    monkeypatch.setattr(devices, "describe_device", lambda: devices.DeviceInfo("cpu", "A CPU", 64, 8, None))
    assert serving_device(RunStore(tmp_path / "ws"), model_folder(tmp_path)) == "cpu"


def test_the_pages_loader_loads_on_the_cpu_while_a_run_trains(gpu_machine, tmp_path, monkeypatch):
    from ui import loaders

    loaded = []

    class FakePredictor:
        def __init__(self, folder, max_length=None, device=None):
            loaded.append(device)

        def predict(self, text):
            return None

    monkeypatch.setattr(predictor_module, "Predictor", FakePredictor)
    monkeypatch.setattr(loaders, "import_heavy_libraries", lambda: None)
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    store = RunStore(tmp_path / "ws")
    folder = model_folder(tmp_path)
    loaders._gpu_predictor.clear()
    loaders._predictor.clear()
    loaders.predictor(folder)
    assert loaded == ["cuda"]
    add_run(store, "running", "NVIDIA H200 (140 GB)")
    monkeypatch.setattr(loaders, "release_gpu", lambda: loaded.append("released"))
    loaders.predictor(folder)
    assert loaded == ["cuda", "released", "cpu"]
    loaders._gpu_predictor.clear()
    loaders._predictor.clear()
    loaders._on_gpu.clear()
