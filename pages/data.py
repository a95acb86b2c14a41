"""Data: bring a file (or pick a sample), check its columns, let the data doctor fix what is odd."""

import math
import re
from pathlib import Path

import streamlit as st

from core.data.columns import detect_columns
from core.data.saved import list_datasets, sample_datasets, save_texts
from core.data.split import suggested_test_fraction
from core.data.tasks import detect_pair_columns
from core.errors import DataError, ModelError, StudioError
from core.train.scale import val_rows_for
from ui import charts, loaders, page_setup, t
from ui.i18n import t_engine
from ui.labelling import label_button
from ui.task_pages import task_of_config, task_picker, task_report
from ui.task_views import pair_column_picker
from ui.uploads import dataset_label, new_upload
from ui.widgets import guard, md, next_step, show_error

ctx = page_setup()
st.title(t("data.title"))
st.caption(t("data.intro"))
NOTICE = "_data_notice"
DASHBOARD_FIXES = {"model_language"}


def read(path):
    """The file as a table; while a big one is read (once: it is cached) a spinner says which and how big."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0  # loaders.table says what is wrong with it
    if size < 8 * 2**20:
        return loaders.table(str(path))
    with st.spinner(t("data.reading", name=md(Path(path).name), size=f"{size / 2**20:,.0f}")):
        return loaders.table(str(path))


def choose(path: Path) -> None:
    """Make a file the dataset, with its text and label columns detected."""
    table = read(path)
    pair = detect_pair_columns(table.frame)  # sentence1/sentence2, question1/question2, ...: a pair task
    text_column, label_column = detect_columns(table.frame.drop(columns=[pair[1]]) if pair else table.frame,
                                               pair[0] if pair else None)
    ctx.update(data=str(path), text_column=text_column, label_column=label_column or "",
               text_pair_column=pair[1] if pair else "",
               test_fraction=suggested_test_fraction(usable_rows(table.frame, text_column, label_column or "")))


def source_picker() -> None:
    pick, upload = st.columns(2)
    with upload:
        saved = new_upload(ctx, t("data.upload"), "data_upload", help=t("data.upload_help"))
        if saved is not None:
            try:
                choose(saved)
            except DataError as error:
                saved.unlink(missing_ok=True)  # an unreadable file is not kept as a dataset
                show_error(error)
            else:
                st.session_state[NOTICE] = t("data.uploaded", name=md(saved.name))
                st.rerun()
    with pick:
        options = list_datasets(ctx.workspace) + sample_datasets()
        current = Path(ctx.config.data)
        if current not in options:
            options.insert(0, current)
        picked = st.selectbox(t("data.pick"), options, index=options.index(current), format_func=dataset_label)
        if picked != current:
            choose(picked)
            st.rerun()


def column_pickers(columns: list[str]) -> tuple[str, str]:
    config = ctx.config
    left, right = st.columns(2)
    text_index = columns.index(config.text_column) if config.text_column in columns else 0
    text_column = left.selectbox(t("data.text_column"), columns, index=text_index, help=t("data.text_column_help"))
    label_options = ["", *columns]
    label_index = label_options.index(config.label_column) if config.label_column in label_options else 0
    label_column = right.selectbox(t("data.label_column"), label_options, index=label_index,
                                   format_func=lambda c: c or t("data.no_labels"), help=t("data.label_column_help"))
    if (text_column, label_column) != (config.text_column, config.label_column):
        ctx.update(text_column=text_column, label_column=label_column)
        st.rerun()
    return text_column, label_column


def apply_fix(function, suffix: str) -> None:
    """Save a cleaned copy of the data in the workspace and make it the dataset."""
    config = ctx.config
    data = loaders.texts(config.data, config.text_column, config.label_column)
    fixed = function(data)
    stem = re.sub(rf"-{suffix}(-\d+)?$", "", Path(config.data).stem)  # dirty-clean-2 -> dirty
    saved = save_texts(ctx.workspace, fixed, f"{stem}-{suffix}.csv")  # a new name: the earlier copy stays
    ctx.update(data=str(saved), text_column=fixed.text_column, label_column=fixed.label_column or "")
    removed = len(data) - len(fixed)  # cleaning texts keeps every row
    st.session_state[NOTICE] = t("data.fixed" if removed else "data.cleaned", name=md(saved.name), removed=removed)
    st.rerun()


def problem_fix(problem, report) -> None:
    """The one-click fix for a problem of the report, when it has one."""
    from core.data.fixes import drop_blank_texts, drop_duplicates, drop_small_classes, merge_label_variants
    from core.data.messy import messy_fixes

    fixes = {"blank_texts": (drop_blank_texts, "data.fix.blank_texts"),
             "duplicates": (drop_duplicates, "data.fix.duplicates"),
             "conflicting_duplicates": (drop_duplicates, "data.fix.conflicting_duplicates"),
             "label_variants": (merge_label_variants, "data.fix.label_variants"),
             "small_classes": (drop_small_classes, "data.fix.small_classes")}
    fixes.update(messy_fixes())  # unescape, strip tags, mask addresses, collapse spaces
    if problem.code in fixes and not (problem.code == "blank_texts" and problem.count >= report.rows):
        function, label = fixes[problem.code]
        if st.button(t(label), key=f"fix-{problem.code}", icon=":material/auto_fix_high:"):
            apply_fix(function, "clean")
    elif problem.code == "unlabelled":  # no label column, or rows without a label: label them on the Label page
        label_button(ctx.config.data, ctx.config.text_column, ctx.config.label_column)
    elif problem.code == "truncation" and report.token_lengths:
        longer = min(512, 32 * math.ceil(report.token_lengths["p95"] / 32))
        if longer > report.max_length and st.button(t("data.fix.truncation", n=longer), icon=":material/straighten:"):
            ctx.update(max_length=longer)
            st.rerun()


def problem_text(problem, report) -> str:
    values = {"count": problem.count, "rows": report.rows, "max_length": report.max_length,
              "labels": ", ".join(report.small_classes[:5]), "share": f"{(report.truncated_share or 0):.0%}",
              "example": " / ".join(next(iter(report.label_variants.values()), [])[:2]),
              "encoding": report.encoding or ""}
    kind = "all" if problem.count >= report.rows and problem.code in ("blank_texts", "unlabelled") else "some"
    message = t_engine(f"report.{problem.code}.{kind}", problem.message, **values)
    fix = t_engine(f"report.{problem.code}.fix", problem.fix, **values)
    if problem.code in DASHBOARD_FIXES:  # the engine's fix speaks to the command line
        fix = t(f"report.{problem.code}.fix", **values)
    return f"{md(message)}  \n**{t('error.fix')}** {md(fix)}"


def report_section(text_column: str, label_column: str, rows: int) -> None:
    config = ctx.config
    max_length = config.max_length
    with st.spinner(t("data.checking_big", rows=f"{rows:,}") if rows >= 50_000 else t("data.checking")):
        try:
            report, lengths = loaders.report(config.data, text_column, label_column, config.model, max_length,
                                             config.text_pair_column, task_of_config(config))
        except ModelError:
            st.caption(t("data.no_tokenizer"))
            report, lengths = loaders.report(config.data, text_column, label_column, None, max_length,
                                             config.text_pair_column, task_of_config(config))
    st.subheader(t("data.report"))
    task_report(report)  # several labels per text, or a score: why, and its picture
    if report.text_pair_column:
        st.caption(t("data.pair_reason", first=md(report.text_column), second=md(report.text_pair_column)))
    cols = st.columns(4)
    cols[0].metric(t("data.rows"), f"{report.rows:,}")
    cols[1].metric(t("data.labels"), len(report.label_counts) if label_column else "–")
    cols[2].metric(t("data.language"), t(f"lang.{report.language}") if report.language in ("en", "zh") else
                   report.language)
    median = report.token_lengths["median"] if report.token_lengths else None
    cols[3].metric(t("data.median_tokens"), f"{median:.0f}" if median is not None else "–",
                   help=t("data.tokens_help"))
    if not report.problems:
        st.success(t("data.healthy"), icon=":material/check_circle:")
    for problem in report.problems:
        box = st.error if problem.severity == "error" else st.warning
        box(problem_text(problem, report), icon=":material/error:" if problem.severity == "error" else
            ":material/warning:")
        problem_fix(problem, report)
    left, right = st.columns(2)
    if report.label_counts:
        left.plotly_chart(charts.label_bar(report.label_counts), key="labels_chart")
    if lengths:
        right.plotly_chart(charts.length_histogram(lengths, max_length, t("chart.tokens")), key="lengths_chart")


def validation_section(rows: int) -> None:
    config = ctx.config
    st.subheader(t("data.validation"))
    st.caption(t("data.validation_intro"))
    modes = ["share", "file"]
    mode = st.radio(t("data.validation_mode"), modes, index=1 if config.val_data else 0, horizontal=True,
                    format_func=lambda m: t(f"data.validation.{m}"))
    if mode == "share":
        percent = st.slider(t("data.val_share"), 5, 50, int(round(config.val_fraction * 100)), step=5,
                            format="%d%%")
        if percent / 100 != config.val_fraction or config.val_data:
            ctx.update(val_fraction=percent / 100, val_data=None)
        test_share(rows, percent / 100)
        return
    others = [p for p in list_datasets(ctx.workspace) + sample_datasets() if str(p) != config.data]
    current = Path(config.val_data) if config.val_data else None
    options = [None, *others]
    if current is not None and current not in options:
        options.append(current)
    picked = st.selectbox(t("data.val_file"), options, index=options.index(current),
                          format_func=lambda p: t("data.val_none") if p is None else dataset_label(p))
    picked = new_upload(ctx, t("data.val_upload"), "val_upload") or picked
    if picked != current:
        ctx.update(val_data=str(picked) if picked else None)
        st.rerun()
    test_share(rows, 0.0)


def test_share(rows: int, val_fraction: float) -> None:
    """The rows kept apart until training ends: the final model's honest score (validation picks the best epoch)."""
    config = ctx.config
    percent = st.slider(t("data.test_share"), 0, 30, int(round(config.test_fraction * 100)), step=5, format="%d%%",
                        help=t("data.test_share_help"))
    if percent / 100 != config.test_fraction:
        ctx.update(test_fraction=percent / 100)
    test = math.ceil(rows * percent / 100)
    val = val_rows_for(val_fraction, rows, config.val_max_rows)  # big data: at most 5,000 rows unless raised
    if val and test:
        st.caption(t("data.val_test_split", train=rows - val - test, val=val, test=test))
    elif val:
        st.caption(t("data.val_split", train=rows - val, val=val))
    elif test:
        st.caption(t("data.test_split", train=rows - test, test=test))


def usable_rows(frame, text_column: str, label_column: str) -> int:
    """Rows with a text and a label: what a split shares out."""
    if not label_column or label_column not in frame or text_column not in frame:
        return len(frame)
    filled = [frame[c].fillna("").astype(str).str.strip() != "" for c in (text_column, label_column)]
    return int((filled[0] & filled[1]).sum())


with guard():
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    source_picker()
    try:
        table = read(ctx.config.data)
    except StudioError as error:
        show_error(error)
        st.stop()
    for warning in table.warnings:
        st.info(t_engine("data.read_warning", warning), icon=":material/info:")
    text_column, label_column = column_pickers([str(c) for c in table.frame.columns])
    pair_column_picker(ctx, [str(c) for c in table.frame.columns], text_column, label_column)
    task_picker(ctx, [str(c) for c in table.frame.columns], text_column)
    st.caption(t("data.preview", rows=f"{len(table.frame):,}", name=md(Path(ctx.config.data).name)))
    st.dataframe(table.frame.head(200), hide_index=True, height=230)
    report_section(text_column, label_column, len(table.frame))  # the rows tell the spinner what the check does
    validation_section(len(table.frame))
    next_step("pages/train.py", "data.next")
