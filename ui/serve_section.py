"""The Runs page's serve-and-export part: the serve command for a run, start/stop the service, and an ONNX
export whose agreement with the PyTorch model and size are shown before it is offered.
"""

from __future__ import annotations

import streamlit as st

from core.errors import StudioError
from core.serve.onnx_export import export_folder, read_export
from core.serve.service_run import ENGINES, serve_command, serving_state, start_background, stop_background
from core.store.run_folder import model_dir
from core.store.runs import RunRecord
from ui.i18n import t
from ui.widgets import show_error


def serve_section(store, run: RunRecord) -> None:
    st.subheader(t("serve.title"))
    st.caption(t("serve.intro"))
    if not (model_dir(run.run_dir) / "config.json").exists():
        st.caption(t("runs.no_model"))
        return
    service_part(store, run)
    export_part(run)


def _engines(run: RunRecord) -> list[str]:
    folder = export_folder(run.run_dir)
    present = {"pytorch": True, "onnx": (folder / "model.onnx").exists(), "onnx-int8": (folder / "model.int8.onnx")
               .exists()}
    return [e for e in ENGINES if present[e]]


def service_part(store, run: RunRecord) -> None:
    state = serving_state(store, run.id)
    engine_column, port_column = st.columns([3, 1])
    engine = engine_column.radio(t("serve.engine"), _engines(run), horizontal=True, key=f"serve_engine-{run.id}",
                                 format_func=lambda e: t(f"serve.engine.{e}"), disabled=state is not None)
    port = int(port_column.number_input(t("serve.port"), 1024, 65535, (state or {}).get("port", 8000),
                                        key=f"serve_port-{run.id}", disabled=state is not None))
    st.caption(t("serve.command"))
    st.code(serve_command(run.id, port=port, engine=engine), language="bash")
    if state:
        st.success(t("serve.running", url=f"http://127.0.0.1:{state['port']}"), icon=":material/podcasts:")
        if st.button(t("serve.stop"), icon=":material/stop_circle:", key=f"serve_stop-{run.id}"):
            stop_background(store, run.id)
            st.rerun()
    elif st.button(t("serve.start"), icon=":material/play_circle:", key=f"serve_start-{run.id}"):
        try:
            start_background(store, run.id, port, engine)
        except StudioError as error:
            show_error(error)
        else:
            st.rerun()


def export_part(run: RunRecord) -> None:
    st.markdown(f"**{t('serve.export')}**")
    int8 = st.checkbox(t("serve.int8"), value=True, key=f"serve_int8-{run.id}")
    if st.button(t("serve.export"), icon=":material/deployed_code:", key=f"serve_export-{run.id}"):
        from core.serve.onnx_export import export_onnx

        with st.spinner(t("serve.exporting")):
            try:
                export_onnx(run.run_dir, "int8" if int8 else None)
            except StudioError as error:
                show_error(error)
            else:
                st.rerun()  # the engines to serve with now include the export
    shown = read_export(run.run_dir)
    if shown and shown.get("checks"):
        export_table(shown)


def export_table(result: dict) -> None:
    import pandas as pd

    checks = result["checks"]
    st.caption(t("serve.export_done", folder=result.get("folder", "")) + " · "
               + t("serve.export_checked", rows=checks.get("rows", 0)))
    rows = []
    for kind, size in result.get("sizes_mb", {}).items():
        c = checks.get(kind) or {}
        rows.append({t("serve.col.model"): f"ONNX {kind}", t("serve.col.size"): f"{size:.1f} MB",
                     t("serve.col.agreement"): "–" if c.get("agreement") is None else f"{c['agreement']:.2%}",
                     t("serve.col.difference"): f"{c.get('max_difference', 0):.2g}",
                     t("serve.col.passed"): "✅" if c.get("passed") else "❌"})
        if not c.get("passed"):
            st.warning(t("serve.export_failed", kind=kind), icon=":material/warning:")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if result.get("int8_kept_fp32"):
        st.caption(t("serve.int8_kept", count=result["int8_kept_fp32"]))
    if result.get("pytorch_mb"):
        st.caption(t("serve.pytorch_size", size=f"{result['pytorch_mb']:.1f}"))
