"""Label: give each text its label, one at a time with big buttons and number keys, or many at once in a table.
Several labels per text get check boxes, a number per text a slider, and pairs show both texts (ui.label_tasks).

Every label is saved in the workspace database the moment it is given (core.labels): a refresh, a closed
tab or a restarted server loses nothing, and two tabs never overwrite each other's labels.
"""

import streamlit as st

from ui import page_setup, t
from ui.label_projects import (
    chosen_project,
    label_set_section,
    progress_section,
    project_picker,
    start_section,
    take_handover,
    use_section,
)
from ui.label_views import single_view, table_view
from ui.labelling import show_notices
from ui.widgets import guard

ctx = page_setup()
st.title(t("label.title"))
st.caption(t("label.intro"))

with guard():
    projects = ctx.labels.list_projects()
    take_handover(ctx, projects)
    projects = ctx.labels.list_projects()
    project = chosen_project(projects)
    if project is None:
        show_notices()
        st.info(t("label.newcomer"), icon=":material/waving_hand:")
        with st.container(border=True):
            st.subheader(t("label.start_title"))
            start_section(ctx)
        st.stop()
    project_picker(projects, project)
    with st.expander(t("label.new_project"), icon=":material/add:"):
        start_section(ctx)
    names = ctx.labels.label_set(project.id)
    progress = ctx.labels.progress(project.id)
    progress_section(progress)
    if project.task != "regression":  # a number per text needs no label names
        label_set_section(ctx, project, names, progress.per_label)
    show_notices()
    one, table = st.tabs([t("label.view_one"), t("label.view_table")], key="label_view", on_change="rerun")
    if one.open:
        with one:
            single_view(ctx, project, names, progress.total, progress)
    if table.open:
        with table:
            table_view(ctx, project, names)
    st.divider()
    use_section(ctx, project, progress)
