"""The presenter page's parts: a stage for a projector. No app chrome, one large input, large probability bars
that animate from the last answer to the new one, the model's name and score, the run's own example sentences,
and two runs side by side on the same sentence. The stage itself is drawn in the browser (ui/stage/), which asks
the answer route (core/serve/live_answers.py) for each sentence; this module hands it the models and handles what
it sends back (an example saved, the examples cleared, a sentence the route could not answer).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

from core.serve import live_answers
from core.serve.onnx_export import export_folder, read_export
from core.serve.predictor import run_model_folder
from core.store.run_folder import write_json
from core.store.runs import RunRecord
from ui import loaders
from ui.i18n import t

EXAMPLES = "presenter_examples.json"  # the run's example sentences, in its folder
COLOURS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4b5563"]
STAGE_KEY, ANSWERS_KEY = "present_stage", "_present_answers"
VIA_RERUN = "STUDIO_STAGE_VIA_RERUN"  # set: every sentence goes through a page rerun (the benchmark's baseline)
ASSETS = Path(__file__).parent / "stage"
CHROME_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer { display: none !important; }
.block-container { padding-top: 1.2rem !important; max-width: 1240px; }
</style>
"""
STAGE = st.components.v2.component(
    "fine_tune_studio_stage", isolate_styles=False,
    html='<input class="stage-input" type="text" autocomplete="off">'
         '<div class="stage-panels"></div><div class="stage-examples"></div>'
         '<div class="stage-actions"><button class="stage-save"></button><button class="stage-clear"></button></div>',
    css=(ASSETS / "stage.css").read_text(encoding="utf-8"), js=(ASSETS / "stage.js").read_text(encoding="utf-8"))


def hide_chrome() -> None:
    st.markdown(CHROME_CSS, unsafe_allow_html=True)


@st.cache_resource(max_entries=4, show_spinner=False)
def _int8_answers(folder: str, stamp: tuple[int, int]):
    from core.serve.onnx_answers import OnnxAnswers

    answers = OnnxAnswers(folder, int8=True)
    answers.predict("warm up")  # the first pass pays one-off costs; the room's first sentence should not
    return answers


def int8_available(run: RunRecord) -> bool:
    """An int8 export whose answers passed the agreement check: one that failed it is never offered."""
    model = export_folder(run.run_dir) / "model.int8.onnx"
    return model.exists() and _int8_passed(str(run.run_dir), loaders.file_stamp(model))


@st.cache_data(max_entries=16, show_spinner=False)
def _int8_passed(run_dir: str, stamp: tuple[int, int]) -> bool:
    # read once per export, not on every sentence: parsing export.json was a quarter of the stage's own time
    return bool((read_export(run_dir) or {}).get("checks", {}).get("int8", {}).get("passed"))


def answerer(store, run: RunRecord, prefer_int8: bool = True):
    """The fastest checked model of the run: its int8 export when there is one, else the PyTorch model."""
    folder = export_folder(run.run_dir)
    if prefer_int8 and int8_available(run):
        return _int8_answers(str(folder), loaders.file_stamp(folder / "model.int8.onnx"))
    return loaders.predictor(run_model_folder(store, run.id))


def read_examples(run: RunRecord) -> list[str]:
    try:
        saved = json.loads((Path(run.run_dir) / EXAMPLES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [s for s in saved if isinstance(s, str) and s.strip()]


def save_examples(run: RunRecord, examples: list[str]) -> None:
    write_json(Path(run.run_dir) / EXAMPLES, list(dict.fromkeys(s.strip() for s in examples if s.strip())))  # type: ignore[arg-type]


def score_line(run: RunRecord) -> str:
    results = run.results or {}
    metrics = results.get("test_metrics") or results.get("metrics") or {}
    part = t("present.on_test") if results.get("test_metrics") else t("present.on_validation")
    accuracy = metrics.get("accuracy")
    return t("present.score", accuracy=f"{accuracy:.1%}", part=part) if isinstance(accuracy, float) else ""


def panel_spec(store, run: RunRecord) -> dict:
    """What the stage's script needs to draw and ask one model: its name, score, engine, labels and colours, and the
    token the answer route knows it by."""
    model = answerer(store, run)
    labels = [str(name) for name in model.labels]
    engine = t("present.engine_int8") if getattr(model, "int8", False) else t("present.engine_pytorch")
    score = " · ".join(filter(None, (score_line(run), engine)))
    return {"token": live_answers.offer(model), "name": run.name, "score": score,
            "labels": labels, "colours": [COLOURS[i % len(COLOURS)] for i in range(len(labels))],
            "pairs": bool(getattr(model, "pairs", False))}


def _strings() -> dict[str, str]:
    keys = ("input", "placeholder", "empty", "pairs", "no_examples", "time")
    return {**{key: t(f"present.{key}", ms="{ms}") for key in keys},
            "save": t("present.save_example"), "clear": t("present.clear_examples")}


def _page_answers(store, runs: list[RunRecord], asked: dict) -> dict:
    """The fallback: the page answers a sentence its script could not get from the answer route."""
    text = str(asked.get("text", ""))
    results = []
    for run in runs:
        model = answerer(store, run)
        results.append(None if getattr(model, "pairs", False) else model.predict(text).to_dict())
    return {"serial": asked.get("serial"), "text": text, "results": results, "runs": [run.id for run in runs]}


def _stage_events(store, runs: list[RunRecord]) -> None:
    """The stage's triggers, handled before it is drawn again: a sentence to answer here, an example to save, or
    the examples cleared."""
    events = st.session_state.get(STAGE_KEY) or {}
    first = runs[0]
    if isinstance(events.get("ask"), dict):
        st.session_state[ANSWERS_KEY] = _page_answers(store, runs, events["ask"])
    if isinstance(events.get("save"), str) and events["save"].strip():
        save_examples(first, [*read_examples(first), events["save"]])
    if events.get("clear"):
        save_examples(first, [])


@st.fragment
def stage(store, run: RunRecord, second: RunRecord | None) -> None:
    """The input, the answer(s) and the examples, drawn by the stage's own script (ui/stage/stage.js): a sentence
    is answered through the answer route without rerunning anything here. A fragment, so that saving an example
    (or the fallback answer) reruns only this, not the app's navigation and run lists."""
    runs = [run] if second is None else [run, second]
    _stage_events(store, runs)
    answers = st.session_state.get(ANSWERS_KEY)
    data = {"panels": [panel_spec(store, r) for r in runs], "examples": read_examples(run)[:8],
            "strings": _strings(), "route": live_answers.PATH.lstrip("/"),
            "via": "rerun" if os.environ.get(VIA_RERUN) else "route",
            # the page's last answers only for the models that gave them: another model picked asks again
            "answers": answers if answers and answers.get("runs") == [r.id for r in runs] else None}
    callbacks = {f"on_{name}_change": _nothing for name in ("ask", "save", "clear")}
    STAGE(key=STAGE_KEY, data=data, **callbacks)


def _nothing() -> None:
    """The stage's triggers are read in _stage_events on the rerun they cause; a component needs a callback each."""
