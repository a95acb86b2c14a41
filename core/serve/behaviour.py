"""Behaviour checks: small tests, made from the run's own validation rows, of how the model behaves.

Invariance: change a name, a number or add a typo, and the answer should stay. Negation (for labels that read
like sentiment): negate the sentence, and the answer should move. Must-say: the user's own sentences with the
label they must get, saved per run. Chinese rows get Chinese changes (full-/half-width punctuation, traditional
characters for simplified, numbers) and never English word swaps. Results go to the run folder and the card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.store.run_folder import write_json

RESULTS, MUSTS = "behaviour.json", "behaviour_musts.json"
ROWS = 300       # validation rows the checks are made from, at most (they run in seconds)
EXAMPLES = 5     # failures kept per check to show
NAMES = ["John", "Mary", "David", "Sarah", "Michael", "Emma", "James", "Anna", "Robert", "Lisa", "Tom", "Kate",
         "Peter", "Laura", "Paul", "Alice", "Mark", "Julia", "George", "Maria"]
WIDTH = {"，": ",", "。": ".", "！": "!", "？": "?", "：": ":", "；": ";", "（": "(", "）": ")"}
# common simplified characters and their traditional forms: enough to find a model thrown by the script
TRADITIONAL = dict(zip("这个说们来时为东买质货发还没样务实级价电车书门问间关开长风见气话读写点对让从后会过"
                       "专业产两严丧临丽举么义乐习乡书买乱争亏云亚些亲亿仅从仓们价众优伙传伤体余佣侠侣侥侦侧侨侬",
                       "這個說們來時為東買質貨發還沒樣務實級價電車書門問間關開長風見氣話讀寫點對讓從後會過"
                       "專業產兩嚴喪臨麗舉麼義樂習鄉書買亂爭虧雲亞些親億僅從倉們價眾優夥傳傷體餘傭俠侶僥偵側僑儂",
                       strict=True))
POSITIVE = {"positive", "pos", "good", "happy", "like", "yes", "正面", "好评", "积极", "正向", "满意"}
NEGATIVE = {"negative", "neg", "bad", "unhappy", "dislike", "no", "负面", "差评", "消极", "负向", "不满意"}
EN_NEGATION = re.compile(r"\b(is|was|are|were|am)\b(?! not)", re.IGNORECASE)
ZH_NEGATION = [("很好", "不好"), ("喜欢", "不喜欢"), ("满意", "不满意"), ("推荐", "不推荐"), ("好用", "不好用"),
               ("值得", "不值得"), ("很差", "不差"), ("失望", "不失望")]


def is_chinese(text: str) -> bool:
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return han >= max(1, len(text.replace(" ", "")) * 0.3)


def change_name(text: str) -> str | None:
    for i, name in enumerate(NAMES):
        if re.search(rf"\b{name}\b", text):
            return re.sub(rf"\b{name}\b", NAMES[(i + 7) % len(NAMES)], text)
    return None


def change_number(text: str) -> str | None:
    if not re.search(r"\d", text):
        return None
    return re.sub(r"\d+", lambda m: str(int(m.group()) + 3 if len(m.group()) < 6 else m.group()[::-1]), text)


def add_typo(text: str) -> str | None:
    words = [m for m in re.finditer(r"[A-Za-z]{5,}", text)]
    if not words:
        return None
    word = max(words, key=lambda m: len(m.group()))
    w = word.group()
    i = next((i for i in range(1, len(w) - 2) if w[i] != w[i + 1]), None)  # swapping 'oo' would change nothing
    if i is None:
        return None
    return text[:word.start()] + w[:i] + w[i + 1] + w[i] + w[i + 2:] + text[word.end():]  # two letters swapped


def change_width(text: str) -> str | None:
    changed = "".join(WIDTH.get(ch, ch) for ch in text)
    if changed == text:
        changed = "".join({v: k for k, v in WIDTH.items()}.get(ch, ch) for ch in text)
    return changed if changed != text else None


def to_traditional(text: str) -> str | None:
    changed = "".join(TRADITIONAL.get(ch, ch) for ch in text)
    return changed if changed != text else None


def negate(text: str) -> str | None:
    if is_chinese(text):
        for plain, negated in ZH_NEGATION:
            if plain in text and negated not in text:
                return text.replace(plain, negated, 1)
        return None
    changed = EN_NEGATION.sub(lambda m: m.group() + " not", text, count=1)
    return changed if changed != text else None


ENGLISH: dict[str, Callable[[str], str | None]] = {"name": change_name, "number": change_number, "typo": add_typo}
CHINESE: dict[str, Callable[[str], str | None]] = {"width": change_width, "variant": to_traditional,
                                                    "number": change_number}


def sentiment_pair(labels: list[str]) -> tuple[str, str] | None:
    """(positive, negative) label names when the labels read like sentiment, else None."""
    pos = [label for label in labels if str(label).strip().lower() in POSITIVE]
    neg = [label for label in labels if str(label).strip().lower() in NEGATIVE]
    return (pos[0], neg[0]) if pos and neg else None


def run_checks(predictor: Any, texts: list[str], musts: list[dict] | None = None) -> dict[str, Any]:
    """Every check on these texts (the validation rows) and the must-say sentences; failure rates and examples."""
    texts = [t for t in texts if isinstance(t, str) and t.strip()][:ROWS]
    labels = list(predictor.labels)
    before = _labels_of(predictor, texts)
    checks = []
    for name in dict.fromkeys([*ENGLISH, *CHINESE]):
        pairs = [(t, changed) for t in texts
                 if (change := (CHINESE if is_chinese(t) else ENGLISH).get(name)) and (changed := change(t))]
        checks.append(_invariance(predictor, name, pairs, dict(zip(texts, before, strict=True))))
    pair = sentiment_pair(labels)
    if pair:
        checks.append(_negation(predictor, texts, before, pair))
    if musts:
        checks.append(_musts(predictor, musts))
    return {"rows": len(texts), "checks": [c for c in checks if c["tested"]]}


def _labels_of(predictor: Any, texts: list[str]) -> list[str]:
    labels = list(predictor.labels)
    probs = predictor.probabilities(texts) if texts else []
    return [labels[max(range(len(p)), key=p.__getitem__)] for p in probs]


def _result(name: str, kind: str, tested: int, failures: list[dict]) -> dict[str, Any]:
    return {"name": name, "kind": kind, "tested": tested, "failed": len(failures),
            "failure_rate": len(failures) / tested if tested else 0.0, "examples": failures[:EXAMPLES]}


def _invariance(predictor, name: str, pairs: list[tuple[str, str]], answered: dict[str, str]) -> dict[str, Any]:
    after = _labels_of(predictor, [changed for _, changed in pairs])
    failures = [{"text": t, "changed": c, "before": answered[t], "after": a}
                for (t, c), a in zip(pairs, after, strict=True) if a != answered[t]]
    return _result(name, "invariance", len(pairs), failures)


def _negation(predictor, texts: list[str], before: list[str], pair: tuple[str, str]) -> dict[str, Any]:
    """A negated positive (or negative) sentence should no longer get the same sentiment label."""
    cases = [(t, n, b) for t, b in zip(texts, before, strict=True) if b in pair and (n := negate(t))]
    after = _labels_of(predictor, [n for _, n, _ in cases])
    failures = [{"text": t, "changed": n, "before": b, "after": a}
                for (t, n, b), a in zip(cases, after, strict=True) if a == b]
    return _result("negation", "direction", len(cases), failures)


def _musts(predictor, musts: list[dict]) -> dict[str, Any]:
    texts = [m["text"] for m in musts]
    after = _labels_of(predictor, texts)
    failures = [{"text": m["text"], "expected": m["label"], "after": a}
                for m, a in zip(musts, after, strict=True) if a != m["label"]]
    return _result("must_say", "must", len(musts), failures)


def read_musts(run_dir: str | Path) -> list[dict]:
    """The user's own must-say sentences of this run: [{'text', 'label'}]."""
    try:
        saved = json.loads((Path(run_dir) / MUSTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [m for m in saved if isinstance(m, dict) and m.get("text") and m.get("label") is not None]


def save_musts(run_dir: str | Path, musts: list[dict]) -> None:
    clean = [{"text": str(m["text"]).strip(), "label": str(m["label"])}
             for m in musts if str(m.get("text", "")).strip()]
    write_json(Path(run_dir) / MUSTS, clean)  # type: ignore[arg-type]


def check_run(run_dir: str | Path, predictor: Any) -> dict[str, Any]:
    """Run every check on the run's validation rows and its must-say sentences; saved as behaviour.json."""
    from core.serve.validation import PREDICTIONS, read_predictions

    if getattr(predictor, "pairs", False):  # the changes are made for one text; a pair model needs both
        results = {"rows": 0, "checks": [], "skipped": "pairs"}
        write_json(Path(run_dir) / RESULTS, results)
        return results
    table = read_predictions(Path(run_dir) / PREDICTIONS)
    texts = [] if table is None else table["text"].astype(str).tolist()
    results = run_checks(predictor, texts, read_musts(run_dir))
    write_json(Path(run_dir) / RESULTS, results)
    return results


def read_results(run_dir: str | Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(run_dir) / RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def card_section(run_dir: str | Path) -> str:
    """The model card's behaviour section (empty when the checks have not been run)."""
    results = read_results(run_dir)
    if not results or not results.get("checks"):
        return ""
    lines = ["## Behaviour checks", "", f"Made from {results['rows']} validation rows.", "",
             "| check | tested | failed | failure rate |", "|---|---|---|---|"]
    lines += [f"| {c['name']} | {c['tested']} | {c['failed']} | {c['failure_rate']:.1%} |" for c in results["checks"]]
    return "\n".join(lines)
