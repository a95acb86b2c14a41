"""Worker processes: started detached in their own session, and told apart from dead ones and zombies."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from core.store.runs import RunRecord

HEARTBEAT_SECONDS = 2.0
# A worker whose heartbeat is older than this is dead even if its pid was reused by another process.
STALE_SECONDS = 60.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def process_alive(pid: int | None) -> bool:
    """True for a live process; a zombie (exited, not yet reaped by its parent) counts as dead."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): os.kill said it exists


def holder_alive(pid: int | None, heartbeat: float | None) -> bool:
    """True while the process a run names is alive and has beaten its heartbeat lately.

    A pid alone can lie: after a crash or a reboot the number may belong to another process.
    """
    if not process_alive(pid):
        return False
    return heartbeat is None or time.time() - heartbeat < STALE_SECONDS


def worker_alive(run: RunRecord) -> bool:
    return holder_alive(run.pid, run.heartbeat)


def spawn_worker_process(workspace: Path, args: list[str], output: Path) -> int:
    """Start `python -m core.runs.worker` in its own session, detached from this process's terminal and life."""
    with open(output, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.runs.worker", *args, "--workspace", str(workspace)],
            cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    # reap it when it ends, so a long-lived parent (the Streamlit server) keeps no zombies
    threading.Thread(target=proc.wait, daemon=True).start()
    return proc.pid


def own_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return False


