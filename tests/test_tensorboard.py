"""Every run writes TensorBoard event files that TensorBoard itself reads: loss, learning rate, grad norm, scores."""

from __future__ import annotations

from core.store.runs import RunStore
from core.train.tensorboard import events_dir


def test_a_finished_run_has_event_files_tensorboard_reads(finished_run_workspace):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = RunStore(finished_run_workspace).list_runs()[0]
    accumulator = EventAccumulator(str(events_dir(run.run_dir)))
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"])
    assert {"train/loss", "train/learning_rate", "train/grad_norm"} <= tags, tags
    assert {"eval/accuracy", "eval/macro_f1"} <= tags, tags
    assert len(accumulator.Scalars("train/loss")) >= 2
