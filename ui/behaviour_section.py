"""The Evaluate page's behaviour checks: run them on the run's validation rows, see each check's failure rate
and failing examples, and keep the run's own must-say sentences.
"""

from __future__ import annotations

import streamlit as st

from core.serve import behaviour
from core.serve.predictor import run_model_folder
from core.store.runs import RunRecord
from ui import loaders
from ui.i18n import t
from ui.widgets import md


def behaviour_section(store, run: RunRecord) -> None:
    st.subheader(t("behaviour.title"))
    st.caption(t("behaviour.intro"))
    labels = list(((run.results or {}).get("metrics") or {}).get("labels") or [])
    musts_part(run, labels)
    if st.button(t("behaviour.run"), icon=":material/rule:", key=f"behaviour_run-{run.id}"):
        with st.spinner(t("behaviour.running")):
            behaviour.check_run(run.run_dir, loaders.predictor(run_model_folder(store, run.id)))
    results = behaviour.read_results(run.run_dir)
    if results is None:
        st.caption(t("behaviour.none"))
    elif results.get("skipped") == "pairs":
        st.info(t("behaviour.skipped"), icon=":material/info:")
    else:
        results_part(results)


def musts_part(run: RunRecord, labels: list[str]) -> None:
    import pandas as pd

    with st.expander(t("behaviour.musts"), icon=":material/checklist:"):
        st.caption(t("behaviour.musts_help"))
        saved = behaviour.read_musts(run.run_dir)
        frame = pd.DataFrame(saved or [], columns=["text", "label"])
        edited = st.data_editor(frame, num_rows="dynamic", width="stretch", key=f"behaviour_musts-{run.id}",
                                column_config={"text": st.column_config.TextColumn(t("behaviour.col.text"),
                                                                                   width="large"),
                                               "label": st.column_config.SelectboxColumn(
                                                   t("behaviour.col.expected"), options=labels)})
        if st.button(t("behaviour.save_musts"), icon=":material/save:", key=f"behaviour_save-{run.id}"):
            rows = [r for r in edited.to_dict("records") if isinstance(r.get("text"), str) and r.get("label")]
            behaviour.save_musts(run.run_dir, rows)
            st.success(t("behaviour.saved", n=len(behaviour.read_musts(run.run_dir))))


def results_part(results: dict) -> None:
    import pandas as pd

    st.caption(t("behaviour.rows", rows=results.get("rows", 0)))
    table = pd.DataFrame([{t("behaviour.col.check"): t(f"behaviour.check.{c['name']}"),
                           t("behaviour.col.what"): t(f"behaviour.kind.{c['kind']}"),
                           t("behaviour.col.tested"): c["tested"], t("behaviour.col.failed"): c["failed"],
                           t("behaviour.col.rate"): f"{c['failure_rate']:.1%}"} for c in results["checks"]])
    st.dataframe(table, hide_index=True, width="stretch")
    for c in results["checks"]:
        if c["examples"]:
            with st.expander(t("behaviour.examples", check=md(t(f"behaviour.check.{c['name']}")))):
                st.dataframe(pd.DataFrame(c["examples"]).rename(columns={
                    "text": t("behaviour.col.text"), "changed": t("behaviour.col.changed"),
                    "before": t("behaviour.col.before"), "after": t("behaviour.col.after"),
                    "expected": t("behaviour.col.expected")}), hide_index=True, width="stretch")
