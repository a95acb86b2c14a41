"""The Label page's two ways to label: one text at a time (big buttons, number keys, suggestions) or a table."""

from __future__ import annotations

import streamlit as st

from core.errors import StudioError
from core.labels import tasks
from core.labels.records import NUMBER_KEYS, LabelConflict, LabelError, Progress, Project
from core.labels.store import LabelStore
from core.labels.suggest import suggesting_run, suggestions
from ui import loaders, t
from ui.label_tasks import (
    answer_of,
    keys_hint,
    label_column,
    multi_answer,
    same_answer,
    score_answer,
    show_texts,
    table_labels,
)
from ui.labelling import (
    CURRENT,
    LAST,
    SKIPPED,
    TEXT_STYLE,
    UNCERTAIN,
    back_to_skipped,
    current_row,
    error_notice,
    give,
    notice,
    session_id,
    skip,
    table_changes,
    undo,
)
from ui.widgets import md, show_error

TABLE = "_label_table_generation"  # a new number gives the table view fresh rows from the database
TABLE_LIMIT = 500


@st.cache_data(max_entries=4, show_spinner=False)
def model_suggestions(workspace: str, project_id: int, run_id: str) -> dict[int, tuple[str, float]]:
    """The model's label and sureness for every text of the project (computed once per project and model)."""
    from core.serve.predictor import run_model_folder
    from core.store.runs import RunStore

    rows = LabelStore(workspace).rows(project_id)
    predictor = loaders.predictor(run_model_folder(RunStore(workspace), run_id))
    return dict(zip((int(r) for r in rows["row"]), suggestions(predictor, rows["text"].tolist()), strict=True))


def suggestion_toggle(ctx, project: Project, names: list[str]) -> dict[int, tuple[str, float]] | None:
    """Suggestions of the latest model that knows these labels, when the user turns them on."""
    run = suggesting_run(ctx.store, names)
    if run is None:
        return None
    was_on = project.id in st.session_state.get(UNCERTAIN, {})
    on = st.toggle(t("label.suggest", name=md(run.name)), key=f"label_suggest-{project.id}-{run.id}",
                   help=t("label.suggest_help"))
    if not on:
        if was_on:
            st.session_state[UNCERTAIN].pop(project.id, None)
            st.session_state[CURRENT] = None
        return None
    with st.spinner(t("label.suggesting", n=len(ctx.labels.rows(project.id, "unlabelled")))):
        found = model_suggestions(str(ctx.workspace), project.id, run.id)
    if not was_on:  # from now on the least sure text comes next
        st.session_state.setdefault(UNCERTAIN, {})[project.id] = {r: c for r, (_, c) in found.items()}
        st.session_state[CURRENT] = None
    return found


def single_view(ctx, project: Project, names: list[str], total: int, progress: Progress | None = None) -> None:
    """One text at a time: a button per label, a check box per label (several per text) or a slider (a number)."""
    if not names and project.task != tasks.SCORE:
        st.info(t("label.need_labels"), icon=":material/sell:")
        return
    # suggestions know single texts with one label: pairs, several labels and numbers are labelled without them
    suggested = _suggestions(ctx, project, names) if project.task == tasks.SINGLE and not project.pairs else None
    row = current_row(project.id)
    if row is None:
        skipped = st.session_state.get(SKIPPED, {}).get(project.id, [])
        if skipped:
            st.info(t("label.only_skipped", n=len(skipped)), icon=":material/info:")
            st.button(t("label.back_to_skipped"), on_click=back_to_skipped, args=(project.id,))
        else:
            st.success(t("label.all_done"), icon=":material/celebration:")
        undo_button(project.id, shortcut=True)
        return
    st.html(TEXT_STYLE)
    with st.container(border=True):
        st.caption(t("label.text_number", n=row.row + 1, total=total))
        show_texts(project, row)
        if row.label:
            st.caption(t("label.has_label", label=md(tasks.shown(project.task, row.label) or
                                                      t("label.none_of_them"))))
    hint = (suggested or {}).get(row.row)
    if project.task == tasks.MULTI:
        multi_answer(project, names, row)
    elif project.task == tasks.SCORE:
        score_answer(project, row, progress)
    else:
        label_buttons(project, names, hint)
    skip_column, undo_column, last_column = st.columns([1, 1.3, 2.7], vertical_alignment="center")
    with skip_column:
        st.button(t("label.skip"), key="skip", on_click=skip, args=(project.id,), shortcut="Right",
                  icon=":material/skip_next:", width="stretch")
    with undo_column:
        undo_button(project.id, shortcut=True)
    last = st.session_state.get(LAST)
    if last:
        last_column.caption(t("label.saved", n=last[0] + 1, label=md(last[1])))
    st.caption(keys_hint(project, suggested=bool(hint), progress=progress))


def _suggestions(ctx, project: Project, names: list[str]) -> dict[int, tuple[str, float]] | None:
    """A suggestion per text: the latest model's, else zero-shot from the names, or the learner's as you label."""
    try:
        suggested = suggestion_toggle(ctx, project, names)
    except StudioError as error:  # the model cannot be loaded: label without it
        show_error(error)
        suggested = None
    if suggested is None and suggesting_run(ctx.store, names) is None:  # no model knows these labels yet
        from ui.zero_shot import zero_shot_toggle

        suggested = zero_shot_toggle(ctx, project, names)
    from ui.label_learning import learning_section

    return learning_section(ctx, project, names, suggested)  # a quick model retrained as you label


def label_buttons(project: Project, names: list[str], hint: tuple[str, float] | None) -> None:
    """A big button per label (keys 1-9); a suggestion comes preselected, and Enter accepts it."""
    if hint:
        suggestion, accept = st.columns([3, 1], vertical_alignment="center")
        suggestion.markdown(t("label.suggestion", label=md(hint[0]), p=f"{hint[1]:.0%}"))
        accept.button(t("label.accept"), key="accept", on_click=give, args=(project.id, hint[0]), type="primary",
                      shortcut="Enter", icon=":material/keyboard_return:", width="stretch",
                      help=t("label.accept_help", label=md(hint[0])))
    per_row = len(names) if len(names) <= 5 else 3 if len(names) <= 9 else 4
    with st.container(key="label_buttons"):
        for start in range(0, len(names), per_row):
            columns = st.columns(per_row)
            for i, name in enumerate(names[start:start + per_row], start=start):
                columns[i - start].button(md(name), key=f"give-{i}-{name}", on_click=give, args=(project.id, name),
                                          width="stretch", shortcut=str(i + 1) if i < NUMBER_KEYS else None,
                                          type="primary" if hint and hint[0] == name else "secondary")


def undo_button(project_id: int, shortcut: bool = False) -> None:
    st.button(t("label.undo"), key="undo", on_click=undo, args=(project_id,), icon=":material/undo:",
              shortcut="Backspace" if shortcut else None, width="stretch")


def table_view(ctx, project: Project, names: list[str]) -> None:
    """Filter the rows, change labels in the table, save them all at once (one change Undo reverts)."""
    import pandas as pd

    which_column, where_column, search_column = st.columns([2, 2, 3])
    which = which_column.radio(t("label.filter"), ["all", "unlabelled", "labelled"], horizontal=True,
                               format_func=lambda f: t(f"label.filter.{f}"), key=f"label_filter-{project.id}")
    label = None if project.task == tasks.SCORE else where_column.selectbox(
        t("label.filter_label"), [None, *names], key=f"label_filter_label-{project.id}",
        format_func=lambda n: t("label.any_label") if n is None else n)
    search = search_column.text_input(t("label.search"), key=f"label_search-{project.id}",
                                      placeholder=t("label.search_placeholder"))
    page = int(st.session_state.get(f"label_page-{project.id}-{which}-{label}-{search}", 1))
    found = ctx.labels.rows(project.id, which, label, search, limit=TABLE_LIMIT + 1, offset=(page - 1) * TABLE_LIMIT)
    if found.empty:
        st.info(t("label.no_rows"), icon=":material/filter_alt_off:")
        return
    shown = found.head(TABLE_LIMIT).set_index("row")
    shown["label"] = pd.Series(table_labels(project, shown["label"].tolist()), index=shown.index, dtype=object)
    view = pd.DataFrame({"n": shown.index + 1, "text": shown["text"]}, index=shown.index)
    columns = {"n": st.column_config.NumberColumn("#", width=56),
               "text": st.column_config.TextColumn(t("label.col_text_a" if project.pairs else "label.col_text"),
                                                   width="large")}
    if project.pairs:  # both texts of each pair
        view["text_pair"] = shown["text_pair"]
        columns["text_pair"] = st.column_config.TextColumn(t("label.col_text_b"), width="large")
    view["label"] = shown["label"]
    columns["label"] = label_column(project, names)
    generation = st.session_state.get(TABLE, 0)
    edited = st.data_editor(
        view, key=f"label_table-{project.id}-{generation}-{which}-{label}-{search}", hide_index=True,
        disabled=[c for c in ("n", "text", "text_pair") if c in view.columns], height=420, width="stretch",
        placeholder="—", column_config=columns)
    if len(found) > TABLE_LIMIT or page > 1:  # more rows than one page: page through them, each page one query
        st.number_input(t("label.page"), min_value=1, max_value=page + (len(found) > TABLE_LIMIT), step=1,
                        key=f"label_page-{project.id}-{which}-{label}-{search}", help=t("label.page_help",
                                                                                       n=TABLE_LIMIT))
    changes, versions = table_changes(shown, edited, same=lambda a, b: same_answer(project, a, b),
                                      answer=lambda value: answer_of(project, value))
    save_column, bulk_column, bulk_button, undo_column = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    if save_column.button(t("label.save", n=len(changes)), type="primary", disabled=not changes,
                          icon=":material/save:", width="stretch"):
        save_rows(ctx, project.id, changes, versions)
    if names and project.task == tasks.SINGLE and (which != "all" or label is not None or search.strip()):
        # only a chosen part, never everything; one label for all, so single labels only
        everyone = bulk_column.selectbox(t("label.bulk_label"), names, key=f"bulk-label-{project.id}")
        if bulk_button.button(t("label.bulk", n=len(shown)), width="stretch"):
            save_rows(ctx, project.id, {int(r): everyone for r in shown.index},
                      {int(r): int(v) for r, v in shown["version"].items()})
    with undo_column:
        undo_button(project.id)


def save_rows(ctx, project_id: int, changes: dict, versions: dict) -> None:
    try:
        saved = ctx.labels.bulk_set(project_id, changes, session=session_id(), expected_versions=versions)
    except LabelConflict as conflict:
        notice("warning", t("label.table_conflict", n=conflict.row + 1))
    except LabelError as error:  # a word where a number belongs: nothing saved, the edits stay in the table
        error_notice(error)
        st.rerun()
    else:
        notice("success", t("label.table_saved", n=saved))
    st.session_state[TABLE] = st.session_state.get(TABLE, 0) + 1  # fresh rows, edits applied
    st.rerun()
