"""The learner's process: `python -m core.labels.learner_process PROJECT --workspace W`, started by the Label page
(core.labels.watcher). One per project: a lock keeps a second one from running, a heartbeat keeps its pid file
fresh while it lives, and a failure is written into its status so the page does not start a new one on every
redraw."""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from pathlib import Path

from core.labels.watcher import HEARTBEAT, Watcher, _path, _write

log = logging.getLogger(__name__)


def _only_learner(workspace: str | Path, project: int):
    """An exclusive lock held for this process's life, or None when another learner of the project holds it (two
    tabs starting one at the same moment)."""
    try:
        import fcntl
    except ImportError:  # Windows: the pid file alone keeps a second one from starting
        return True
    handle = open(_path(workspace, project, ".lock"), "w")  # noqa: SIM115  (open as long as the process lives)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _heartbeat(pid_file: Path, done: threading.Event) -> None:
    # a thread: the pid file stays fresh through a slow encoder load; rewritten, not touched, so it names this
    # process again after a page wrote in the pid of a second learner that found the lock taken and ended
    while not done.wait(HEARTBEAT):
        try:
            _write(pid_file, str(os.getpid()))
        except OSError:
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.labels.learner_process",
                                     description="The Label page's learner.")
    parser.add_argument("project", type=int)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--model", default="default")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    lock = _only_learner(args.workspace, args.project)
    if lock is None:
        return 0
    pid_file, done = _path(args.workspace, args.project, ".watch"), threading.Event()
    _write(pid_file, str(os.getpid()))
    beat = threading.Thread(target=_heartbeat, args=(pid_file, done), daemon=True)
    beat.start()
    try:
        Watcher(args.workspace, args.project, args.model).run()
    except Exception as error:  # said in its status, so the page starts no new one on every redraw
        log.exception("Learner for project %s failed", args.project)
        _write(_path(args.workspace, args.project, ".status.json"), json.dumps(
            {"state": "failed", "problem": str(error), "pid": os.getpid(), "at": time.time()}))
        return 1
    finally:
        done.set()
        beat.join()  # its last write before the pid file goes, never after
        if pid_file.exists() and pid_file.read_text().split()[:1] == [str(os.getpid())]:
            pid_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
