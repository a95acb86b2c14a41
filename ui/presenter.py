"""The presenter page's parts: a stage for a projector. No app chrome, one large input, large probability bars
that animate from the last answer to the new one, the model's name and score, the run's own example sentences,
and two runs side by side on the same sentence.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import streamlit as st

from core.serve.onnx_export import export_folder, read_export
from core.serve.predictor import run_model_folder
from core.store.run_folder import write_json
from core.store.runs import RunRecord
from ui import loaders
from ui.i18n import t

EXAMPLES = "presenter_examples.json"  # the run's example sentences, in its folder
COLOURS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4b5563"]
STAGE_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer { display: none !important; }
.block-container { padding-top: 1.2rem !important; max-width: 1240px; }
.stTextInput input { font-size: 2.1rem !important; padding: 0.6rem 0.9rem !important; }
.stage-title { font-size: 1.7rem; font-weight: 700; margin: 0; line-height: 1.25; }
.stage-score { font-size: 1.25rem; color: #555; margin: 0 0 0.4rem 0; }
.stage-answer { font-size: 2.6rem; font-weight: 800; margin: 0.3rem 0 0.5rem 0; }
.stage-bar { margin: 0.35rem 0; }
.stage-bar-label { display: flex; justify-content: space-between; font-size: 1.5rem; font-weight: 600; }
.stage-bar-track { background: #e5e7eb; border-radius: 10px; height: 2.1rem; overflow: hidden; }
.stage-bar-fill { height: 100%; border-radius: 10px; animation-duration: 0.45s;
                  animation-timing-function: cubic-bezier(.2,.8,.2,1); animation-fill-mode: both; }
.stage-time { color: #777; font-size: 1rem; }
</style>
"""


def hide_chrome() -> None:
    st.markdown(STAGE_CSS, unsafe_allow_html=True)


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


def heading(run: RunRecord, engine: str) -> None:
    st.markdown(f'<div class="stage-title">{html.escape(run.name)}</div>'
                f'<div class="stage-score">{html.escape(score_line(run))} · {html.escape(engine)}</div>',
                unsafe_allow_html=True)


def bars(key: str, labels: list[str], probabilities: dict[str, float], label: str, milliseconds: float) -> None:
    """Large bars that grow from the previous answer's widths to this one's (a CSS animation per answer)."""
    previous = st.session_state.get(f"_present_last-{key}", {})
    st.session_state[f"_present_last-{key}"] = probabilities
    serial = st.session_state.get("_present_serial", 0) + 1  # a new animation name restarts the animation
    st.session_state["_present_serial"] = serial
    frames, rows = [], []
    for i, name in enumerate(sorted(labels, key=lambda n: -probabilities.get(n, 0.0))[:8]):
        share, before = probabilities.get(name, 0.0) * 100, previous.get(name, 0.0) * 100
        anim = f"grow-{key}-{serial}-{i}".replace(" ", "")
        frames.append(f"@keyframes {anim} {{ from {{ width: {before:.1f}%; }} to {{ width: {share:.1f}%; }} }}")
        colour = COLOURS[labels.index(name) % len(COLOURS)]
        rows.append(f'<div class="stage-bar"><div class="stage-bar-label"><span>{html.escape(str(name))}</span>'
                    f'<span>{share:.1f}%</span></div><div class="stage-bar-track"><div class="stage-bar-fill" '
                    f'style="width:{share:.1f}%;background:{colour};animation-name:{anim}"></div></div></div>')
    st.markdown(f"<style>{''.join(frames)}</style><div class='stage-answer'>{html.escape(str(label))}</div>"
                + "".join(rows) + f"<p class='stage-time'>{t('present.time', ms=f'{milliseconds:.0f}')}</p>",
                unsafe_allow_html=True)


def answer_panel(store, run: RunRecord, text: str, key: str) -> None:
    model = answerer(store, run)
    engine = t("present.engine_int8") if getattr(model, "int8", False) else t("present.engine_pytorch")
    heading(run, engine)
    if getattr(model, "pairs", False):
        st.info(t("present.pairs"), icon=":material/info:")
        return
    if not text.strip():
        st.caption(t("present.empty"))
        return
    prediction = model.predict(text)
    bars(key, list(model.labels), prediction.probabilities, prediction.label, prediction.milliseconds)


def _fill(box_key: str, sentence: str) -> None:
    st.session_state[box_key] = sentence  # in a callback: before the box is drawn again


def examples_row(run: RunRecord, text: str, box_key: str) -> None:
    """The run's example sentences as buttons; the current sentence can join them."""
    examples = read_examples(run)
    if examples:
        columns = st.columns(min(4, len(examples)))
        for i, sentence in enumerate(examples[:8]):
            columns[i % len(columns)].button(sentence[:60], key=f"present_example-{i}", width="stretch",
                                             on_click=_fill, args=(box_key, sentence))
    else:
        st.caption(t("present.no_examples"))
    add, clear = st.columns([3, 1])
    if add.button(t("present.save_example"), icon=":material/bookmark_add:", disabled=not text.strip()
                  or text.strip() in examples, key="present_save"):
        save_examples(run, [*examples, text])
        st.rerun()
    if examples and clear.button(t("present.clear_examples"), icon=":material/delete_sweep:", key="present_clear"):
        save_examples(run, [])
        st.rerun()


@st.fragment
def stage(store, run: RunRecord, second: RunRecord | None, box_key: str) -> None:
    """The input, the answer(s) and the examples. A fragment: a new sentence reruns only this, not the app's
    navigation, sidebar and run lists, so the room sees the answer as soon as the model has it."""
    text = st.text_input(t("present.input"), key=box_key, placeholder=t("present.placeholder"),
                         label_visibility="collapsed")
    if second is not None:
        left, right = st.columns(2, gap="large")
        with left:
            answer_panel(store, run, text, "left")
        with right:
            answer_panel(store, second, text, "right")
    else:
        answer_panel(store, run, text, "one")
    examples_row(run, text, box_key)

