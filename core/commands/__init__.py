"""More `python -m core` subcommands, one module per capability, each found here by itself.

Each module defines `register(command)`, where `command(name, func, help_text)` adds a subparser
that already has --workspace and --json, and returns it for the module's own flags. Modules import
heavy libraries only inside the functions that run the command, so `--help` stays fast. They sit on
top of the engine like cli.py and may import any core package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator


def registrars() -> Iterator[Callable]:
    """Every command module's `register`, in name order so --help reads the same each time."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            yield module.register
