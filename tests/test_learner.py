"""The Label page's learner (core.labels.learner, core.labels.watcher): what it finds, and that it stays light.

No timed assertions: the speed comes from what a pass does not do (load the encoder, embed again, import the
heavy libraries), and that is what these check. The deadlines below only keep a broken learner from hanging.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.tiny import build_tiny_bert, write_toy_csv
from tests.waiting import ended as _ended
from tests.waiting import wait_for as _wait_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("learner") / "tiny-bert")


def _project(tmp_path: Path, rows: int, labelled: int):
    from core.data.texts import load_texts
    from core.labels.store import LabelStore

    data = load_texts(write_toy_csv(tmp_path / "toy.csv", rows=rows), "text", "label")
    truth = list(data.labels)
    data.labels = [lab if i < labelled else None for i, lab in enumerate(data.labels)]
    store = LabelStore(tmp_path / "ws")
    return store, store.create_project("toy", data), truth


def test_a_deliberately_mislabelled_row_comes_first_among_the_labels_most_likely_wrong():
    from core.labels.learner import fit_and_answer

    rng = np.random.default_rng(0)
    centres = {"sport": np.full(8, 2.0), "cooking": np.full(8, -2.0)}
    truth = ["sport", "cooking"] * 20
    vectors = np.stack([centres[lab] + rng.normal(0, 1.0, 8) for lab in truth] + [rng.normal(0, 1.0, 8)] * 4)
    labels = list(truth) + [None] * 4
    labels[7] = "sport"  # a cooking text labelled sport by mistake
    result = fit_and_answer(vectors, labels, list(range(100, 144)))
    assert result["wrong_by"] == "cleanlab"
    first = result["most_likely_wrong"][0]
    assert (first["row"], first["label"], first["model_says"]) == (107, "sport", "cooking")
    assert all(w["label"] != w["model_says"] for w in result["most_likely_wrong"])
    assert sorted(result["suggestions"]) == ["140", "141", "142", "143"]


def test_a_pass_with_every_vector_cached_loads_neither_the_encoder_nor_torch(tmp_path, tiny_bert):
    from core.labels import learner

    store, project, _ = _project(tmp_path, rows=30, labelled=20)
    learner.learn(tmp_path / "ws", project.id, model=str(tiny_bert))  # embeds all 30 texts into the cache
    store.set_label(project.id, 25, "positive")
    script = ("import json, sys; from core.labels import learner; "
              f"r = learner.learn({str(tmp_path / 'ws')!r}, {project.id}, model={str(tiny_bert)!r}); "
              "print(json.dumps([r['labelled'], [m for m in ('torch', 'transformers', 'sentence_transformers') "
              "if m in sys.modules]]))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [21, []]


def test_background_embedding_reports_progress_and_a_restarted_learner_carries_on(tmp_path, tiny_bert):
    from core.labels import learner
    from core.labels.watcher import Watcher, read_status

    store, project, truth = _project(tmp_path, rows=100, labelled=10)
    ws = tmp_path / "ws"
    first = Watcher(ws, project.id, model=str(tiny_bert), chunk=8)
    assert first.load_cached() == 0
    assert read_status(ws, project.id)["embedded"] == 0 and read_status(ws, project.id)["rows"] == 100
    first.learn()  # the labelled texts are embedded first, to learn at once
    assert read_status(ws, project.id)["embedded"] == 10
    assert len(learner.read_result(ws, project.id)["suggestions"]) == 0  # no unlabelled text embedded yet
    first.embed_next()
    first.embed_next()
    assert read_status(ws, project.id)["embedded"] == 26  # "getting to know your texts: 26 of 100"
    del first  # the process ends here (a restart, a crash)

    again = Watcher(ws, project.id, model=str(tiny_bert), chunk=8)
    assert again.load_cached() == 26 and again.encoder is None  # nothing embedded twice
    again.learn()
    for row in range(10, 14):
        store.set_label(project.id, row, truth[row])
    assert not again.due()  # four new labels: not yet
    store.set_label(project.id, 14, truth[14])
    assert again.due()
    result = again.learn()
    assert result["labelled"] == 15 and len(result["suggestions"]) == 11  # 26 embedded, 15 of them labelled
    assert again.encoder is None  # the new labels' texts were embedded already
    while again.embed_next():
        pass
    assert len(again.learn()["suggestions"]) == 85 and read_status(ws, project.id)["embedded"] == 100


def test_the_learner_process_follows_the_labels_ends_when_switched_off_and_restarts_without_the_encoder(
        tmp_path, tiny_bert):
    from core.labels import learner, watcher

    store, project, truth = _project(tmp_path, rows=60, labelled=10)
    ws = tmp_path / "ws"

    def result_with(labelled: int):
        result = learner.read_result(ws, project.id) or {}
        return result if result.get("labelled") == labelled and len(result.get("suggestions", {})) == 60 - labelled \
            else None

    watcher.keep_learning(ws, project.id, model=str(tiny_bert))
    assert watcher.watching(ws, project.id)
    _wait_for(lambda: result_with(10), "the first pass over every text")
    for row in range(10, 15):
        store.set_label(project.id, row, truth[row])
    assert _wait_for(lambda: result_with(15), "a pass after 5 more labels")["curve"][-1][0] == 15
    watcher.stop_learning(ws, project.id)
    _wait_for(lambda: not watcher.watching(ws, project.id), "the learner to end")

    watcher.keep_learning(ws, project.id, model=str(tiny_bert))  # switched on again: every vector is cached
    for row in range(15, 20):
        store.set_label(project.id, row, truth[row])
    _wait_for(lambda: result_with(20), "a pass after the restart")
    status = watcher.read_status(ws, project.id)
    assert status["embedded"] == 60 and status["encoder_loaded"] is False
    watcher.stop_learning(ws, project.id)
    _wait_for(lambda: not watcher.watching(ws, project.id), "the learner to end")


def test_a_learner_started_as_the_project_opens_is_ready_before_it_is_switched_on_and_is_the_one_that_learns(
        tmp_path, tiny_bert, monkeypatch):
    from core.labels import learner, watcher

    monkeypatch.setenv(watcher.PREWARM_ENV, "1")
    store, project, truth = _project(tmp_path, rows=60, labelled=0)
    ws = tmp_path / "ws"
    assert watcher.prestart(ws, project.id, model=str(tiny_bert))  # the project opens, the learner off
    assert watcher.head_start(ws, project.id) in ("getting ready", "ready")  # what the page says under the switch
    status = _wait_for(lambda: (watcher.read_status(ws, project.id) or {}).get("state") == "ready"
                       and watcher.read_status(ws, project.id), "the pre-started learner to be ready")
    assert status["encoder_loaded"] and status["embedded"] == 60  # 60 texts: under STANDBY_TEXTS, all known
    pid = status["pid"]
    for row in range(10):
        store.set_label(project.id, row, truth[row])
    time.sleep(1.0)
    assert learner.read_result(ws, project.id) is None  # labels given with the learner off: it only waits
    assert watcher.read_status(ws, project.id)["state"] == "ready" and watcher.head_start(ws, project.id) == "ready"

    monkeypatch.setattr(watcher, "_start", lambda *a: pytest.fail("a second learner was started"))
    assert watcher.prestart(ws, project.id, model=str(tiny_bert))  # the next redraw starts no second one
    watcher.keep_learning(ws, project.id, model=str(tiny_bert))  # switched on: the one waiting is kept
    result = _wait_for(lambda: (r := learner.read_result(ws, project.id)) and r.get("labelled") == 10 and r,
                       "the first pass once switched on")
    assert len(result["suggestions"]) == 50 and result["embedded"] == 60
    assert watcher.read_status(ws, project.id)["pid"] == pid  # the pre-started process learned, no other
    assert watcher._path(ws, project.id, ".watch").read_text().split()[0] == str(pid)
    watcher.stop_learning(ws, project.id)  # switched off with the project still open: it ends
    _wait_for(lambda: _ended(pid), "the learner to end")
    assert not watcher.watching(ws, project.id) and watcher.head_start(ws, project.id) is None


def test_a_pre_started_learner_embeds_the_labelled_texts_and_the_queue_s_first_and_leaves_when_the_page_does(
        tmp_path, tiny_bert, monkeypatch):
    from core.labels import watcher

    store, project, _ = _project(tmp_path, rows=400, labelled=0)
    ws = tmp_path / "ws"
    for row in (350, 390):
        store.set_label(project.id, row, "positive")
    ahead = watcher.Watcher(ws, project.id, model=str(tiny_bert))._ahead()
    assert ahead[:2] == [350, 390] and ahead[2:] == list(range(watcher.STANDBY_TEXTS))  # not all 400

    monkeypatch.setenv(watcher.PREWARM_ENV, "0")
    assert not watcher.prestart(ws, project.id, model=str(tiny_bert)) and not watcher.watching(ws, project.id)
    monkeypatch.setenv(watcher.PREWARM_ENV, "1")
    assert watcher.prestart(ws, project.id, model=str(tmp_path / "no-such-model"))  # a learner that cannot start
    pid = int(watcher._path(ws, project.id, ".watch").read_text().split()[0])
    _wait_for(lambda: _ended(pid), "the failing learner to end")
    assert watcher.read_status(ws, project.id)["state"] == "failed"
    assert not watcher.prestart(ws, project.id, model=str(tmp_path / "no-such-model"))  # not one per redraw
    assert not watcher.watching(ws, project.id)


def test_opening_a_project_on_the_label_page_starts_its_learner_which_switching_on_keeps_and_off_ends(
        empty_workspace, open_page, monkeypatch):
    from core.data.saved import SAMPLE_DIR
    from core.data.texts import load_texts
    from core.labels import watcher
    from core.labels.store import LabelStore
    from tests.pagetext import assert_no_error
    from ui.i18n import t

    monkeypatch.setenv(watcher.PREWARM_ENV, "1")
    store = LabelStore(empty_workspace)
    project = store.create_project("feedback", load_texts(SAMPLE_DIR / "unlabelled_feedback.txt", "text", ""))
    for name in ("positive", "negative"):
        store.add_label(project.id, name)
    at = open_page("label").run()
    assert_no_error(at)
    assert watcher.watching(empty_workspace, project.id)  # started as the project opened, the learner off
    said = {t("learn.warming"), t("learn.ready")}
    assert said & {c.value for c in at.caption}, "the page says the learner is getting ready (or ready)"
    pid = int(watcher._path(empty_workspace, project.id, ".watch").read_text().split()[0])
    at.toggle(key=f"label_learn-{project.id}").set_value(True).run()
    assert_no_error(at)
    assert int(watcher._path(empty_workspace, project.id, ".watch").read_text().split()[0]) == pid  # kept
    at.toggle(key=f"label_learn-{project.id}").set_value(False).run()
    assert_no_error(at)
    _wait_for(lambda: _ended(pid), "the learner to end once switched off")
    at.run()  # a later redraw of this tab starts none ahead again: it was switched off here
    assert not watcher.watching(empty_workspace, project.id)
