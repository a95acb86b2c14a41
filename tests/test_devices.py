"""Devices: `python -m core devices`, the Model page's list and the Train page's picker (GPUs faked: none here)."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.train.config import TrainConfig
from tests.pagetext import assert_no_error, page_text
from ui.state import load_choices

TWO_GPUS = [{"id": "cuda:0", "name": "NVIDIA H100", "memory_gb": 80.0, "free_gb": 79.0},
            {"id": "cuda:1", "name": "NVIDIA H100", "memory_gb": 80.0, "free_gb": 3.0}]  # another job holds cuda:1


@pytest.fixture()
def two_gpus(monkeypatch):
    import core.device
    from ui import devices

    monkeypatch.setattr(core.device, "_nvidia_gpus", lambda: [dict(g) for g in TWO_GPUS])
    devices.devices.clear()
    yield
    devices.devices.clear()


def test_devices_json_lists_the_cpu_last_with_its_name(capsys):
    assert main(["devices", "--json"]) == 0
    found = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert found[-1]["id"] == "cpu" and found[-1]["name"]
    assert all({"id", "name", "memory_gb", "free_gb"} <= set(d) for d in found[:-1])  # the GPUs, when there are


def test_device_names_are_checked_before_a_run_is_made(tmp_path):
    config = TrainConfig(data=str(tmp_path), devices="gpu0,cpu", nnodes=2)
    with pytest.raises(Exception) as error:
        config.validate()
    text = str(error.value)
    assert "'gpu0' is not a device name" in text and "not both" in text and "--rdzv-endpoint" in text


def test_the_model_page_lists_every_gpu_and_the_cpu(empty_workspace, open_page, two_gpus):
    at = open_page("model").run()
    assert_no_error(at)
    text = page_text(at)
    assert "cuda:0" in text and "79.0 GB free" in text and "cuda:1" in text and "CPU" in text


def test_the_train_page_picks_the_free_gpus_and_shows_the_effective_batch(empty_workspace, open_page, two_gpus):
    at = open_page("train").run()
    assert_no_error(at)
    picker = at.multiselect[0]
    assert picker.value == ["cuda:0"]  # cuda:1 is nearly full: not picked by default
    picker.set_value(["cuda:0", "cuda:1"]).run()
    assert_no_error(at)
    assert load_choices(empty_workspace).config.devices == "cuda:0,cuda:1"
    batch = load_choices(empty_workspace).config.batch_size
    assert f"{batch * 2} texts per step" in page_text(at)


def test_the_train_page_on_a_cpu_shows_the_cpu_and_its_processes(empty_workspace, open_page):
    at = open_page("train").run()
    assert_no_error(at)
    assert "CPU" in page_text(at) and not at.multiselect
    assert any(n.label == "Processes on the CPU" for n in at.number_input)


def test_a_run_in_two_processes_says_so_with_its_effective_batch(empty_workspace, open_page, no_workers):
    import dataclasses
    import os
    import time

    from core.runs.runner import create_run
    from core.store.runs import RunStore

    store = RunStore(empty_workspace)
    config = dataclasses.replace(load_choices(empty_workspace).config, devices="cpu", nproc=2, batch_size=4)
    run = create_run(store, config)
    now = time.time()
    store.update(run.id, status="running", pid=os.getpid(), heartbeat=now, started_at=now - 5, global_step=2,
                 max_steps=40, device="Test CPU (8 GB)")
    at = open_page("train").run()
    assert_no_error(at)
    assert "Trains in 2 processes on cpu: 4 texts each, 8 per step." in page_text(at)
