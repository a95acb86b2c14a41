"""The Label page's parts that differ by task: a check box per label for several labels per text (number keys
tick them, Enter saves), a slider for a number per text, both texts of a pair, and the table's label column.

The answers are saved by the same `give` as single labels (ui.labelling), so undo, skip, conflicts and the
database work alike; core.labels.tasks says how each task's answer is stored.
"""

from __future__ import annotations

import math

import streamlit as st

from core.labels import tasks
from core.labels.records import NUMBER_KEYS, LabelRow, Progress, Project
from ui.i18n import t
from ui.labelling import give
from ui.widgets import md

# the number-key buttons that tick the check boxes: Streamlit's check boxes take no shortcut, so each has a
# button that holds its key, out of sight (a fixed style, no user string in it)
KEYS_STYLE = """<style>
.st-key-label_tick_keys { display: none; }
.st-key-label_checks label p { font-size: 1.15rem; }
</style>"""


# the text, or both texts of a pair ---------------------------------------------------------------------------------
def show_texts(project: Project, row: LabelRow) -> None:
    """The text to label, large; for pairs both texts, each marked (Text A / Text B)."""
    if project.pairs:
        st.caption(t("label.text_a"))
    with st.container(key="label_text"):
        st.markdown(_literal(row.text))
    if project.pairs:
        st.caption(t("label.text_b"))
        with st.container(key="label_text_b"):
            st.markdown(_literal(row.text_pair or ""))


def _literal(text: str) -> str:
    return md(text) if text.strip() else f"*{t('label.blank_text')}*"


# several labels per text ---------------------------------------------------------------------------------------------
def _tick_key(project: Project, row: LabelRow, index: int) -> str:
    return f"label_tick-{project.id}-{row.row}-{index}"


def _toggle(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


def _save_ticked(project_id: int, keys: list[str], names: list[str]) -> None:
    chosen = [name for key, name in zip(keys, names) if st.session_state.get(key)]
    give(project_id, chosen)
    for key in keys:  # the next time this text comes up, its boxes show what the database holds
        st.session_state.pop(key, None)


def multi_answer(project: Project, names: list[str], row: LabelRow) -> None:
    """A check box per label (keys 1-9 tick and untick), and one button that saves the ticked ones (Enter)."""
    st.html(KEYS_STYLE)
    given = set(tasks.read(tasks.MULTI, row.label) or [])
    keys = [_tick_key(project, row, i) for i in range(len(names))]
    for key, name in zip(keys, names):
        st.session_state.setdefault(key, name in given)
    per_row = min(len(names), 3) or 1
    with st.container(key="label_checks"):
        columns = st.columns(per_row)
        for i, (key, name) in enumerate(zip(keys, names)):
            number = f"{i + 1} · " if i < NUMBER_KEYS else ""
            columns[i % per_row].checkbox(f"{number}{md(name)}", key=key)
    with st.container(key="label_tick_keys"):
        for i, key in enumerate(keys[:NUMBER_KEYS]):
            st.button(str(i + 1), key=f"tick-{i}", on_click=_toggle, args=(key,), shortcut=str(i + 1))
    ticked = sum(1 for key in keys if st.session_state.get(key))
    with st.container(key="label_buttons"):
        st.button(t("label.multi_save", n=ticked) if ticked else t("label.multi_save_none"), key="save-ticked",
                  type="primary", icon=":material/keyboard_return:", on_click=_save_ticked,
                  args=(project.id, keys, list(names)), shortcut="Enter", width="stretch")


# a number per text ----------------------------------------------------------------------------------------------------
def score_scale(progress: Progress | None) -> tuple[float, float, float]:
    """(lowest, highest, step) for the slider: the project's scores (whole steps unless some have fractions)."""
    low, high = tasks.score_range(progress.low if progress else None, progress.high if progress else None)
    fractions = bool(progress and progress.fractions) or not (float(low).is_integer() and float(high).is_integer())
    step = 1.0 if not fractions and high - low <= 100 else _round_step((high - low) / 100)
    return float(low), float(high), step


def _round_step(step: float) -> float:
    """A step people read easily: 0.1, 0.05, 0.01 ... rather than 0.0437."""
    if step <= 0:
        return 0.1
    power = 10 ** math.floor(math.log10(step))
    return next(p * power for p in (1, 2, 5, 10) if p * power >= step)


def _save_score(project_id: int, key: str) -> None:
    give(project_id, st.session_state.get(key))


def score_answer(project: Project, row: LabelRow, progress: Progress | None) -> None:
    """A slider over the project's range of numbers (1-5 when none is given yet), and Save (Enter)."""
    low, high, step = score_scale(progress)
    given = tasks.read(tasks.SCORE, row.label)
    key = f"label_score-{project.id}-{row.row}"
    if key not in st.session_state:
        start = given if given is not None else low + round((high - low) / 2 / step) * step
        st.session_state[key] = min(high, max(low, float(start)))
    with st.container(key="label_buttons"):
        slider, save = st.columns([3, 1], vertical_alignment="bottom")
        slider.slider(t("label.score"), min_value=low, max_value=high, step=step, key=key,
                      help=t("label.score_help", low=f"{low:g}", high=f"{high:g}"))
        save.button(t("label.score_save"), key="save-score", type="primary", icon=":material/keyboard_return:",
                    on_click=_save_score, args=(project.id, key), shortcut="Enter", width="stretch")


def keys_hint(project: Project, suggested: bool) -> str:
    """The line saying which key does what, for this project's task."""
    if project.task == tasks.MULTI:
        return t("label.keys_multi")
    if project.task == tasks.SCORE:
        return t("label.keys_score")
    return t("label.keys_suggested") if suggested else t("label.keys")


# the table's label column -------------------------------------------------------------------------------------------
def table_labels(project: Project, cells) -> list:
    """The label column as the table shows it: a label, a list of labels, or the number as text."""
    if project.task == tasks.MULTI:
        return [tasks.read(tasks.MULTI, c) if isinstance(c, str) else None for c in cells]
    return [tasks.shown(project.task, c) if isinstance(c, str) else None for c in cells]


def label_column(project: Project, names: list[str]):
    """The editable label column for this task."""
    title = t("label.col_label")
    if project.task == tasks.MULTI:
        return st.column_config.MultiselectColumn(title, options=names, accept_new_options=True, width="medium",
                                                  help=t("label.col_labels_help"))
    if project.task == tasks.SCORE:
        return st.column_config.TextColumn(title, width="small", help=t("label.col_score_help"))
    return st.column_config.SelectboxColumn(title, options=names, width="medium")


def same_answer(project: Project, before, after) -> bool:
    """Whether a table edit left the row's answer as it was (an untouched empty cell stays unlabelled)."""
    if project.task == tasks.SCORE:
        return _text(before) == _text(after)
    was, now = tasks.stored(project.task, _plain(before)), tasks.stored(project.task, _plain(after))
    return was == now or (was is None and now == "[]")  # "none of these labels" is given one text at a time


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return list(value) if not isinstance(value, int | float) else value


def _text(value) -> str | None:
    value = _plain(value)
    return None if value is None else str(value).strip()


def answer_of(project: Project, value):
    """A table cell as the store takes it: for a number, the typed text (the store refuses words)."""
    return _text(value) if project.task == tasks.SCORE else _plain(value)


def progress_badges(progress: Progress) -> str | None:
    """The line under the progress bar: texts per label, texts with none of them, or the numbers' range."""
    if progress.task == tasks.SCORE:
        if progress.low is None:
            return None
        return t("label.score_progress", low=f"{progress.low:g}", high=f"{progress.high:g}", n=progress.scores)
    badges = [f":blue-badge[{md(name)} · {n}]" for name, n in progress.per_label.items()]
    if progress.task == tasks.MULTI and progress.no_label:
        badges.append(f":gray-badge[{t('label.none_of_them')} · {progress.no_label}]")
    return "  ".join(badges) or None
