"""The main language of a set of texts, from their scripts and (for Latin script) common words."""

from __future__ import annotations

import re
from collections import Counter

LANGUAGE_SAMPLE = 2_000


SCRIPTS = {
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
    "hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "devanagari": re.compile(r"[\u0900-\u097f]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
    "greek": re.compile(r"[\u0370-\u03ff]"),
    "hebrew": re.compile(r"[\u0590-\u05ff]"),
}
SCRIPT_LANGUAGE = {"han": "zh", "kana": "ja", "hangul": "ko", "cyrillic": "ru", "arabic": "ar",
                   "devanagari": "hi", "thai": "th", "greek": "el", "hebrew": "he"}
# one Han, kana or Hangul character carries about as much as a word of three or four letters
SYLLABIC = {"han": 3.0, "kana": 3.0, "hangul": 3.0}
STOPWORDS = {
    "en": "the and is of to in it you that was for this with not but are my have be i",
    "fr": "le la les et est des une un pas que je pour dans du ce il qui sur très avec",
    "de": "der die das und ist nicht ich ein eine zu mit es den sehr auf für von sich war",
    "es": "el los las y es que en un una no muy por con para lo pero se del",
    "pt": "o os as e é que em um uma não muito por com para do da mas se",
    "it": "il le e è che di un una non per con molto sono del della ma si gli",
    "nl": "de het een en is van niet ik dat die te op met zijn voor maar er ook",
}
WORD = re.compile(r"[a-zà-öø-ÿ]+")


def detect_language(texts: list[str], filled: bool = False) -> str:
    """The texts' language from the scripts they are written in: "zh", "en", ..., "mixed" or "unknown".

    `filled`: blank texts are left out already."""
    filled = texts if filled else [t for t in texts if t.strip()]
    step = max(1, len(filled) // LANGUAGE_SAMPLE)
    sample = filled[::step][:LANGUAGE_SAMPLE]
    found = [(t, s) for t in sample if (s := _script_of(t))]
    scripts = [s for _, s in found]
    if not scripts:
        return "unknown"
    script, n = Counter(scripts).most_common(1)[0]
    if n < 0.8 * len(scripts):
        return "mixed"
    if script == "latin":
        return _latin_language([t for t, s in found if s == "latin"])
    return SCRIPT_LANGUAGE[script]


def _script_of(text: str) -> str | None:
    if text.isascii():  # no other script can be in it: one search instead of ten
        return "latin" if SCRIPTS["latin"].search(text) else None
    weights = {name: len(rx.findall(text)) * SYLLABIC.get(name, 1.0) for name, rx in SCRIPTS.items()}
    if weights["kana"] and weights["kana"] + weights["han"] >= max(weights.values()):
        return "kana"  # Japanese mixes kana with Han characters
    script = max(weights, key=weights.get)
    return script if weights[script] else None


def _latin_language(texts: list[str]) -> str:
    words = WORD.findall(" ".join(texts).lower())
    if not words:
        return "unknown"
    counts = Counter(words)
    hits = {lang: sum(counts[w] for w in set(stop.split())) for lang, stop in STOPWORDS.items()}
    best = max(hits, key=hits.get)
    return best if hits[best] >= 0.05 * len(words) else "unknown"
