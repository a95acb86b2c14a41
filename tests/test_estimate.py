"""Will it fit: memory and time per epoch before training, and the fixes offered when it does not fit."""

from __future__ import annotations

import pytest

from core.device import DeviceInfo
from core.store.runs import RunRecord
from core.train.config import TrainConfig
from core.train.estimate import (
    GB,
    TokenStats,
    estimate,
    fixes,
    guess_tokens,
    lora_parameters,
    measured_speed,
    model_shape,
)

CPU = DeviceInfo("cpu", "Test CPU", 16.0, 4, None)
SMALL_GPU = DeviceInfo("cuda", "NVIDIA T4", 4.0, 8, None)
BIG_GPU = DeviceInfo("cuda", "NVIDIA H100 80GB HBM3", 80.0, 16, None)
SHORT = TokenStats(mean=30, longest=90)
BERT_BASE = dict(hidden_size=768, layers=12)


def config(**values) -> TrainConfig:
    return TrainConfig.from_preset("balanced", data="x.csv", **{"batch_size": 32, **values})


def test_full_fine_tuning_keeps_16_bytes_per_parameter_plus_activations():
    result = estimate(110_000_000, config(), 1000, SHORT, BIG_GPU, **BERT_BASE)
    assert result.model_gb == pytest.approx(110e6 * 16 / GB, rel=0.01)
    # batch 32 x 90 tokens (the longest text, under max length 128) x 768 x 12 layers x 68 bytes
    assert result.activations_gb == pytest.approx(32 * 90 * 768 * 12 * 68 / GB, rel=0.01)
    assert result.memory_gb > result.model_gb + result.activations_gb  # plus the CUDA context
    assert result.fits and result.trained_parameters == 110_000_000


def test_max_length_caps_the_activations():
    long_texts = TokenStats(mean=400, longest=2000)
    short_cut = estimate(110_000_000, config(max_length=128), 1000, long_texts, BIG_GPU, **BERT_BASE)
    long_cut = estimate(110_000_000, config(max_length=512), 1000, long_texts, BIG_GPU, **BERT_BASE)
    assert long_cut.activations_gb == pytest.approx(4 * short_cut.activations_gb, rel=0.01)
    assert long_cut.seconds_per_epoch > short_cut.seconds_per_epoch


def test_lora_trains_few_parameters_and_needs_less_memory():
    full = estimate(350_000_000, config(), 1000, SHORT, SMALL_GPU, hidden_size=1024, layers=24)
    lora = estimate(350_000_000, config(lora=True, lora_r=8), 1000, SHORT, SMALL_GPU, hidden_size=1024, layers=24)
    assert lora.trained_parameters == lora_parameters(1024, 24, 8) < 350_000_000 // 50
    assert lora.model_gb < full.model_gb / 3
    assert lora.seconds_per_epoch < full.seconds_per_epoch


def test_time_grows_with_rows_and_a_gpu_is_faster_than_a_cpu():
    small = estimate(22_700_000, config(), 1000, SHORT, CPU, hidden_size=384, layers=6)
    double = estimate(22_700_000, config(), 2000, SHORT, CPU, hidden_size=384, layers=6)
    gpu = estimate(22_700_000, config(), 1000, SHORT, BIG_GPU, hidden_size=384, layers=6)
    assert double.seconds_per_epoch == pytest.approx(2 * small.seconds_per_epoch, rel=0.05)
    assert gpu.seconds_per_epoch < small.seconds_per_epoch / 5
    assert small.steps_per_epoch == 32  # 1000 rows in batches of 32
    assert not small.measured


def test_a_measured_speed_beats_the_flops_guess():
    result = estimate(22_700_000, config(), 900, SHORT, CPU, measured_samples_per_second=30.0, measured_run="r1")
    assert result.measured and result.measured_run == "r1"
    assert result.seconds_per_epoch == pytest.approx(30.0)


def test_a_model_too_big_for_the_device_gets_fixes_that_fit():
    settings = config(batch_size=64, max_length=512)
    long_texts = TokenStats(mean=300, longest=512)
    result = estimate(350_000_000, settings, 5000, long_texts, SMALL_GPU, hidden_size=1024, layers=24)
    assert not result.fits
    found = fixes(350_000_000, settings, 5000, long_texts, SMALL_GPU, hidden_size=1024, layers=24)
    assert found, "a fix should exist for a 350M model on a 4 GB GPU"
    assert all(fix.estimate.fits for fix in found)
    assert {fix.code for fix in found} <= {"batch_size", "max_length", "lora", "combined"}
    for fix in found:
        changed = TrainConfig.from_dict({**settings.to_dict(), **fix.overrides})
        assert estimate(350_000_000, changed, 5000, long_texts, SMALL_GPU, hidden_size=1024,
                        layers=24).memory_gb == fix.estimate.memory_gb


def test_no_fixes_when_it_fits_and_none_when_nothing_can():
    assert fixes(22_700_000, config(), 300, SHORT, CPU, hidden_size=384, layers=6) == []
    tiny_device = DeviceInfo("cuda", "Toy GPU", 1.0, 1, None)
    assert fixes(7_000_000_000, config(), 300, SHORT, tiny_device) == []


def run(run_id: str, status="completed", model="default", device="Test CPU", speed=50.0, **config_values):
    return RunRecord(id=run_id, name=run_id, status=status, config={"model": model, "data": "x.csv",
                     "max_length": 128, "lora": False, **config_values}, run_dir="/nowhere", created_at=0.0,
                     results={"train_samples_per_second": speed, "device": {"name": device}})


def test_measured_speed_comes_from_a_completed_run_of_the_same_model_on_the_same_device():
    settings = config(model="default")
    runs = [run("failed", status="failed", speed=999), run("other-model", model="bert", speed=999),
            run("other-device", device="Another CPU", speed=999), run("match", speed=40.0)]
    assert measured_speed(runs, settings, CPU, SHORT) == (40.0, "match")
    assert measured_speed(runs[:3], settings, CPU, SHORT) is None


def test_measured_speed_prefers_the_closest_run_and_scales_to_the_max_length():
    texts = TokenStats(mean=200, longest=400)
    runs = [run("newest-other-data", speed=10.0, data="y.csv", max_length=64), run("same", speed=20.0)]
    speed, run_id = measured_speed(runs, config(model="default", max_length=128), CPU, texts)
    assert run_id == "same" and speed == pytest.approx(20.0)
    speed, run_id = measured_speed(runs[:1], config(model="default", max_length=128), CPU, texts)
    assert run_id == "newest-other-data" and speed == pytest.approx(10.0 * 64 / 128)  # longer texts, slower


def test_token_guess_counts_chinese_characters_and_english_words():
    chinese = guess_tokens(["这部电影很好看"])  # 7 characters
    english = guess_tokens(["This film is great"])  # 4 words
    assert chinese.mean == pytest.approx(2 + 7)
    assert english.mean == pytest.approx(2 + 4 * 1.3)
    assert guess_tokens([]).mean == 2.0
    assert guess_tokens(["a", "a b c d e f g h"]).longest > guess_tokens(["a"]).longest


def test_model_shape_is_guessed_from_the_parameter_count_when_unknown():
    assert model_shape(110_000_000, 768, 12) == (768, 12)
    hidden, layers = model_shape(110_000_000, None, None)
    assert layers == 12 and 512 <= hidden <= 1024


# ------------------------------------------------------------------------------ measured, not guessed

@pytest.mark.slow
def test_measured_steps_of_the_packaged_model_give_a_cost_that_grows_with_the_tokens():
    from core.train.calibrate import measure

    cost = measure("default", steps=2)
    assert cost.per_token > 0 and cost.fixed >= 0
    assert cost.step_seconds(16, 128) > cost.step_seconds(16, 32) > 0
    assert cost.forward_seconds(1000) < cost.step_seconds(1, 1000)  # evaluating costs less than training


def test_the_standby_measures_the_built_in_model_then_the_ones_asked_for_once_each(tmp_path):
    from core.train.calibrate import cached_cost, calibrate_next, request_calibration
    from tests.tiny import build_tiny_bert

    built_in, chosen = build_tiny_bert(tmp_path / "built-in"), build_tiny_bert(tmp_path / "chosen")
    workspace = tmp_path / "ws"
    request_calibration(workspace, str(chosen))
    first = calibrate_next(workspace, "Test CPU", default_model=str(built_in))
    second = calibrate_next(workspace, "Test CPU", default_model=str(built_in))
    assert (first.model, second.model) == (str(built_in), str(chosen))
    assert calibrate_next(workspace, "Test CPU", default_model=str(built_in)) is None  # nothing left to measure
    assert cached_cost(workspace, str(chosen), "Test CPU") == second
    assert cached_cost(workspace, str(chosen), "Another CPU") is None  # per device


def test_a_run_handed_to_the_standby_interrupts_its_measurement(tmp_path):
    from core.train.calibrate import cached_cost, calibrate_next
    from tests.tiny import build_tiny_bert

    built_in, workspace = str(build_tiny_bert(tmp_path / "built-in")), tmp_path / "ws"
    assert calibrate_next(workspace, "Test CPU", default_model=built_in, interrupted=lambda: True) is None
    assert cached_cost(workspace, built_in, "Test CPU") is None  # nothing half-measured is kept
    assert calibrate_next(workspace, "Test CPU", default_model=built_in).model == built_in  # measured when idle


def test_a_model_that_cannot_be_measured_is_dropped_from_the_wish_list(tmp_path):
    from core.train.calibrate import calibrate_next, request_calibration
    from tests.tiny import build_tiny_bert

    workspace = tmp_path / "ws"
    request_calibration(workspace, str(tmp_path / "no-such-model"))
    built_in = str(build_tiny_bert(tmp_path / "built-in"))
    assert calibrate_next(workspace, "Test CPU", default_model=built_in).model == built_in
    assert calibrate_next(workspace, "Test CPU", default_model=built_in) is None


def test_a_measured_step_cost_sets_the_time_and_its_range_is_narrower_than_a_guess():
    from core.train.calibrate import StepCost

    cost = StepCost("default", "Test CPU", False, fixed=0.05, per_token=1e-4, measured_at=0)
    tokens = TokenStats(mean=40, longest=90, lengths=[20, 40, 60, 200])
    result = estimate(22_000_000, config(batch_size=16, max_length=64), 1600, tokens, CPU, step_cost=cost,
                      val_rows=400)
    length = 1.1 * (20 + 40 + 60 + 64) / 4  # texts cut at max length 64, plus the padding left in a batch
    expected = 100 * (0.05 + 1e-4 * 16 * length) + 1e-4 / 3 * 400 * length
    assert result.basis == "measured" and result.seconds_per_epoch == pytest.approx(expected, abs=0.1)
    rough = estimate(22_000_000, config(batch_size=16, max_length=64), 1600, tokens, CPU, val_rows=400)
    low, high = result.run_seconds(3)
    rough_low, rough_high = rough.run_seconds(3)
    assert low < 3 * result.seconds_per_epoch < high
    assert high / low < rough_high / rough_low


def test_token_counts_from_the_model_s_tokenizer_replace_the_guess(tmp_path):
    from core.models.tokens import load_token_counter
    from core.train.estimate import count_tokens

    stats = count_tokens(load_token_counter("default"), ["a short one", "a much longer text " * 20, "  "])
    assert stats.lengths is not None and len(stats.lengths) == 2  # the blank text is not counted
    assert stats.longest > 60 and stats.padded_mean(16) == pytest.approx(1.1 * (min(stats.lengths[0], 16) + 16) / 2)


def test_a_run_records_its_estimate_beside_the_time_it_took(finished_run_workspace):
    import json

    run_dir = next((finished_run_workspace / "runs").iterdir())
    results = json.loads((run_dir / "results.json").read_text())
    estimate = results["estimate"]
    assert 0 < estimate["low"] <= estimate["seconds"] <= estimate["high"]
    assert estimate["seconds_per_step"] > 0 and estimate["basis"] in ("run", "measured", "rough")
    assert results["seconds"]["total"] > 0  # the actual time, to compare with
