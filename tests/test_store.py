"""The run store: what pages and the CLI read back from SQLite."""

import sqlite3
import time

from core.store.runs import RunRecord, RunStore


def make_run(store: RunStore, run_id: str, created: float) -> RunRecord:
    run = RunRecord(id=run_id, name=f"run {run_id}", status="queued", config={"model": "default", "lr": 1e-4},
                    run_dir=str(store.workspace / run_id), created_at=created)
    store.add_run(run)
    return run


def test_runs_round_trip_newest_first_and_survive_a_new_connection(tmp_path):
    store = RunStore(tmp_path)
    make_run(store, "a", time.time() - 10)
    make_run(store, "b", time.time())
    store.update("a", status="completed", results={"metrics": {"accuracy": 0.9}}, stop_requested=True)
    again = RunStore(tmp_path)  # as a restarted server would open it
    assert [r.id for r in again.list_runs()] == ["b", "a"]
    a = again.get("a")
    assert a.status == "completed" and a.results["metrics"]["accuracy"] == 0.9 and a.stop_requested is True
    assert a.config == {"model": "default", "lr": 1e-4}
    assert [r.id for r in again.list_runs(("queued",))] == ["b"]


def test_the_database_is_in_wal_mode(tmp_path):
    RunStore(tmp_path)
    with sqlite3.connect(tmp_path / "studio.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_metrics_in_step_order_and_latest_values(tmp_path):
    store = RunStore(tmp_path)
    make_run(store, "a", time.time())
    store.add_metrics("a", "train", 10, 0.5, {"loss": 0.6})
    store.add_metrics("a", "train", 5, 0.25, {"loss": 0.7})
    store.add_metrics("a", "eval", 10, 0.5, {"loss": 0.5, "accuracy": 0.8})
    assert [p["step"] for p in store.metrics("a", "train")] == [5, 10]
    assert store.latest_metrics("a") == {"loss": 0.6, "eval_loss": 0.5, "eval_accuracy": 0.8}
    store.forget_metrics_after("a", 5)
    assert [p["step"] for p in store.metrics("a")] == [5]


def test_deleting_a_run_removes_its_metrics(tmp_path):
    store = RunStore(tmp_path)
    make_run(store, "a", time.time())
    store.add_metrics("a", "train", 1, 0.1, {"loss": 1.0})
    store.delete_run("a")
    assert store.get("a") is None and store.metrics("a") == []
