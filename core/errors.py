"""Errors a user can cause, each carrying one plain sentence and, where one exists, its fix.

Pages and the command line show `message` and `fix`; tracebacks go to logs only.
"""

from __future__ import annotations


class StudioError(Exception):
    """A problem the user can do something about."""

    kind = "error"

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "fix": self.fix}


class DataError(StudioError):
    """A data file that cannot be read or used for training."""

    kind = "data"


class ModelError(StudioError):
    """A model that cannot be found, downloaded or loaded."""

    kind = "model"


class ConfigError(StudioError):
    """Training settings that break a rule; `problems` lists every one of them."""

    kind = "config"

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        message = "The training settings have a problem: " if len(problems) == 1 else (
            f"The training settings have {len(problems)} problems: ")
        super().__init__(message + " ".join(problems), "Change the settings named above and start again.")


class RunError(StudioError):
    """A run that does not exist or cannot do what was asked (e.g. resume a finished run)."""

    kind = "run"


class OutOfMemory(StudioError):
    """Training ran out of memory on the device."""

    kind = "out_of_memory"
