"""The Evaluate page's parts: which run, a report on its validation rows or on another file, and the scores,
confusion matrix and surest mistakes drawn from that report.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from core.data.saved import list_datasets, sample_datasets
from core.serve.validation import (
    PARTS,
    cell_rows,
    confident_mistakes,
    largest_confusion,
    rows_agree,
    scored_part,
    validation_report,
    validation_texts,
)
from core.store.runs import RunRecord
from core.train.metrics import unmeasured_warning
from ui import format as fmt
from ui import loaders, t
from ui.i18n import t_engine
from ui.review_charts import cell_of, confidence_histogram, confusion_figure
from ui.uploads import dataset_label, new_upload
from ui.widgets import md

RESULT = "_evaluate_file_result"  # the last file evaluation of this tab: (key, report)
APPLIED = "_evaluate_applied_click"  # the chart click already copied into the pickers
MISTAKES_SHOWN = 50


def run_label(run: RunRecord) -> str:
    results = run.results or {}
    accuracy = (results.get("test_metrics" if scored_part(results) == "test" else "metrics") or {}).get("accuracy")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.ended_at or run.created_at))
    score = t("try.accuracy", value=f"{accuracy:.0%}") if accuracy is not None else ""
    return " · ".join(x for x in (run.name, score, when) if x)


def pick_run(ctx, runs: list[RunRecord]) -> RunRecord:
    ids = [r.id for r in runs]
    by_id = {r.id: r for r in runs}
    run_id = st.selectbox(t("evaluate.run"), ids, format_func=lambda i: run_label(by_id[i]),
                          index=ids.index(ctx.choices.run_id) if ctx.choices.run_id in ids else 0)
    if run_id != ctx.choices.run_id:
        ctx.update(run_id=run_id)
    return by_id[run_id]


def own_parts(run: RunRecord) -> list[str]:
    """The rows a run scored itself on, the one to trust first: ['test', 'validation'], or ['validation']."""
    return ["test", "validation"] if scored_part(run.results or {}) == "test" else ["validation"]


def validation(run: RunRecord, part: str = "validation") -> dict | None:
    """What the training measured on its validation (or test) rows; predicted again when they were saved shuffled."""
    report = validation_report(run.run_dir, part)
    if report is None or rows_agree(report):
        return report
    with st.spinner(t("evaluate.measuring")):
        return predicted_again(run.run_dir, loaders.file_stamp(Path(run.run_dir) / PARTS[part][1]), part)


@st.cache_data(max_entries=4, show_spinner=False)
def predicted_again(run_dir: str, stamp: tuple[int, int], part: str = "validation") -> dict:
    from core.serve.evaluate import evaluate
    from core.store.run_folder import model_dir

    predictor = loaders.predictor(model_dir(run_dir))
    report = evaluate(predictor, validation_texts(validation_report(run_dir, part)), rows_name=f"{part} rows")
    return {**report, "part": part}


def file_report(ctx, run: RunRecord) -> dict | None:
    """Pick or upload a labelled file and measure the model on it; None until the user asks."""
    from core.data.columns import detect_columns

    options = [None, *list_datasets(ctx.workspace), *sample_datasets()]
    left, right = st.columns(2)
    uploaded = new_upload(ctx, t("evaluate.upload"), "evaluate_upload", where=right)
    if uploaded is not None:
        st.session_state["evaluate_file"] = uploaded
        st.rerun()
    path = left.selectbox(t("evaluate.file"), options, key="evaluate_file",
                          format_func=lambda p: t("data.val_none") if p is None else dataset_label(p))
    if path is None:
        st.caption(t("evaluate.file_hint"))
        return None
    table = loaders.table(str(path))
    columns = [str(c) for c in table.frame.columns]
    detected_text, detected_label = detect_columns(table.frame)
    left, right = st.columns(2)
    text_column = left.selectbox(t("data.text_column"), columns, key=f"evaluate_text-{path}",
                                 index=columns.index(detected_text) if detected_text in columns else 0)
    label_options = [c for c in columns if c != text_column] or columns
    label_column = right.selectbox(t("data.label_column"), label_options, key=f"evaluate_label-{path}",
                                   index=label_options.index(detected_label) if detected_label in label_options else 0)
    from ui.long_texts import window_stride

    stride = window_stride("evaluate", int(run.config.get("max_length") or 128))
    key = (run.id, str(path), loaders.file_stamp(path), text_column, label_column, stride)
    held = st.session_state.get(RESULT)
    if held and held[0] == key:
        return held[1]
    if not st.button(t("evaluate.measure"), type="primary", icon=":material/play_arrow:"):
        return None
    from core.serve.evaluate import evaluate
    from core.serve.predictor import run_model_folder
    from core.serve.windows import windowed

    with st.spinner(t("evaluate.measuring")):
        data = loaders.texts(str(path), text_column, label_column)
        predictor = loaders.predictor(run_model_folder(ctx.store, run.id))
        report = evaluate(windowed(predictor, stride), data)
    st.session_state[RESULT] = (key, report)
    return report


def scores_section(report: dict) -> None:
    part = report.get("part", "file")
    st.markdown(f"**{t(f'evaluate.scores_on.{part}')}**")  # which rows these scores are on
    cols = st.columns(3)
    cols[0].metric(t("evaluate.accuracy"), f"{report['accuracy']:.1%}", help=t("evaluate.accuracy_help"))
    cols[1].metric(t("evaluate.macro_f1"), f"{report['macro_f1']:.1%}", help=t("evaluate.macro_f1_help"))
    cols[2].metric(t("evaluate.rows"), f"{report.get('rows', 0):,}")
    unmeasured = report.get("unmeasured") or []
    named = {unmeasured_warning(unmeasured, rows, len(report["per_class"]))
             for rows in ("validation rows", "test rows", "rows of this file")} if unmeasured else set()
    for warning in report.get("warnings", []):
        if warning in named:  # a label no row has: its recall means nothing, and macro-F1 leaves it out
            st.info(t_engine("evaluate.unmeasured", warning, labels=", ".join(unmeasured),
                             n=len(report["per_class"])), icon=":material/info:")
        else:
            st.info(t_engine("evaluate.left_out", warning), icon=":material/info:")
    import pandas as pd

    per_class = report["per_class"]
    frame = pd.DataFrame({t("evaluate.col.label"): list(per_class),
                          t("evaluate.col.precision"): [v["precision"] for v in per_class.values()],
                          t("evaluate.col.recall"): [v["recall"] for v in per_class.values()],
                          t("evaluate.col.f1"): [v["f1"] for v in per_class.values()],
                          t("evaluate.col.support"): [v["support"] for v in per_class.values()]})
    percent = {t(f"evaluate.col.{k}"): fmt.percent_column(t(f"evaluate.col.{k}"), help=t(f"evaluate.col.{k}_help"))
               for k in ("precision", "recall", "f1")}
    st.dataframe(frame, hide_index=True, column_config=percent, width="stretch")


def matrix_section(report: dict, key: str) -> None:
    """The confusion matrix; a click on a cell (or the two pickers) lists the texts in it, surest first."""
    labels, matrix = report["labels"], report["confusion_matrix"]
    table = report.get("rows_table")
    n = len(labels)
    true_key, predicted_key = f"evaluate_true-{key}", f"evaluate_predicted-{key}"
    if true_key not in st.session_state:  # start on the mix-up that happens most: that is where to look
        pair = largest_confusion(labels, matrix) or (labels[0], labels[0])
        st.session_state[true_key], st.session_state[predicted_key] = pair
    chosen = (labels.index(st.session_state[true_key]), labels.index(st.session_state[predicted_key]))
    left, right = st.columns([3, 2])
    with left:
        event = st.plotly_chart(confusion_figure(labels, matrix, chosen), key=f"matrix-{key}", on_select="rerun",
                                selection_mode="points", config={"displayModeBar": False})
        st.caption(t("evaluate.matrix_hint"))
    clicked = cell_of(event, n)
    if clicked is not None and st.session_state.get(APPLIED) != (key, clicked):
        st.session_state[APPLIED] = (key, clicked)
        st.session_state[true_key], st.session_state[predicted_key] = labels[clicked[0]], labels[clicked[1]]
        st.rerun()  # draw the chart again with the clicked cell outlined
    with right:
        true_label = st.selectbox(t("evaluate.true"), labels, key=true_key)
        predicted = st.selectbox(t("evaluate.predicted"), labels, key=predicted_key)
        count = matrix[labels.index(true_label)][labels.index(predicted)]
        sentence = "evaluate.cell_right" if true_label == predicted else "evaluate.cell_wrong"
        st.markdown(t(sentence, n=count, true=md(true_label), predicted=md(predicted)))
    if table is None:
        st.caption(t("evaluate.no_rows"))
        return
    rows = cell_rows(table, true_label, predicted)
    if not rows.empty:
        rows_table(rows, key=f"cell-{key}")


def rows_table(rows, key: str) -> None:
    """Texts with their true and predicted label and the model's probabilities, as a table."""
    names = {"text": t("evaluate.col.text"), "label": t("evaluate.col.true"),
             "predicted": t("evaluate.col.predicted"), "confidence": t("evaluate.col.confidence"),
             "text_pair": t("evaluate.col.text_pair")}
    shown = rows.rename(columns=names)
    probabilities = [c for c in shown.columns if c.startswith("p(")]
    width = "medium" if "text_pair" in rows.columns else "large"  # a pair's two texts must both fit on screen
    config = {names["text"]: st.column_config.TextColumn(width=width),
              names["text_pair"]: st.column_config.TextColumn(width=width),
              names["confidence"]: fmt.percent_column()}
    config.update({c: fmt.percent_column(bar=False) for c in probabilities})
    # the labels and probabilities first, the long text last: a wide text never pushes them off the page
    first = [names["label"], names["predicted"], names["confidence"], *probabilities]
    texts = [names["text"], names["text_pair"]]  # a pair's two texts side by side, last
    order = [*first, *(c for c in shown.columns if c not in (*first, *texts)), *texts]
    order = [c for c in order if c in shown.columns]
    st.dataframe(shown, hide_index=True, column_config=config, column_order=order, key=key, width="stretch",
                 height=min(400, 38 + 35 * len(shown)))


def mistakes_section(report: dict, key: str) -> None:
    table = report.get("rows_table")
    if table is None:
        return
    st.subheader(t("evaluate.mistakes"))
    wrong = confident_mistakes(table)
    if wrong.empty:
        st.success(t("evaluate.no_mistakes"), icon=":material/check_circle:")
    else:
        st.caption(t("evaluate.mistakes_intro", n=len(wrong), shown=min(len(wrong), MISTAKES_SHOWN)))
        rows_table(wrong.head(MISTAKES_SHOWN), key=f"mistakes-{key}")
    right = table[table["label"] == table["predicted"]]["confidence"].dropna().tolist()
    missed = table[table["label"] != table["predicted"]]["confidence"].dropna().tolist()
    st.plotly_chart(confidence_histogram(right, missed), key=f"confidence-{key}")
    st.caption(t("evaluate.confidence_hint"))
