"""The Label page's project sections: start a project from a file, pick one, its label set, its progress,
and handing the labelled rows on to training or a download.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import streamlit as st

from core.data.columns import detect_columns
from core.data.saved import SAMPLE_DIR, list_datasets, sample_datasets
from core.errors import StudioError
from core.labels import tasks
from core.labels.records import NUMBER_KEYS, Project
from ui import loaders, t
from ui.label_tasks import progress_badges
from ui.labelling import (
    HANDOVER,
    export_bytes,
    notice,
    session_id,
    split_labels,
)
from ui.task_pages import task_of_config
from ui.uploads import dataset_label, new_upload
from ui.widgets import IN_APP, md, show_error

PROJECT = "_label_project"    # the project this tab labels (also ?project= in the address, so a refresh keeps it)
SOURCE = "label_source"
SAMPLE = SAMPLE_DIR / "unlabelled_feedback.txt"
AUTO = ("auto", None, None)  # the task as core.data detects it: (task, label columns, separator)


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


def take_handover(ctx, projects: list[Project]) -> None:
    """Open the file the Data page handed over: its project if one exists, else a new one."""
    handed = st.session_state.pop(HANDOVER, None)
    if not handed:
        return
    path, text_column, label_column = handed
    config = ctx.config
    chosen = str(path) == str(config.data)  # the Data page's own file: its task and pair column come with it
    pair = config.text_pair_column if chosen else None
    data = loaders.texts(path, text_column, label_column, pair, task_of_config(config) if chosen else AUTO)
    task = getattr(data, "task", None) or (config.task if chosen and config.task in tasks.TASKS else None)
    same = [p for p in projects if p.source == str(path) and p.text_column == (data.text_column or "text")]
    project = same[0] if same else ctx.labels.create_project(Path(path).stem, data, task)
    open_project(project.id)
    notice("success", t("label.reopened" if same else "label.created", name=md(project.name), n=len(data)))


def start_section(ctx) -> None:
    """Start a project from a file: the Data page's dataset, a saved one, the unlabelled sample or an upload.

    The columns, the second text of pairs and the task (one label, several, a number) come as core.data detects
    them, as `python -m core inspect-data` does; each can be changed before starting.
    """
    options = [*list_datasets(ctx.workspace), *sample_datasets()]
    current = Path(ctx.config.data)
    if current.is_file() and current not in options:
        options.insert(0, current)
    if st.session_state.get(SOURCE) not in options:
        unlabelled = ctx.config.label_column == "" and current in options
        st.session_state[SOURCE] = current if unlabelled else SAMPLE if SAMPLE in options else options[0]
    pick, upload = st.columns(2)
    uploaded = new_upload(ctx, t("label.upload"), "label_upload", where=upload, help=t("data.upload_help"))
    if uploaded is not None:
        st.session_state[SOURCE] = uploaded
        st.rerun()
    path = pick.selectbox(t("label.source"), options, key=SOURCE, format_func=dataset_label)
    columns = [str(c) for c in loaders.table(str(path)).frame.columns]
    found = _detected(path)
    left, middle, right = st.columns(3)
    text_column = left.selectbox(t("data.text_column"), columns, key=f"label_text_col-{path}",
                                 index=_index(columns, found.text_column))
    pairs = ["", *[c for c in columns if c != text_column]]
    pair = middle.selectbox(t("label.pair_column"), pairs, key=f"label_pair_col-{path}-{text_column}",
                            index=_index(pairs, found.text_pair_column), help=t("label.pair_column_help"),
                            format_func=lambda c: c or t("data.no_pair"))
    several = list(getattr(found, "label_columns", []) or [])
    joined = ", ".join(several) if len(several) > 1 else None  # several 0/1 columns, one per label
    label_options = ["", *([joined] if joined else []), *[c for c in columns if c not in (text_column, pair)]]
    label_column = right.selectbox(t("label.existing_labels"), label_options, key=f"label_label_col-{path}",
                                   index=_index(label_options, found.label_column),
                                   format_func=lambda c: c or t("data.no_labels"), help=t("label.existing_help"))
    try:
        data, task = _chosen_texts(path, text_column, pair, label_column, several if label_column == joined else None)
    except StudioError as error:  # e.g. words in a column taken as numbers: say so, start nothing
        show_error(error)
        return
    labelled = sum(1 for label in data.labels if label)
    st.caption(t("label.file_summary", n=len(data), labelled=labelled))
    name = st.text_input(t("label.project_name"), value=Path(path).stem, key=f"label_name-{path}")
    if st.button(t("label.start"), type="primary", icon=":material/play_arrow:"):
        project = ctx.labels.create_project(name, data, task)
        open_project(project.id)
        notice("success", t("label.created", name=md(project.name), n=len(data)))
        st.rerun()


def _index(options: list[str], wanted: str | None) -> int:
    return options.index(wanted) if wanted in options else 0


def _detected(path):
    """The file's columns, pair and task as core.data detects them (plain columns when detection fails)."""
    try:
        return loaders.texts(str(path), None, None, None, AUTO)
    except StudioError:
        table = loaders.table(str(path))
        text, label = detect_columns(table.frame)
        return SimpleNamespace(text_column=text, text_pair_column=None, label_column=label, label_columns=[])


def _chosen_texts(path, text_column: str, pair: str, label_column: str, several: list[str] | None):
    """The texts as chosen, and the task: detected for the chosen label column, changeable here."""
    label = None if several else label_column
    detected = loaders.texts(str(path), text_column, label, pair, ("auto", several, None))
    found = getattr(detected, "task", tasks.SINGLE)
    task = st.selectbox(t("label.task"), tasks.TASKS, index=tasks.TASKS.index(found),
                        key=f"label_task-{path}-{label_column}", format_func=lambda k: t(f"label.task.{k}"),
                        help=t("label.task_help"))
    if task == found and found != tasks.SINGLE:
        st.caption(t(f"task.detected.{found}", reason=md(detected.task_reason)))
    if task == found or not label_column:  # no labels yet: the task is only what the project will ask
        return detected, task
    return loaders.texts(str(path), text_column, label, pair, (task, several, None)), task


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


def label_set_section(ctx, project: Project, names: list[str], counts: dict[str, int]) -> None:
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
                changed = ctx.labels.rename_label(project.id, name, new, session=session_id())
                notice("success", t("label.renamed", old=md(name), new=md(new.strip()), n=changed))
                st.rerun()
            if remove.button(t("label.remove"), key=f"remove-{i}-{name}"):
                freed = ctx.labels.remove_label(project.id, name, session=session_id())
                notice("info", t("label.removed", name=md(name), n=freed))
                st.rerun()
        if len(names) > NUMBER_KEYS:
            st.caption(t("label.too_many", n=NUMBER_KEYS))
        with st.form(f"add-label-{project.id}", clear_on_submit=True, border=False):
            box, add = st.columns([4, 1], vertical_alignment="bottom")
            typed = box.text_input(t("label.new"), placeholder=t("label.new_placeholder"))
            if add.form_submit_button(t("label.add"), icon=":material/add:", width="stretch"):
                for new in split_labels(typed):
                    ctx.labels.add_label(project.id, new)
                st.rerun()


def progress_section(progress) -> None:
    st.progress(progress.share, text=t("label.progress", done=progress.labelled, total=progress.total,
                                       share=f"{progress.share:.0%}"))
    badges = progress_badges(progress)  # texts per label (several labels: each counts), or the numbers' range
    if badges:
        st.markdown(badges)


def use_section(ctx, project: Project, progress) -> None:
    st.subheader(t("label.use_title"))
    ready = progress.ready
    need = "label.use_need_two_scores" if project.task == tasks.SCORE else "label.use_need_two"
    st.caption(t("label.use_intro", n=progress.labelled) if ready else t(need))
    train_column, csv_column, excel_column = st.columns([2, 1, 1])
    if train_column.button(t("label.train", n=progress.labelled), type="primary", disabled=not ready,
                           icon=":material/model_training:", width="stretch"):
        train_on(ctx, project)
    workspace = ctx.workspace
    stem = Path(project.name).stem or "labels"
    csv_column.download_button(t("label.download_csv"), data=lambda: export_bytes(workspace, project.id, "csv"),
                               file_name=f"{stem}-labels.csv", mime="text/csv", disabled=not progress.labelled,
                               icon=":material/download:", width="stretch", on_click="ignore")
    excel_column.download_button(
        t("label.download_xlsx"), data=lambda: export_bytes(workspace, project.id, "xlsx"),
        file_name=f"{stem}-labels.xlsx", disabled=not progress.labelled, icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", width="stretch", on_click="ignore")


def train_on(ctx, project: Project) -> None:
    """Save the labelled rows as a dataset, choose it for training and go to Train."""
    try:
        path = ctx.labels.export_for_training(project.id)
    except StudioError as error:
        show_error(error)
        return
    columns = tasks.training_columns(project.task, project.pairs)  # as the file was written: the task is detected
    ctx.update(data=str(path), text_column=columns["text"], label_column=columns["label"], val_data=None,
               text_pair_column=columns["text_pair"], task=project.task, label_columns=None,
               label_separator=";" if project.task == tasks.MULTI else None)
    if st.session_state.get(IN_APP):
        st.switch_page("pages/train.py")
    st.success(t("label.handed", name=md(path.name)), icon=":material/check_circle:")
