"""Waiting on a background process in a test: a condition polled until it holds, a child's end."""

from __future__ import annotations

import os
import time

import pytest


def wait_for(check, what: str, limit: float = 180.0):
    """The first truthy value of check(); a failed test naming `what` after `limit` seconds (a hang guard, not a
    speed test)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"waited {limit:.0f} s for {what}")


def ended(pid: int) -> bool:
    """A process this test's process started has exited (and is reaped)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:  # reaped already
        return True
