"""Messy text: HTML entities and tags, web addresses, e-mail addresses and runs of spaces, found and cleaned.

Texts scraped from web pages or exported from mail often carry `&lt;b&gt;`, `<br>` or links that teach a model
nothing about the label (or teach it the wrong thing: a site's address that happens to go with one label). The
data check counts them (`messy_counts`, `messy_problems`); the one-click fixes return a cleaned copy of the data
and leave their input untouched, as the fixes in core.data.fixes do.
"""

from __future__ import annotations

import html
import random
import re

from core.data.problems import Problem
from core.data.texts import LabelledTexts
from core.wording import counted

ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
SPACES = re.compile(r"\s{2,}")  # two or more spaces, tabs, line breaks (ideographic spaces too) in a row
URL_MASK, EMAIL_MASK = "[URL]", "[EMAIL]"
_FINDERS = {"html_entities": ENTITY, "html_tags": TAG, "urls": URL, "emails": EMAIL, "whitespace": SPACES}
_SAMPLE = 50_000  # past this many texts the counts come from an random sample, scaled up


# a character each kind cannot do without: `in` is a hundred times cheaper than a regular expression, so only
# the texts that hold it are searched (a 300,000-row file with no mess costs a few tenths of a second)
_NEEDS = {"html_entities": ("&",), "html_tags": ("<",), "urls": ("http", "www.", "HTTP", "WWW."), "emails": ("@",),
          "whitespace": ("  ", "\t", "\n", "\r", "\u3000")}


def messy_counts(texts: list[str]) -> dict[str, int]:
    """How many texts hold each kind of mess (a text may count under several)."""
    picked = texts if len(texts) <= _SAMPLE else random.Random(0).sample(texts, _SAMPLE)
    scale = len(texts) / max(1, len(picked))
    picked = [t for t in picked if isinstance(t, str)]
    joined = "\x00".join(picked)  # one search in C rules a kind out for every text at once
    counts = {}
    for code, finder in _FINDERS.items():
        needs = [n for n in _NEEDS[code] if n in joined]
        candidates = [t for t in picked if any(n in t for n in needs)] if needs else []
        counts[code] = round(sum(1 for t in candidates if finder.search(t)) * scale)
    return counts


_WORDING = {
    "html_entities": ("{n} HTML entities such as &lt; or &amp;", "Unescape them, so '&lt;b&gt;' reads '<b>'."),
    "html_tags": ("{n} HTML tags such as <br> or <b>", "Strip the tags and keep the words between them."),
    "urls": ("{n} a web address", "Mask the addresses as [URL], so no site's name stands in for a label."),
    "emails": ("{n} an e-mail address", "Mask the addresses as [EMAIL] (this also hides whose they are)."),
    "whitespace": ("{n} runs of spaces or line breaks", "Collapse them into single spaces."),
}


def messy_problems(counts: dict[str, int]) -> list[Problem]:
    """One warning per kind of mess found, each with its one-click fix."""
    found = []
    for code, n in counts.items():
        if not n:
            continue
        what, fix = _WORDING[code]
        holds = counted(n, "text", "holds", "hold")
        found.append(Problem("warning", code, what.format(n=holds) + ".", fix, n))
    return found


def _clean(data: LabelledTexts, change) -> LabelledTexts:
    cleaned = data.subset(range(len(data)))
    cleaned.texts = [change(t) if isinstance(t, str) else t for t in data.texts]
    if data.text_pairs is not None:
        cleaned.text_pairs = [change(t) if isinstance(t, str) else t for t in data.text_pairs]
    return cleaned


def unescape_html(data: LabelledTexts) -> LabelledTexts:
    """'&lt;b&gt;caf&eacute;' -> '<b>café' (twice, for texts escaped twice: '&amp;lt;')."""
    return _clean(data, lambda t: html.unescape(html.unescape(t)) if "&" in t else t)


def strip_tags(data: LabelledTexts) -> LabelledTexts:
    """Tags replaced by a space (so '<br>' between words keeps them apart), then spaces collapsed."""
    return _clean(data, lambda t: _collapse(TAG.sub(" ", t)) if "<" in t else t)


def mask_urls(data: LabelledTexts) -> LabelledTexts:
    """Web and e-mail addresses replaced by [URL] and [EMAIL]."""
    return _clean(data, lambda t: URL.sub(URL_MASK, EMAIL.sub(EMAIL_MASK, t)))


def collapse_whitespace(data: LabelledTexts) -> LabelledTexts:
    """Runs of spaces, tabs and line breaks become one space; the ends are trimmed."""
    return _clean(data, _collapse)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def messy_fixes() -> dict:
    """Problem code -> (its one-click fix, the button's text key), for the Data page."""
    return {"html_entities": (unescape_html, "data.fix.html_entities"), "html_tags": (strip_tags, "data.fix.html_tags"),
            "urls": (mask_urls, "data.fix.urls"), "emails": (mask_urls, "data.fix.emails"),
            "whitespace": (collapse_whitespace, "data.fix.whitespace")}
