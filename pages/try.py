"""Try: type a sentence and see the label and how sure the model is; or label a whole file at once."""

from pathlib import Path

import streamlit as st

from core.errors import DataError
from core.store.run_folder import model_dir
from core.store.runs import RunRecord
from ui import charts, page_setup, t
from ui import format as fmt
from ui.batch_file import label_file
from ui.evaluate_sections import run_label  # the score every page shows: the test rows' when there are some
from ui.long_texts import read_whole
from ui.presenter import answerer, int8_available
from ui.task_pages import task_answer
from ui.task_views import pair_section, second_texts
from ui.try_examples import examples
from ui.uploads import new_upload
from ui.widgets import guard, md, next_step, show_error
from ui.zero_shot import zero_shot_demo

ctx = page_setup()
st.title(t("try.title"))
st.caption(t("try.intro"))
TEXT = "try_text"
BATCH_FILE = "_try_batch_file"  # the uploaded file, saved in the workspace


def set_text(text: str) -> None:
    st.session_state[TEXT] = text


def sentence_section(predictor, run: RunRecord) -> None:
    if predictor.pairs:  # a model of pairs answers two texts: two boxes
        pair_section(predictor, run)
        return
    st.text_input(t("try.type"), key=TEXT, placeholder=t("try.placeholder"))
    shown = examples(run.run_dir, run.config.get("data", ""), run.config.get("text_column"))
    if shown:
        st.caption(t("try.examples"))
        columns = st.columns(3)
        for i, example in enumerate(shown):
            columns[i % 3].button(md(example), key=f"example-{i}", on_click=set_text, args=(example,),
                                  use_container_width=True)
    text = st.session_state.get(TEXT, "")
    if not text.strip():
        return
    prediction = predictor.predict(text)
    if not ctx.choices.tried:
        ctx.update(tried=True)
    if task_answer(prediction, predictor, run):  # several labels with their thresholds, or a number
        return
    left, right = st.columns([1, 2])
    with left:
        st.caption(t("try.label"))
        st.markdown(f"## {md(prediction.label)}")
        st.caption(t("try.confidence", p=fmt.percent(prediction.confidence), ms=f"{prediction.milliseconds:.0f}"))
    with right:
        st.plotly_chart(charts.probability_bars(prediction.probabilities, prediction.label), key="probabilities")


def file_section(predictor, run: RunRecord) -> None:
    st.subheader(t("try.batch"))
    st.caption(t("try.batch_intro"))
    uploaded = new_upload(ctx, t("try.batch_upload"), "try_upload")
    if uploaded is not None:
        st.session_state[BATCH_FILE] = uploaded
    path = st.session_state.get(BATCH_FILE)
    if path is None or st.session_state.get("try_upload") is None:  # removed from the widget: nothing to label
        return
    from core.data.columns import detect_columns
    from core.data.files import read_table

    try:
        table = read_table(path)
    except DataError as error:
        show_error(error)
        return
    columns = [str(c) for c in table.frame.columns]
    detected, _ = detect_columns(table.frame)
    column = st.selectbox(t("try.batch_column"), columns, index=columns.index(detected) if detected in columns else 0)
    texts = [v if isinstance(v, str) else "" for v in table.frame[column].tolist()]
    pairs = second_texts(table.frame, column) if predictor.pairs else None
    key = (str(path), run.id, column)
    if st.session_state.get("_try_table_key") != key:  # streamed into a CSV in the workspace, with progress
        st.session_state["_try_table"] = label_file(predictor, texts, pairs, ctx.workspace, str(path))
        st.session_state["_try_table_key"] = key
    result, out = st.session_state["_try_table"]
    st.dataframe(result, hide_index=True, height=300, **batch_table_layout(result))
    st.download_button(t("try.download"), out.read_bytes(),
                       file_name=f"{Path(st.session_state['try_upload'].name).stem}-predictions.csv", mime="text/csv",
                       icon=":material/download:")


def batch_table_layout(table) -> dict:
    """The answers and probabilities first, the long text last: a wide text never pushes them off the page."""
    probabilities = [c for c in table.columns if c.startswith("p(")]
    config = {"text": st.column_config.TextColumn(t("evaluate.col.text"), width="large"),
              "predicted": st.column_config.TextColumn(t("evaluate.col.predicted")),
              "confidence": fmt.percent_column(t("evaluate.col.confidence"))}
    config.update({c: fmt.percent_column(c, bar=False) for c in probabilities})
    order = [c for c in ["predicted", "confidence", *probabilities, "text"] if c in table.columns]
    return {"column_order": order, "column_config": config}


with guard():
    runs = [r for r in ctx.store.list_runs(("completed",)) if (model_dir(r.run_dir) / "config.json").exists()]
    if not runs:
        st.info(t("try.no_runs"), icon=":material/info:")
        next_step("pages/train.py", "try.go_train")
        zero_shot_demo(ctx)  # label names alone, before any training
        st.stop()
    ids = [r.id for r in runs]
    by_id = {r.id: r for r in runs}
    run_id = st.selectbox(t("try.run"), ids, index=ids.index(ctx.choices.run_id) if ctx.choices.run_id in ids else 0,
                          format_func=lambda i: run_label(by_id[i]))
    if run_id != ctx.choices.run_id:
        ctx.update(run_id=run_id)
    run = by_id[run_id]
    int8 = int8_available(run) and st.toggle(t("try.int8"), key="try_int8", help=t("try.int8_help"))
    with st.spinner(t("try.loading")):
        predictor = answerer(ctx.store, run, prefer_int8=int8)  # the PyTorch model unless int8 is picked
    predictor = read_whole(predictor, "try")  # long texts in sliding windows, when switched on
    st.caption(t("try.labels", labels=md(", ".join(predictor.labels))))
    sentence_section(predictor, run)
    st.divider()
    file_section(predictor, run)
