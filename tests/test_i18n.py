"""The language catalogue: both languages say everything, and every key the code asks for exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from core import errors
from core.store.runs import STATUSES
from core.train.config import PRESETS
from ui.i18n import LANGUAGES, LOCALES, translate
from ui.shell import PAGES
from ui.widgets import advanced_specs

ROOT = Path(__file__).resolve().parents[1]
ERROR_KINDS = sorted({cls.kind for cls in (errors.StudioError, *errors.StudioError.__subclasses__())})
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
# t("key"), t_engine("key", ...), t_default("key", ...), and keys handed to helpers that call t()
LITERAL = re.compile(r"""\b(?:t|t_engine|t_default|next_step\([^,]+,)\s*\(?\s*["']([a-z_][\w.-]*)["']""")


def load(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def used_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        keys |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return keys


def test_both_catalogues_have_the_same_keys_and_no_empty_text():
    english, chinese = load("en"), load("zh")
    assert set(english) == set(chinese), set(english) ^ set(chinese)
    for lang in LANGUAGES:
        empty = [k for k, v in load(lang).items() if not str(v).strip()]
        assert not empty, f"{lang}: {empty}"


def test_translations_fill_the_same_placeholders():
    english, chinese = load("en"), load("zh")
    wrong = {k: (placeholders(english[k]), placeholders(chinese[k])) for k in english
             if placeholders(english[k]) != placeholders(chinese[k])}
    assert not wrong


def test_every_key_the_code_uses_exists():
    keys = used_keys()
    assert len(keys) > 150  # the scan itself works
    missing = sorted(k for k in keys if k not in load("en"))
    assert not missing


@pytest.mark.parametrize("key", [
    *(f"field.{s['name']}" for s in advanced_specs()), *(f"field.{s['name']}.help" for s in advanced_specs()),
    *(f"status.{s}" for s in STATUSES),
    *(f"preset.{p}" for p in PRESETS), *(f"preset.{p}.help" for p in PRESETS),
    *(f"estimate.fix.{code}" for code in ("batch_size", "max_length", "lora", "combined")),
    *(key for _, key, _ in PAGES),
    *(f"model.source.{s}" for s in ("built-in", "local", "cache", "hub")),
    *(f"data.validation.{m}" for m in ("share", "file")),
    *(f"error.kind.{kind}" for kind in ERROR_KINDS),
])
def test_keys_built_at_run_time_exist(key):
    assert key in load("en")


def test_report_problems_are_translated_by_their_code():
    import core.data.problems

    codes = set(re.findall(r'Problem\([^,()]+,\s*"(\w+)"', Path(core.data.problems.__file__).read_text()))
    assert {"blank_texts", "duplicates", "label_variants", "small_classes"} <= codes
    chinese = load("zh")
    for code in codes:
        assert f"report.{code}.fix" in chinese, code
        assert f"report.{code}.some" in chinese or f"report.{code}.all" in chinese, code


def test_a_missing_key_or_placeholder_never_breaks_a_page():
    assert translate("zh", "no.such.key") == "no.such.key"
    assert translate("zh", "no.such.key", default="fallback") == "fallback"
    assert translate("en", "unit.seconds") == "{n} s"  # nothing to fill: left as written
    assert translate("zh", "unit.seconds", n=5) == "5 秒"
