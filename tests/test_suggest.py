"""core.labels.suggest: which model may suggest labels, and the least sure unlabelled text first."""

from __future__ import annotations

from core.data.texts import LabelledTexts
from core.labels.store import LabelStore
from core.labels.suggest import most_uncertain, suggesting_run
from core.store.runs import RunRecord, RunStore


def test_the_least_sure_unlabelled_text_comes_first(tmp_path):
    store = LabelStore(tmp_path)
    data = LabelledTexts(["a", "b", "c", "d"], [None, None, "x", None], "text", "label", "test")
    project = store.create_project("p", data).id
    sure = {0: 0.9, 1: 0.55, 2: 0.51, 3: 0.7}
    assert most_uncertain(store, project, sure) == 1  # row 2 is labelled already
    assert most_uncertain(store, project, sure, skip=[1]) == 3
    assert most_uncertain(store, project, {0: 0.6}) == 0  # rows without a suggestion come last
    store.bulk_set(project, {0: "x", 1: "x", 3: "x"})
    assert most_uncertain(store, project, sure) is None


def test_only_a_finished_model_that_knows_no_other_labels_suggests(tmp_path):
    runs = RunStore(tmp_path)
    folder = tmp_path / "runs" / "r1"
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "config.json").write_text("{}")
    run = RunRecord(id="r1", name="r1", status="completed", config={}, run_dir=str(folder), created_at=1.0,
                    results={"metrics": {"labels": ["neg", "pos"]}})
    runs.add_run(run)
    assert suggesting_run(runs, ["pos", "neg", "neutral"]).id == "r1"
    assert suggesting_run(runs, ["pos"]) is None
    runs.update("r1", status="stopped")
    assert suggesting_run(runs, ["pos", "neg"]) is None
