"""The search's own process, detached like a worker, so a refresh or a restarted server leaves it searching."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from core.runs.processes import PROJECT_ROOT, process_alive


def start_driver(workspace: Path, study_id: str) -> int:
    """`python -m core search --resume STUDY_ID` in its own session; it also continues a killed search."""
    log_file = Path(workspace) / "search" / f"{study_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "core", "search", "--resume", study_id, "--workspace",
                                 str(workspace)], cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    threading.Thread(target=proc.wait, daemon=True).start()  # reaped, so the server keeps no zombies
    return proc.pid


def driver_alive(found: dict) -> bool:
    """Whether the process driving this search (its summary's driver_pid) still runs."""
    return process_alive(found.get("driver_pid"))
