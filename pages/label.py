"""Label: give each text its label, one at a time with big buttons and number keys, or many at once in a table.

Every label is saved in the workspace database the moment it is given (core.labels): a refresh, a closed
tab or a restarted server loses nothing, and two tabs never overwrite each other's labels.
"""

import time
from pathlib import Path

import streamlit as st

from core.data import detect_columns
from core.datasets import READABLE, SAMPLE_DIR, list_datasets, sample_datasets, save_upload
from core.errors import StudioError
from core.labels import NUMBER_KEYS, LabelConflict, LabelStore, Project
from core.suggest import suggesting_run, suggestions
from ui import loaders, page_setup, t
from ui.labelling import (
    CURRENT,
    HANDOVER,
    LAST,
    SKIPPED,
    TEXT_STYLE,
    UNCERTAIN,
    back_to_skipped,
    current_row,
    export_bytes,
    give,
    notice,
    session_id,
    show_notices,
    skip,
    split_labels,
    table_changes,
    undo,
)
from ui.widgets import IN_APP, guard, md, show_error

ctx = page_setup()
st.title(t("label.title"))
st.caption(t("label.intro"))
store = LabelStore(ctx.workspace)
PROJECT = "_label_project"    # the project this tab labels (also ?project= in the address, so a refresh keeps it)
TABLE = "_label_table_generation"  # a new number gives the table view fresh rows from the database
SOURCE = "label_source"
TABLE_LIMIT = 500
SAMPLE = SAMPLE_DIR / "unlabelled_feedback.txt"


# ------------------------------------------------------------------------------------------- projects

def open_project(project_id: int) -> None:
    st.session_state[PROJECT] = project_id
    st.query_params["project"] = str(project_id)


def chosen_project(projects: list[Project]) -> Project | None:
    by_id = {p.id: p for p in projects}
    for wanted in (st.session_state.get(PROJECT), st.query_params.get("project")):
        try:
            if int(wanted) in by_id:
                return by_id[int(wanted)]
        except (TypeError, ValueError):
            continue
    return projects[0] if projects else None


def take_handover(projects: list[Project]) -> None:
    """Open the file the Data page handed over: its project if one exists, else a new one."""
    handed = st.session_state.pop(HANDOVER, None)
    if not handed:
        return
    path, text_column, label_column = handed
    data = loaders.texts(path, text_column, label_column)
    same = [p for p in projects if p.source == str(path) and p.text_column == (data.text_column or "text")]
    project = same[0] if same else store.create_project(Path(path).stem, data)
    open_project(project.id)
    notice("success", t("label.reopened" if same else "label.created", name=md(project.name), n=len(data)))


def source_label(path: Path) -> str:
    where = t("data.sample") if path.parent == SAMPLE_DIR else t("data.saved")
    return f"{path.name} · {where}"


def start_section() -> None:
    """Start a project from a file: the Data page's dataset, a saved one, the unlabelled sample or an upload."""
    options = [*list_datasets(ctx.workspace), *sample_datasets()]
    current = Path(ctx.choices.dataset)
    if current.is_file() and current not in options:
        options.insert(0, current)
    if st.session_state.get(SOURCE) not in options:
        unlabelled = ctx.choices.label_column == "" and current in options
        st.session_state[SOURCE] = current if unlabelled else SAMPLE if SAMPLE in options else options[0]
    pick, upload = st.columns(2)
    file = upload.file_uploader(t("label.upload"), type=[s.lstrip(".") for s in READABLE], key="label_upload",
                                help=t("data.upload_help"))
    if file is not None and st.session_state.get("_label_uploaded") != file.file_id:
        st.session_state["_label_uploaded"] = file.file_id
        st.session_state[SOURCE] = save_upload(ctx.workspace, file.name, file.getvalue())
        st.rerun()
    path = pick.selectbox(t("label.source"), options, key=SOURCE, format_func=source_label)
    table = loaders.table(str(path))
    columns = [str(c) for c in table.frame.columns]
    detected_text, detected_label = detect_columns(table.frame)
    left, right = st.columns(2)
    text_column = left.selectbox(t("data.text_column"), columns, key=f"label_text_col-{path}",
                                 index=columns.index(detected_text) if detected_text in columns else 0)
    label_options = ["", *[c for c in columns if c != text_column]]
    label_column = right.selectbox(t("label.existing_labels"), label_options, key=f"label_label_col-{path}",
                                   index=label_options.index(detected_label) if detected_label in label_options else 0,
                                   format_func=lambda c: c or t("data.no_labels"), help=t("label.existing_help"))
    data = loaders.texts(str(path), text_column, label_column)
    labelled = sum(1 for label in data.labels if label)
    st.caption(t("label.file_summary", n=len(data), labelled=labelled))
    name = st.text_input(t("label.project_name"), value=Path(path).stem, key=f"label_name-{path}")
    if st.button(t("label.start"), type="primary", icon=":material/play_arrow:"):
        project = store.create_project(name, data)
        open_project(project.id)
        notice("success", t("label.created", name=md(project.name), n=len(data)))
        st.rerun()


def project_picker(projects: list[Project], project: Project) -> None:
    by_id = {p.id: p for p in projects}

    def named(i: int) -> str:
        p = by_id[i]
        source = Path(p.source).name
        parts = [p.name] if Path(source).stem == p.name else [p.name, source]
        return " · ".join([*parts, time.strftime("%Y-%m-%d %H:%M", time.localtime(p.created_at))])

    ids = list(by_id)
    picked = st.selectbox(t("label.project"), ids, index=ids.index(project.id), format_func=named)
    if picked != project.id:
        open_project(picked)
        st.rerun()


# ------------------------------------------------------------------------------------------ the label set

def label_set_section(project: Project, names: list[str], counts: dict[str, int]) -> None:
    """Add, rename and remove labels; the first nine get the number keys 1-9."""
    title = t("label.set_title", n=len(names))
    with st.expander(title, icon=":material/sell:", expanded=len(names) < 2):
        if len(names) < 2:
            st.info(t("label.set_intro"), icon=":material/lightbulb:")
        for i, name in enumerate(names):
            key, box, count, rename, remove = st.columns([0.5, 3, 1.2, 1.2, 1.2], vertical_alignment="center")
            key.markdown(f"**{i + 1}**" if i < NUMBER_KEYS else "–", help=t("label.key_help"))
            new = box.text_input(t("label.name"), value=name, key=f"label_name-{project.id}-{i}-{name}",
                                 label_visibility="collapsed")
            count.caption(t("label.count", n=counts.get(name, 0)))
            if rename.button(t("label.rename"), key=f"rename-{i}-{name}", disabled=new.strip() in ("", name)):
                changed = store.rename_label(project.id, name, new, session=session_id())
                notice("success", t("label.renamed", old=md(name), new=md(new.strip()), n=changed))
                st.rerun()
            if remove.button(t("label.remove"), key=f"remove-{i}-{name}"):
                freed = store.remove_label(project.id, name, session=session_id())
                notice("info", t("label.removed", name=md(name), n=freed))
                st.rerun()
        if len(names) > NUMBER_KEYS:
            st.caption(t("label.too_many", n=NUMBER_KEYS))
        with st.form(f"add-label-{project.id}", clear_on_submit=True, border=False):
            box, add = st.columns([4, 1], vertical_alignment="bottom")
            typed = box.text_input(t("label.new"), placeholder=t("label.new_placeholder"))
            if add.form_submit_button(t("label.add"), icon=":material/add:", width="stretch"):
                for new in split_labels(typed):
                    store.add_label(project.id, new)
                st.rerun()


def progress_section(progress) -> None:
    st.progress(progress.share, text=t("label.progress", done=progress.labelled, total=progress.total,
                                       share=f"{progress.share:.0%}"))
    if progress.per_label:
        st.markdown("  ".join(f":blue-badge[{md(name)} · {n}]" for name, n in progress.per_label.items()))


# -------------------------------------------------------------------------------------- one at a time

@st.cache_data(max_entries=4, show_spinner=False)
def model_suggestions(workspace: str, project_id: int, run_id: str) -> dict[int, tuple[str, float]]:
    """The model's label and sureness for every text of the project (computed once per project and model)."""
    from core.predict import run_model_folder
    from core.store import RunStore

    rows = LabelStore(workspace).rows(project_id)
    predictor = loaders.predictor(run_model_folder(RunStore(workspace), run_id))
    return dict(zip((int(r) for r in rows["row"]), suggestions(predictor, rows["text"].tolist()), strict=True))


def suggestion_toggle(project: Project, names: list[str]) -> dict[int, tuple[str, float]] | None:
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
    with st.spinner(t("label.suggesting", n=len(store.rows(project.id, "unlabelled")))):
        found = model_suggestions(str(ctx.workspace), project.id, run.id)
    if not was_on:  # from now on the least sure text comes next
        st.session_state.setdefault(UNCERTAIN, {})[project.id] = {r: c for r, (_, c) in found.items()}
        st.session_state[CURRENT] = None
    return found


def single_view(project: Project, names: list[str], total: int) -> None:
    if not names:
        st.info(t("label.need_labels"), icon=":material/sell:")
        return
    try:
        suggested = suggestion_toggle(project, names)
    except StudioError as error:  # the model cannot be loaded: label without it
        show_error(error)
        suggested = None
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
        with st.container(key="label_text"):
            st.markdown(md(row.text) if row.text.strip() else f"*{t('label.blank_text')}*")
        if row.label:
            st.caption(t("label.has_label", label=md(row.label)))
    hint = (suggested or {}).get(row.row)
    if hint:
        st.markdown(t("label.suggestion", label=md(hint[0]), p=f"{hint[1]:.0%}"))
    per_row = len(names) if len(names) <= 5 else 3 if len(names) <= 9 else 4
    with st.container(key="label_buttons"):
        for start in range(0, len(names), per_row):
            columns = st.columns(per_row)
            for i, name in enumerate(names[start:start + per_row], start=start):
                columns[i - start].button(md(name), key=f"give-{i}-{name}", on_click=give, args=(project.id, name),
                                          width="stretch", shortcut=str(i + 1) if i < NUMBER_KEYS else None,
                                          type="primary" if hint and hint[0] == name else "secondary")
    skip_column, undo_column, last_column = st.columns([1, 1, 3], vertical_alignment="center")
    with skip_column:
        st.button(t("label.skip"), key="skip", on_click=skip, args=(project.id,), shortcut="Right",
                  icon=":material/skip_next:", width="stretch")
    with undo_column:
        undo_button(project.id, shortcut=True)
    last = st.session_state.get(LAST)
    if last:
        last_column.caption(t("label.saved", n=last[0] + 1, label=md(last[1])))
    st.caption(t("label.keys"))


def undo_button(project_id: int, shortcut: bool = False) -> None:
    st.button(t("label.undo"), key="undo", on_click=undo, args=(project_id,), icon=":material/undo:",
              shortcut="Backspace" if shortcut else None, width="stretch")


# ------------------------------------------------------------------------------------------- the table

def table_view(project: Project, names: list[str]) -> None:
    """Filter the rows, change labels in the table, save them all at once (one change Undo reverts)."""
    import pandas as pd

    which_column, label_column, search_column = st.columns([2, 2, 3])
    which = which_column.radio(t("label.filter"), ["all", "unlabelled", "labelled"], horizontal=True,
                               format_func=lambda f: t(f"label.filter.{f}"), key=f"label_filter-{project.id}")
    label = label_column.selectbox(t("label.filter_label"), [None, *names], key=f"label_filter_label-{project.id}",
                                   format_func=lambda n: t("label.any_label") if n is None else n)
    search = search_column.text_input(t("label.search"), key=f"label_search-{project.id}",
                                      placeholder=t("label.search_placeholder"))
    found = store.rows(project.id, which, label, search, limit=TABLE_LIMIT + 1)
    if found.empty:
        st.info(t("label.no_rows"), icon=":material/filter_alt_off:")
        return
    shown = found.head(TABLE_LIMIT).set_index("row")
    view = pd.DataFrame({"n": shown.index + 1, "text": shown["text"], "label": shown["label"]}, index=shown.index)
    generation = st.session_state.get(TABLE, 0)
    edited = st.data_editor(
        view, key=f"label_table-{project.id}-{generation}-{which}-{label}-{search}", hide_index=True,
        disabled=["n", "text"], height=420, width="stretch", placeholder="—",
        column_config={"n": st.column_config.NumberColumn("#", width=56),
                       "text": st.column_config.TextColumn(t("label.col_text"), width="large"),
                       "label": st.column_config.SelectboxColumn(t("label.col_label"), options=names, width="medium")})
    if len(found) > TABLE_LIMIT:
        st.caption(t("label.table_limit", n=TABLE_LIMIT))
    changes, versions = table_changes(shown, edited)
    save_column, bulk_column, bulk_button, undo_column = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    if save_column.button(t("label.save", n=len(changes)), type="primary", disabled=not changes,
                          icon=":material/save:", width="stretch"):
        save_rows(project.id, changes, versions)
    if names and (which != "all" or label is not None or search.strip()):  # only a chosen part, never everything
        everyone = bulk_column.selectbox(t("label.bulk_label"), names, key=f"bulk-label-{project.id}")
        if bulk_button.button(t("label.bulk", n=len(shown)), width="stretch"):
            save_rows(project.id, {int(r): everyone for r in shown.index},
                      {int(r): int(v) for r, v in shown["version"].items()})
    with undo_column:
        undo_button(project.id)


def save_rows(project_id: int, changes: dict, versions: dict) -> None:
    try:
        saved = store.bulk_set(project_id, changes, session=session_id(), expected_versions=versions)
    except LabelConflict as conflict:
        notice("warning", t("label.table_conflict", n=conflict.row + 1))
    else:
        notice("success", t("label.table_saved", n=saved))
    st.session_state[TABLE] = st.session_state.get(TABLE, 0) + 1  # fresh rows, edits applied
    st.rerun()


# ------------------------------------------------------------------------------------- handing it on

def use_section(project: Project, progress) -> None:
    st.subheader(t("label.use_title"))
    used = [name for name, n in progress.per_label.items() if n]
    ready = len(used) >= 2
    st.caption(t("label.use_intro", n=progress.labelled) if ready else t("label.use_need_two"))
    train_column, csv_column, excel_column = st.columns([2, 1, 1])
    if train_column.button(t("label.train", n=progress.labelled), type="primary", disabled=not ready,
                           icon=":material/model_training:", width="stretch"):
        train_on(project)
    workspace = ctx.workspace
    stem = Path(project.name).stem or "labels"
    csv_column.download_button(t("label.download_csv"), data=lambda: export_bytes(workspace, project.id, "csv"),
                               file_name=f"{stem}-labels.csv", mime="text/csv", disabled=not progress.labelled,
                               icon=":material/download:", width="stretch", on_click="ignore")
    excel_column.download_button(
        t("label.download_xlsx"), data=lambda: export_bytes(workspace, project.id, "xlsx"),
        file_name=f"{stem}-labels.xlsx", disabled=not progress.labelled, icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", width="stretch", on_click="ignore")


def train_on(project: Project) -> None:
    """Save the labelled rows as a dataset, choose it for training and go to Train."""
    try:
        path = store.export_for_training(project.id)
    except StudioError as error:
        show_error(error)
        return
    ctx.update(dataset=str(path), text_column="text", label_column="label", val_data=None)
    if st.session_state.get(IN_APP):
        st.switch_page("pages/train.py")
    st.success(t("label.handed", name=md(path.name)), icon=":material/check_circle:")


with guard():
    projects = store.list_projects()
    take_handover(projects)
    projects = store.list_projects()
    project = chosen_project(projects)
    if project is None:
        show_notices()
        st.info(t("label.newcomer"), icon=":material/waving_hand:")
        with st.container(border=True):
            st.subheader(t("label.start_title"))
            start_section()
        st.stop()
    project_picker(projects, project)
    with st.expander(t("label.new_project"), icon=":material/add:"):
        start_section()
    names = store.label_set(project.id)
    progress = store.progress(project.id)
    progress_section(progress)
    label_set_section(project, names, progress.per_label)
    show_notices()
    one, table = st.tabs([t("label.view_one"), t("label.view_table")], key="label_view", on_change="rerun")
    if one.open:
        with one:
            single_view(project, names, progress.total)
    if table.open:
        with table:
            table_view(project, names)
    st.divider()
    use_section(project, progress)
