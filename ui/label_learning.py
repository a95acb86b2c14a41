"""The Label page's model that learns while you label (core.labels.watcher): switched on, one learner process
per project keeps a quick model and learns again after every few labels; it first gets to know the project's
texts in the background (its progress shown here). Switched off, it is started ahead while the project is open,
so that switching it on costs a fit, not a process's start (watcher.prestart). Its suggestions come preselected,
the texts it is least sure of come first, its estimated accuracy is drawn against the number of labels, and the
labelled rows most likely wrong are listed to check."""

from __future__ import annotations

import streamlit as st

from core.labels import learner, watcher
from core.labels.records import Project
from ui.i18n import t, t_engine
from ui.labelling import CURRENT, UNCERTAIN
from ui.widgets import md

SHOWN_WRONG = 5
STANDBY = "_learn_standby"  # the project whose learner this tab keeps started ahead


def learning_section(ctx, project: Project, names: list[str],
                     suggested: dict[int, tuple[str, float]] | None) -> dict[int, tuple[str, float]] | None:
    """The learner's suggestions when it is on and has learned (else `suggested` as it was)."""
    on = st.toggle(t("learn.toggle"), key=f"label_learn-{project.id}", help=t("learn.toggle_help"))
    workspace, labelled = str(ctx.workspace), ctx.labels.progress(project.id).labelled
    if not on:
        if st.session_state.pop(f"_learn_on-{project.id}", None):  # switched off here: the learner ends
            watcher.stop_learning(workspace, project.id)
            st.session_state[f"_learn_off-{project.id}"] = True  # and this tab starts none ahead again
        if st.session_state.pop(f"_learn_order-{project.id}", None):  # the learner's order goes with it
            st.session_state.get(UNCERTAIN, {}).pop(project.id, None)
        _started_ahead(workspace, project.id)
        return suggested
    st.session_state[f"_learn_on-{project.id}"] = True
    watcher.keep_learning(workspace, project.id)  # its own process, kept while this page wants it
    status = watcher.read_status(workspace, project.id) or {}
    embedding = not status or status.get("embedded", 0) < status.get("rows", 0)
    st.fragment(_getting_to_know, run_every=2 if embedding else None)(workspace, project.id)
    result = learner.read_result(workspace, project.id) or {}
    if result.get("problem"):
        st.caption(t_engine("learn.problem", result["problem"]))
    if status.get("state") in ("starting", "learning"):
        st.caption(t("learn.learning"))
    if "suggestions" not in result or set(result.get("labels", [])) - set(names):
        return suggested
    _status(result, labelled)
    found = {int(row): (label, float(p)) for row, (label, p) in result["suggestions"].items()}
    if st.session_state.get(UNCERTAIN, {}).get(project.id) != {r: c for r, (_, c) in found.items()}:
        st.session_state.setdefault(UNCERTAIN, {})[project.id] = {r: c for r, (_, c) in found.items()}
        st.session_state[f"_learn_order-{project.id}"] = True
    _most_likely_wrong(ctx, project, result.get("most_likely_wrong") or [])
    return found


def _started_ahead(workspace: str, project_id: int) -> None:
    """The open project's learner started before it is switched on; the one of the project this tab showed before
    let go (each holds an encoder in memory)."""
    before = st.session_state.get(STANDBY)
    if before is not None and before != project_id:
        watcher.let_go(workspace, before)
        st.session_state.pop(STANDBY)
    if not st.session_state.get(f"_learn_off-{project_id}") and watcher.prestart(workspace, project_id):
        st.session_state[STANDBY] = project_id
        ready = watcher.head_start(workspace, project_id) == "ready"
        st.fragment(_head_start, run_every=None if ready else 2)(workspace, project_id)


def _head_start(workspace: str, project_id: int) -> None:
    """Under the switch while it is off: whether switching on would answer at once, redrawn until it would."""
    state = watcher.head_start(workspace, project_id)
    if state:
        st.caption(t("learn.ready" if state == "ready" else "learn.warming"))


def _getting_to_know(workspace: str, project_id: int) -> None:
    """The learner's first job, a progress bar redrawn every 2 s on its own until every text is embedded."""
    status = watcher.read_status(workspace, project_id) or {}
    done, total = int(status.get("embedded", 0)), int(status.get("rows", 0))
    if total and done < total:
        st.progress(done / total, text=t("learn.embedding", done=f"{done:,}", total=f"{total:,}"))


def _status(result: dict, labelled: int) -> None:
    st.caption(t("learn.status", n=result["labelled"], accuracy=f"{result['estimated_accuracy']:.0%}",
                 folds=result.get("folds", 5), seconds=f"{result.get('seconds', 0):.1f}"))
    curve = result.get("curve") or []
    if len(curve) >= 2:
        import pandas as pd

        frame = pd.DataFrame(curve, columns=[t("learn.labels"), t("learn.accuracy")]).set_index(t("learn.labels"))
        st.line_chart(frame, height=160, y_label=t("learn.accuracy"), x_label=t("learn.labels"))


def _most_likely_wrong(ctx, project: Project, wrong: list[dict]) -> None:
    if not wrong:
        return
    with st.expander(t("learn.wrong_title", n=len(wrong)), icon=":material/rule:"):
        st.caption(t("learn.wrong_intro"))
        for item in wrong[:SHOWN_WRONG]:
            row = ctx.labels.row(project.id, item["row"])
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(t("learn.wrong_row", text=md(row.text[:160]), label=md(item["label"]),
                            says=md(item["model_says"]), p=f"{item['sureness']:.0%}"))
            if right.button(t("learn.check"), key=f"learn_check-{item['row']}"):
                st.session_state[CURRENT] = {"project": project.id, "row": row.row, "version": row.version,
                                             "pinned": True}
                st.rerun()
