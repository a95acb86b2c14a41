"""The engine's shape: packages by job, layers that only point down, small modules, no streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "core"
# top to bottom: a package may import its own modules and those of the packages below it
LAYERS = ["search", "labels", "runs", "serve", "train", "data", "models", "store"]
ANYWHERE = {"errors", "wording", "device"}  # leaf modules every layer may use
MAX_LINES = 400


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def imported_core_modules(path: Path) -> set[str]:
    """Every `core.*` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "core")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("core"))
    return found


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_each_module_imports_only_its_own_layer_or_those_below(path):
    own = path.relative_to(CORE).parts[0] if len(path.relative_to(CORE).parts) > 1 else None
    if own not in LAYERS:
        return  # cli.py and __main__.py sit on top of everything
    allowed = set(LAYERS[LAYERS.index(own):]) | ANYWHERE
    wrong = sorted(m for m in imported_core_modules(path) if package_of(m) not in allowed and m != "core")
    assert not wrong, f"{path.relative_to(CORE)} (layer {own}) imports from above it: {wrong}"


def test_no_module_is_longer_than_a_few_hundred_lines():
    long = {str(p.relative_to(CORE)): n for p in core_modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long


def test_the_engine_never_imports_streamlit():
    users = [str(p.relative_to(CORE)) for p in core_modules() if "streamlit" in {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.Import | ast.ImportFrom)
        for a in (n.names if isinstance(n, ast.Import) else [n])}]
    assert not users


@pytest.mark.parametrize("package", LAYERS)
def test_each_package_says_what_it_owns_and_may_import(package):
    doc = ast.get_docstring(ast.parse((CORE / package / "__init__.py").read_text()))
    assert doc and "import" in doc.lower()
