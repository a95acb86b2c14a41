"""Small pieces of ui/ the browser journeys found wrong: the warm-up import race, one-point loss charts, time left."""

from __future__ import annotations

import threading
import time

import pytest

from core.store.runs import RunRecord
from ui import charts, loaders
from ui.progress import progress, seconds_per_step


def test_a_page_waits_for_the_warm_up_import_instead_of_meeting_it_half_done():
    # two threads importing transformers at once fail with "cannot import name 'AutoTokenizer'"
    done = threading.Event()
    with loaders._heavy_imports:  # the warm-up is importing
        waiter = threading.Thread(target=lambda: (loaders.import_heavy_libraries(), done.set()), daemon=True)
        waiter.start()
        assert not done.wait(0.5)
    assert done.wait(300)


def test_the_first_loss_point_is_drawn():
    figure = charts.loss_figure([{"step": 1, "loss": 0.6931}], [])
    assert [trace.mode for trace in figure.data] == ["markers", "markers"]
    assert figure.data[0].y == figure.data[1].y == (0.6931,)  # not 0.6930999999999999: a sane y axis
    figure = charts.loss_figure([{"step": 1, "loss": 0.69}, {"step": 5, "loss": 0.6}], [])
    assert [trace.mode for trace in figure.data] == ["lines", "lines"]


def test_a_run_of_one_logged_step_shows_its_training_loss_on_the_runs_page():
    from ui.review_charts import runs_loss_figure

    one = {"name": "a", "train": [{"epoch": 1.0, "loss": 0.69}], "evals": [{"epoch": 1.0, "loss": 0.7}]}
    two = {"name": "b", "train": [{"epoch": 0.5, "loss": 0.69}, {"epoch": 1.0, "loss": 0.6}], "evals": []}
    figure = runs_loss_figure([one, two], "epoch")
    assert [trace.mode for trace in figure.data] == ["markers", "lines+markers", "lines"]


def running(**changes) -> RunRecord:
    now = time.time()
    values = dict(id="r", name="r", status="running", config={}, run_dir="/nowhere", created_at=now - 40,
                  started_at=now - 40, global_step=5, max_steps=105)
    return RunRecord(**{**values, **changes})


def test_time_left_leaves_the_start_up_out():
    now = time.time()
    # 20 s of start-up, then steps 1..5 at 2 s each: 100 steps to go take 200 s, not 100 x 40 / 5 = 800 s
    points = [{"step": 1, "time": now - 10, "loss": 0.7}, {"step": 5, "time": now - 2, "loss": 0.6}]
    assert seconds_per_step(running(), points) == 2
    assert 190 < progress(running(), points).left < 210
    one = points[:1]  # only the first step logged yet: its pace to now
    assert seconds_per_step(running(), one, now=now) == 2.5
    assert seconds_per_step(running(), []) is None
    assert seconds_per_step(running(global_step=2), one, now=now - 9.5) is None  # half a second: too soon to tell
    # no pace measured yet: the run's own estimate, never the time since the worker started (start-up included)
    assert progress(running(), []).left is None
    estimated = running(results={"estimate": {"seconds_per_step": 1.5}})
    assert progress(estimated, []).left == pytest.approx((estimated.max_steps - estimated.global_step) * 1.5)
    # a resumed run measures only the steps since it resumed
    resumed = running(global_step=55, resumed_from_step=50)
    assert seconds_per_step(resumed, points + [{"step": 52, "time": now - 6}, {"step": 55, "time": now}]) == 2


def test_a_chart_of_one_or_a_few_steps_ticks_whole_steps():
    # plotly spaces ticks by halves over a short range: step 59 read as 59, 59.5, 60
    for figure in (charts.loss_figure([{"step": 59, "loss": 0.69}], []),
                   charts.metrics_figure([{"step": 59, "accuracy": 0.8, "macro_f1": 0.7}])):
        assert figure.layout.xaxis.dtick == 1 and figure.layout.xaxis.tickformat == "d"
    long = charts.loss_figure([{"step": s, "loss": 0.7 - s / 1000} for s in range(5, 400, 5)], [])
    assert long.layout.xaxis.dtick is None and long.layout.xaxis.tickformat == "d"  # plotly's own round ticks


def test_equal_accuracy_and_macro_f1_are_both_visible():
    # two balanced labels often score the same: macro-F1's line must not hide accuracy's
    figure = charts.metrics_figure([{"step": 10, "accuracy": 0.75, "macro_f1": 0.75},
                                    {"step": 20, "accuracy": 0.85, "macro_f1": 0.85}])
    accuracy, f1 = figure.data
    assert (accuracy.name, f1.name) == ("accuracy", "macro-F1")  # accuracy drawn first, underneath
    assert accuracy.line.width > f1.line.width and accuracy.marker.size > f1.marker.size
    assert f1.line.dash == "dash" and accuracy.line.dash is None


def test_the_loss_axis_starts_at_zero_so_the_first_points_are_readable():
    # bf16 CPUs log first losses 0.005 apart; an autoscaled axis that narrow made the chart unreadable
    from ui.review_charts import runs_loss_figure

    first = charts.loss_figure([{"step": 5, "loss": 0.6934}, {"step": 10, "loss": 0.6911}], [])
    assert first.layout.yaxis.rangemode == "tozero"
    runs = runs_loss_figure([{"name": "a", "train": [{"step": 5, "loss": 0.69}], "evals": []}], "step")
    assert runs.layout.yaxis.rangemode == "tozero" and runs.layout.xaxis.dtick == 1


def test_shares_are_written_one_way():
    from ui import format as fmt

    assert [fmt.percent(x) for x in (0.8281, 0.832, 1.0, None)] == ["82.8%", "83.2%", "100.0%", "–"]
    # Streamlit's "percent" format drops digits (82.81% beside 83.2%) unless a step of 0.001 fixes one decimal
    for column in (fmt.percent_column("Recall"), fmt.percent_column("p(a)", bar=False)):
        assert column["type_config"]["format"] == "percent" and column["type_config"]["step"] == 0.001


def test_every_model_picker_names_the_test_score_when_there_is_one():
    """Try and Evaluate list a run by one score: its test rows' when it kept some apart, else its validation's."""
    from ui.evaluate_sections import run_label

    tested = RunRecord(id="r1", name="pairs", status="completed", config={}, run_dir="/x", created_at=0.0,
                       ended_at=0.0, results={"metrics": {"accuracy": 0.95}, "test_metrics": {"accuracy": 0.91}})
    untested = RunRecord(id="r2", name="pairs", status="completed", config={}, run_dir="/x", created_at=0.0,
                         ended_at=0.0, results={"metrics": {"accuracy": 0.95}})
    assert "91%" in run_label(tested) and "95%" not in run_label(tested)
    assert "95%" in run_label(untested)
