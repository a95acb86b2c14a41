"""Small pieces of ui/ the browser journeys found wrong: the warm-up import race, one-point loss charts, time left."""

from __future__ import annotations

import threading
import time

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
    assert 700 < progress(running(), []).left < 900  # no points: the pace since the worker started
    # a resumed run measures only the steps since it resumed
    resumed = running(global_step=55, resumed_from_step=50)
    assert seconds_per_step(resumed, points + [{"step": 52, "time": now - 6}, {"step": 55, "time": now}]) == 2
