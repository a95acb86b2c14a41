"""The Label page's learner as one long-lived process per project, so an update lands seconds after the label.

A pass in a fresh process pays for its imports and for reading every vector again (6 s on 2,000 rows, loaded
machine); the first one also embedded all the texts (3 minutes). Instead, switching the learner on starts
`python -m core.labels.learner_process PROJECT` (a Watcher in its own process), which keeps the libraries, the
vectors and the encoder in memory and:

- learns at once from the labels so far (when there are enough), embedding the labelled texts first;
- then embeds the project's other texts a few at a time in the background ("getting to know your texts"), each
  batch saved in the workspace's embedding cache, so a restarted learner carries on where it stopped;
- looks at the label history between batches (a quarter of a second apart when idle) and learns again after
  every `EVERY` label changes: nothing is imported or read again, so a pass is the model fit alone;
- never loads the encoder when every vector it needs is cached.

Its first pass used to pay for starting the process too (9 s at load 1.4: torch 6 s, scikit-learn and cleanlab
1.7 s), so the page starts it ahead: `prestart` on each redraw of a project while the learner is off. Pre-started,
it imports its libraries, loads the encoder if a text is not cached, embeds the labelled texts and the first
STANDBY_TEXTS others, then waits idle (a look every quarter second) until the page switches it on, when the
first update is a fit. It ends when switched off, when the tab opens another project (each holds about 1 GB:
torch and the encoder), or when no page has had the project open for IDLE_SECONDS. STUDIO_LEARNER_PREWARM=0 turns
pre-starting off.

Its files, beside the result (`labels/learner-P.json`): `learner-P.watch` (its pid, touched every 2 s while it
lives), `learner-P.status.json` (what it is doing, how many texts it has embedded) and `learner-P.wanted`
(touched by the page on each redraw while the learner is on; the learner ends when it is gone, untouched for
IDLE_SECONDS, or when the process that started it, the dashboard's server, has ended). `learner-P.standby`,
touched by the page while the project is open and the learner off, keeps a pre-started one waiting.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from core.labels import learner
from core.labels.store import LabelStore
from core.store.database import connect

log = logging.getLogger(__name__)
CHUNK = 16            # texts embedded between looks at the labels: under a second on a loaded 2-core CPU
WAIT = 0.25           # seconds between looks when there is nothing to embed
HEARTBEAT = 2.0
STALE = 30.0          # a pid file untouched this long belongs to a learner that has ended
IDLE_SECONDS = 900    # no page has wanted the learner for a quarter of an hour: it ends
MAX_LENGTH = 128
STANDBY_TEXTS = 256   # unlabelled texts a pre-started learner embeds before it is switched on: the queue's first
                      # (seconds); not all, as nobody may switch it on and a big project would take hours
PREWARM_ENV = "STUDIO_LEARNER_PREWARM"  # "0": no learner starts before it is switched on


def _path(workspace: str | Path, project: int, suffix: str) -> Path:
    return learner.result_path(workspace, project).with_suffix(suffix)


def keep_learning(workspace: str | Path, project: int, model: str = "default") -> None:
    """The page's call on every redraw while the learner is on: the project's learner kept, or started."""
    wanted = _path(workspace, project, ".wanted")
    wanted.parent.mkdir(parents=True, exist_ok=True)
    wanted.touch()
    if not watching(workspace, project):
        _start(workspace, project, model)


def stop_learning(workspace: str | Path, project: int) -> None:
    """Switched off: the learner sees its wanted file gone within a second and ends (even with the page open)."""
    _path(workspace, project, ".wanted").unlink(missing_ok=True)
    let_go(workspace, project)


def prestart(workspace: str | Path, project: int, model: str = "default") -> bool:
    """The page's call on every redraw of a project while the learner is off: one started ahead, so that switching
    it on costs a fit, not the process's start; whether one is kept. STUDIO_LEARNER_PREWARM=0 turns it off (the
    test suite does, so no AppTest of the Label page leaves a process behind)."""
    if os.environ.get(PREWARM_ENV, "1") == "0":
        return False
    try:
        standby = _path(workspace, project, ".standby")
        standby.parent.mkdir(parents=True, exist_ok=True)
        standby.touch()
        if watching(workspace, project):
            return True
        if _failed_lately(workspace, project):  # not a new process on every redraw; switching on tries again
            return False
        _start(workspace, project, model)
    except OSError as error:  # only a head start: the page goes on without it
        log.warning("Could not start the learner of project %s ahead: %s", project, error)
        return False
    return True


def let_go(workspace: str | Path, project: int) -> None:
    """The page has left the project: a learner waiting on standby ends within a second (a switched-on one stays)."""
    _path(workspace, project, ".standby").unlink(missing_ok=True)


def _failed_lately(workspace: str | Path, project: int) -> bool:
    status = read_status(workspace, project) or {}
    return status.get("state") == "failed" and time.time() - float(status.get("at", 0)) < IDLE_SECONDS


def watching(workspace: str | Path, project: int) -> bool:
    """Whether the project's learner is alive: its pid file touched lately and its process there."""
    return _live_pid(workspace, project) is not None


def _live_pid(workspace: str | Path, project: int) -> int | None:
    pid_file = _path(workspace, project, ".watch")
    try:
        pid = int(pid_file.read_text().split()[0])
        fresh = time.time() - pid_file.stat().st_mtime < STALE
    except (OSError, ValueError, IndexError):
        return None
    if not fresh:  # also a process that ended but is not yet reaped by the page that started it
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def head_start(workspace: str | Path, project: int) -> str | None:
    """What the learner started ahead is doing, for the page to say: "getting ready" (its imports, the encoder,
    the first texts), "ready" (switching on costs a fit), or None when none is alive."""
    pid = _live_pid(workspace, project)
    if pid is None:
        return None
    status = read_status(workspace, project) or {}
    if status.get("pid") != pid:  # not reported yet: the process is still importing
        return "getting ready"
    return {"starting": "getting ready", "getting ready": "getting ready", "ready": "ready"}.get(status.get("state"))


def read_status(workspace: str | Path, project: int) -> dict[str, Any] | None:
    try:
        return json.loads(_path(workspace, project, ".status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _start(workspace: str | Path, project: int, model: str) -> None:
    process = subprocess.Popen([sys.executable, "-m", "core.labels.learner_process", str(project), "--workspace",
                                str(workspace), "--model", model], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               cwd=Path(__file__).parents[2])
    _write(_path(workspace, project, ".watch"), str(process.pid))  # at once: the next redraw starts no second one


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a file


class Watcher:
    """One project's learner: its texts' vectors in memory, a pass after every few label changes."""

    def __init__(self, workspace: str | Path, project: int, model: str = "default", chunk: int = CHUNK) -> None:
        from core.models.resolve import resolve_model
        from core.train.methods.embeddings import EmbeddingCache, encoder_key

        self.workspace, self.project, self.chunk = Path(workspace), int(project), chunk
        self.store = LabelStore(workspace)
        rows = self.store.rows(self.project)
        self.rows, self.texts = rows["row"].astype(int).tolist(), rows["text"].astype(str).tolist()
        self.folder = resolve_model(model)
        self.cache = EmbeddingCache(workspace, encoder_key(self.folder, MAX_LENGTH))
        self.vectors: dict[int, Any] = {}  # position in self.rows -> its vector
        self.encoder = None  # loaded only when a text is not in the cache
        self.learned_at: int | None = None  # label changes counted when the last pass read the labels
        self.problem: str | None = None  # why the last pass could not learn (too few labels)
        self.state = "starting"
        self.parent = os.getppid()

    # the texts' vectors -------------------------------------------------------------------------------
    def load_cached(self) -> int:
        """Every vector the cache holds for these texts, without the encoder; how many there were."""
        self.vectors.update(self.cache.cached(self.texts))
        self.report()
        return len(self.vectors)

    def embed(self, positions: list[int]) -> None:
        """Vectors for these texts (the encoder loaded the first time one is missing), saved in the cache."""
        wanted = [i for i in positions if i not in self.vectors]
        if wanted:
            vectors = self.cache.embed(self._encoder, [self.texts[i] for i in wanted])
            self.vectors.update(zip(wanted, vectors, strict=True))

    def _encoder(self):
        if self.encoder is None:
            from core.train.methods.embeddings import load_encoder
            from core.train.methods.quick import device_kind

            self.encoder = load_encoder(self.folder, device_kind(), MAX_LENGTH)
        return self.encoder

    def missing(self) -> list[int]:
        return [i for i in range(len(self.texts)) if i not in self.vectors]

    def embed_next(self) -> bool:
        """One chunk of the texts not yet embedded, in the order the queue reaches them; False when none are left."""
        missing = self.missing()
        if not missing:
            return False
        self.state = "embedding"
        self.embed(missing[:self.chunk])
        self.report()
        return True

    # learning -----------------------------------------------------------------------------------------
    def label_changes(self) -> int:
        """Every label given, changed, cleared or undone adds a row to the history: a count that only grows."""
        with connect(self.store.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM label_history WHERE project_id = ?",
                                  (self.project,)).fetchone()[0])

    def due(self) -> bool:
        # while there are too few labels to learn, each new one may be the one that makes enough
        needed = 1 if self.problem else learner.EVERY
        return self.learned_at is None or self.label_changes() - self.learned_at >= needed

    def learn(self, by_labels: bool = True) -> dict[str, Any]:
        """A pass on the labels as they are now, over the texts embedded so far (labelled ones embedded first).

        `by_labels=False` (every text embedded now) leaves the count of label changes where it was, so the next pass
        still comes 5 label changes after the last one they triggered."""
        import numpy as np

        from core.train.methods.enough import need_more_labels

        started, changes = time.perf_counter(), self.label_changes()  # counted first: no change slips between
        self.state = "learning"
        self.report()
        labels = [lab if isinstance(lab, str) else None for lab in self.store.rows(self.project)["label"]]
        previous = learner.read_result(self.workspace, self.project) or {}
        result: dict[str, Any] = {"labelled": sum(lab is not None for lab in labels), "label_changes": changes,
                                  "curve": previous.get("curve", []), "rows": len(labels)}
        self.problem = need_more_labels(self.texts, labels)
        if self.problem:
            result["problem"] = self.problem
        else:
            self.embed([i for i, lab in enumerate(labels) if lab is not None])
            have = sorted(self.vectors)
            result.update(learner.fit_and_answer(np.stack([self.vectors[i] for i in have]),
                                                 [labels[i] for i in have], [self.rows[i] for i in have]))
            result["curve"] = learner.add_to_curve(result["curve"], result["labelled"], result["estimated_accuracy"])
            result["embedded"] = len(have)
        result.update(seconds=round(time.perf_counter() - started, 2), made_at=time.time())
        _write(learner.result_path(self.workspace, self.project), json.dumps(result, ensure_ascii=False))
        if by_labels or self.learned_at is None:
            self.learned_at = changes
        self.state = "waiting"
        self.report()
        return result

    def report(self) -> None:
        _write(_path(self.workspace, self.project, ".status.json"), json.dumps({
            "state": self.state, "embedded": len(self.vectors), "rows": len(self.texts),
            "encoder_loaded": self.encoder is not None, "pid": os.getpid(), "at": time.time()}))

    # the process --------------------------------------------------------------------------------------
    def wanted(self) -> bool:
        """Switched on: a page touched the wanted file lately."""
        return self._touched(".wanted")

    def kept_warm(self) -> bool:
        """On standby: a page has the project open with the learner off."""
        return self._touched(".standby")

    def _touched(self, suffix: str) -> bool:
        if os.getppid() != self.parent:  # the server (or script) that started it has gone
            return False
        try:
            return time.time() - _path(self.workspace, self.project, suffix).stat().st_mtime < IDLE_SECONDS
        except OSError:
            return False

    def run(self) -> None:
        """Ready first, on standby until switched on, then following the labels until switched off or left."""
        self.load_cached()
        self._warm()
        while self.stand_by():
            self.follow()
        log.info("Learner for project %s: no page wants it any more", self.project)

    def stand_by(self) -> bool:
        """Pre-started: the texts the first passes need embedded, then idle; True once switched on, False once no
        page has the project open. Returns at once when switched on already."""
        ahead = self._ahead() if not self.wanted() else []
        while not self.wanted():
            if not self.kept_warm():
                return False
            todo = [i for i in ahead if i not in self.vectors][:self.chunk]
            if todo:  # a chunk at a time: switching on is noticed within a second
                self._now("getting ready")  # said before the first chunk: its imports are done
                self.embed(todo)
                self.report()
            else:
                self._now("ready")
                time.sleep(WAIT)
        return True

    def _ahead(self) -> list[int]:
        """What a pre-started learner embeds: the labelled texts (the first pass fits on them) and the first
        STANDBY_TEXTS unlabelled ones (the queue shows them first, the first pass suggests for them)."""
        labels = [lab if isinstance(lab, str) else None for lab in self.store.rows(self.project)["label"]]
        unlabelled = [i for i, lab in enumerate(labels) if lab is None]
        return [i for i, lab in enumerate(labels) if lab is not None] + unlabelled[:STANDBY_TEXTS]

    def _now(self, state: str) -> None:
        if self.state != state:  # the status file written once, not four times a second
            self.state = state
            self.report()

    def follow(self) -> None:
        """Switched on: learn at once, then embed the rest in the background and learn again after every few label
        changes, until switched off."""
        self.learn()
        while self.wanted():
            if self.due():
                self.learn()
            elif self.embed_next():
                if not self.missing():
                    self.learn(by_labels=False)  # every text known now: a suggestion for each
            else:
                self.state = "waiting"
                time.sleep(WAIT)

    def _warm(self) -> None:
        # a pass on made-up vectors: the libraries a pass imports and their first calls' costs are paid here, before
        # any label waits on them (the encoder is loaded only once a text needs it)
        import numpy as np

        import core.train.methods.enough  # noqa: F401  (learn's own import)

        try:
            vectors = np.random.default_rng(0).normal(size=(12, 4))
            learner.fit_and_answer(vectors, ["a", "b"] * 5 + [None] * 2, list(range(12)))
        except Exception as error:  # only a warm-up: a real pass that fails says why in its own way
            log.warning("Learner warm-up failed: %s", error)
