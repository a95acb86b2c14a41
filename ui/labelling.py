"""The Label page's helpers: this tab's labelling session and its place among the texts (the button callbacks
give, skip and undo), the hand-over from the Data page, table edits turned into one `LabelStore.bulk_set`,
and the labelled rows as a download.

The labels themselves live in the workspace database (core.labels); the session holds only where this tab is.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from core.errors import StudioError
from core.labels.records import LabelConflict, new_session_id
from core.labels.store import LabelStore
from core.labels.suggest import most_uncertain
from core.store.workspace import workspace_path
from ui.i18n import t
from ui.widgets import IN_APP, md

CURRENT = "_label_current"    # the text this tab shows: project, row, the version it read, pinned
SKIPPED = "_label_skipped"    # rows this tab skipped, by project
NOTICES = "_label_notices"    # (kind, sentence) said once after a change
LAST = "_label_last"          # the last label this tab gave: (row, label)
UNCERTAIN = "_label_uncertain"  # while suggestions are on: how sure the model is of each row, least sure first
BOM = b"\xef\xbb\xbf"  # Excel reads a UTF-8 CSV with it as UTF-8, so Chinese labels open right
SESSION = "_label_session"    # one id per browser tab: undo and row claims know whose change is whose
HANDOVER = "_label_handover"  # (file, text column, label column) the Data page asks the Label page to open
LABEL_PAGE = "pages/label.py"
SEPARATORS = re.compile(r"[,，;；、\n]+")  # labels typed in one go: "positive, negative" or "好评，差评"
# the text to label, large and easy to read (Chinese included); a fixed style, no user string in it
TEXT_STYLE = """<style>
.st-key-label_text p, .st-key-label_text_b p { font-size: 1.55rem; line-height: 1.65; margin-bottom: 0.2rem; }
.st-key-label_buttons button { min-height: 3.2rem; }
.st-key-label_buttons button p { font-size: 1.15rem; }
.st-key-label_checks button { min-height: 3.2rem; }
.st-key-label_checks button p { font-size: 1.15rem; }
.st-key-label_score_keys { display: none; }
</style>"""


def _store() -> LabelStore:
    return LabelStore(workspace_path())


def session_id() -> str:
    """This tab's labelling session (kept while the tab is open)."""
    if SESSION not in st.session_state:
        st.session_state[SESSION] = new_session_id()
    return st.session_state[SESSION]


def split_labels(typed: str) -> list[str]:
    """Label names typed in one box, separated by commas (English or Chinese), semicolons or new lines."""
    return [name.strip() for name in SEPARATORS.split(typed or "") if name.strip()]


def label_button(dataset: str, text_column: str | None, label_column: str | None) -> None:
    """On the Data page: open these texts on the Label page, to label the rows that have no label."""
    if st.button(t("data.label_these"), icon=":material/sell:", type="primary", key="label-these"):
        st.session_state[HANDOVER] = (str(dataset), text_column or None, label_column or "")
        if st.session_state.get(IN_APP):
            st.switch_page(LABEL_PAGE)
        else:  # a page run on its own has no navigation to switch in
            st.caption(t("data.label_these_hint"))


def table_changes(shown: Any, edited: Any, same=None, answer=None) -> tuple[dict[int, Any], dict[int, int]]:
    """Rows whose label the table edit changed ({row: label or None}) and the versions the table showed.

    Both frames are indexed by row and have a `label` column; `shown` also has `version`. `same(before, after)`
    and `answer(after)` read other tasks' cells (lists of labels, numbers); by default cells are single labels.
    """
    changes, versions = {}, {}
    for row, before in shown["label"].items():
        after = edited.at[row, "label"] if row in edited.index else before
        if same is None:
            before, after = _label(before), _label(after)
        if not (same(before, after) if same else before == after):
            changes[int(row)] = answer(after) if answer else after
            versions[int(row)] = int(shown.at[row, "version"])
    return changes, versions


def _label(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


# ------------------------------------------------------------------ one text at a time: this tab's place

def advance(project_id: int, after: int | None = None):
    """Move this tab on to the next text nobody has labelled (and this tab did not skip)."""
    skipped = st.session_state.setdefault(SKIPPED, {}).setdefault(project_id, [])
    confidence = st.session_state.get(UNCERTAIN, {}).get(project_id)
    if confidence is not None:  # suggestions on: the text the model is least sure of
        store = _store()
        found = most_uncertain(store, project_id, confidence, skip=skipped)
        row = None if found is None else store.row(project_id, found)
    else:
        row = _store().next_unlabelled(project_id, after=after, skip=skipped, session=session_id())
    st.session_state[CURRENT] = None if row is None else {
        "project": project_id, "row": row.row, "version": row.version, "pinned": False}
    return row


def current_row(project_id: int):
    """The text this tab shows; the next free one when someone labelled it meanwhile."""
    shown = st.session_state.get(CURRENT)
    if not shown or shown["project"] != project_id:
        return advance(project_id)
    try:
        row = _store().row(project_id, shown["row"])
    except StudioError:
        return advance(project_id)
    if row.label is not None and not shown["pinned"]:
        return advance(project_id, after=row.row)
    if row.label is None:
        shown["version"] = row.version  # cleared elsewhere: nothing of anyone's to overwrite
    return row


def safely(action):
    """A button callback runs before the page: its StudioError becomes a sentence, never a traceback."""
    def run(*args):
        try:
            action(*args)
        except StudioError as error:
            error_notice(error)
    return run


@safely
def give(project_id: int, label: Any) -> None:
    """Save this tab's answer for the text it shows: a label, a list of labels, or a number."""
    shown = st.session_state.get(CURRENT)
    if not shown:
        return
    try:
        _store().set_label(project_id, shown["row"], label, expected_version=shown["version"], session=session_id())
    except LabelConflict as conflict:
        st.session_state[CURRENT] = {**shown, "version": conflict.version, "pinned": True}
        key = "label.conflict" if conflict.label else "label.conflict_cleared"
        notice("warning", t(key, label=md(conflict.label or "")))
        return
    st.session_state[LAST] = (shown["row"], said(label))
    advance(project_id, after=shown["row"])


def said(answer: Any) -> str:
    """An answer in words for 'Saved: text 3 is ...': a label, labels joined by '; ', or a number."""
    if isinstance(answer, list | tuple):
        return "; ".join(answer) if answer else t("label.none_of_them")
    if isinstance(answer, float):
        return f"{answer:g}"
    return str(answer)


@safely
def skip(project_id: int) -> None:
    shown = st.session_state.get(CURRENT)
    if shown:
        st.session_state.setdefault(SKIPPED, {}).setdefault(project_id, []).append(shown["row"])
        advance(project_id, after=shown["row"])


@safely
def undo(project_id: int) -> None:
    undone = _store().undo(project_id, session_id())
    st.session_state.pop(LAST, None)
    if undone is None:
        notice("info", t("label.nothing_to_undo"))
        return
    if undone.kind == "set" and undone.rows:
        row = _store().row(project_id, undone.rows[0])
        st.session_state[CURRENT] = {"project": project_id, "row": row.row, "version": row.version, "pinned": True}
        notice("info", t("label.undone_one", n=row.row + 1))
    else:
        notice("info", t("label.undone_many", n=len(undone.rows)))
    if undone.kept:
        notice("warning", t("label.undo_kept", n=len(undone.kept)))


def back_to_skipped(project_id: int) -> None:
    st.session_state.setdefault(SKIPPED, {})[project_id] = []
    st.session_state[CURRENT] = None


# ------------------------------------------------------------------------- sentences said once, and files

def notice(kind: str, text: str) -> None:
    st.session_state.setdefault(NOTICES, []).append((kind, text))


def show_notices() -> None:
    icons = {"error": "error", "warning": "warning", "info": "info", "success": "check_circle"}
    for kind, text in st.session_state.pop(NOTICES, []):
        getattr(st, kind)(text, icon=f":material/{icons[kind]}:")


def error_notice(error: StudioError) -> None:
    fix = f"  \n**{t('error.fix')}** {md(error.fix)}" if error.fix else ""
    notice("error", md(error.message) + fix)


def export_bytes(workspace: Path, project_id: int, format: str) -> bytes:
    """The labelled rows as a file (made when the download is clicked, in a thread of its own)."""
    with tempfile.TemporaryDirectory() as folder:
        content = LabelStore(workspace).export(project_id, Path(folder) / f"labels.{format}", format).read_bytes()
    return BOM + content if format == "csv" else content
