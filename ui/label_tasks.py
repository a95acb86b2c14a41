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

TICKED, UNTICKED = ":material/check_box:", ":material/check_box_outline_blank:"


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
# Each label is a button drawn as a check box, not an st.checkbox: a focused check box is an <input>, and Streamlit
# ignores shortcuts while an input has the focus, so after one click the number keys and Enter would stop working.
def _ticks_key(project: Project, row: LabelRow) -> str:
    return f"_label_ticks-{project.id}-{row.row}"


def _toggle(key: str, name: str) -> None:
    ticked = st.session_state.setdefault(key, [])
    st.session_state[key] = [n for n in ticked if n != name] if name in ticked else [*ticked, name]


def _save_ticked(project_id: int, key: str) -> None:
    give(project_id, list(st.session_state.get(key, [])))
    st.session_state.pop(key, None)  # the next time this text comes up, its boxes show what the database holds


def multi_answer(project: Project, names: list[str], row: LabelRow) -> None:
    """A check box per label (keys 1-9 tick and untick), and one button that saves the ticked ones (Enter)."""
    key = _ticks_key(project, row)
    if key not in st.session_state:
        st.session_state[key] = [n for n in (tasks.read(tasks.MULTI, row.label) or []) if n in names]
    ticked = st.session_state[key]
    per_row = min(len(names), 4) or 1
    with st.container(key="label_checks"):
        for start in range(0, len(names), per_row):
            columns = st.columns(per_row)
            for i, name in enumerate(names[start:start + per_row], start=start):
                on = name in ticked
                columns[i - start].button(md(name), key=f"tick-{i}", on_click=_toggle, args=(key, name),
                                          icon=TICKED if on else UNTICKED, type="primary" if on else "secondary",
                                          shortcut=str(i + 1) if i < NUMBER_KEYS else None, width="stretch")
    with st.container(key="label_buttons"):
        st.button(t("label.multi_save", n=len(ticked)) if ticked else t("label.multi_save_none"), key="save-ticked",
                  type="primary", icon=":material/keyboard_return:", on_click=_save_ticked, args=(project.id, key),
                  shortcut="Enter", width="stretch")


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


def _set_score(key: str, value: float) -> None:
    st.session_state[key] = value


def key_scores(low: float, high: float, step: float) -> list[int]:
    """The whole numbers the number keys set, on a scale such as 1-5 or 0-9; none on other scales."""
    if step != 1 or low < 0 or high > 9:
        return []
    return list(range(int(low), int(high) + 1))


def score_answer(project: Project, row: LabelRow, progress: Progress | None) -> None:
    """A slider over the project's range of numbers (1-5 when none is given yet), and Save (Enter); on a scale of
    whole numbers up to 9 the number keys set it (a dragged slider holds the focus, and then keys do nothing)."""
    low, high, step = score_scale(progress)
    given = tasks.read(tasks.SCORE, row.label)
    key = f"label_score-{project.id}-{row.row}"
    if key not in st.session_state:
        start = given if given is not None else low + round((high - low) / 2 / step) * step
        st.session_state[key] = min(high, max(low, float(start)))
    with st.container(key="label_buttons"):
        slider, save = st.columns([3, 1], vertical_alignment="bottom")
        slider.slider(t("label.score"), min_value=low, max_value=high, step=step, key=key,
                      format="%d" if step == 1 else "%g", help=t("label.score_help", low=f"{low:g}", high=f"{high:g}"))
        save.button(t("label.score_save"), key="save-score", type="primary", icon=":material/keyboard_return:",
                    on_click=_save_score, args=(project.id, key), shortcut="Enter", width="stretch")
    with st.container(key="label_score_keys"):  # out of sight: they only hold the number keys
        for value in key_scores(low, high, step):
            st.button(str(value), key=f"score-key-{value}", on_click=_set_score, args=(key, float(value)),
                      shortcut=str(value))


def keys_hint(project: Project, suggested: bool, progress: Progress | None = None) -> str:
    """The line saying which key does what, for this project's task."""
    if project.task == tasks.MULTI:
        return t("label.keys_multi")
    if project.task == tasks.SCORE:
        keys = key_scores(*score_scale(progress))
        return t("label.keys_score", low=keys[0], high=keys[-1]) if keys else t("label.keys_score_drag")
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
