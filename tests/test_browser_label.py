"""Label, train, evaluate, download: the labelling journey in a real browser, in English.

A newcomer starts from the unlabelled sample the Label page offers, types two labels, labels ten texts
(big buttons and number keys, five of each), presses "Train on these 10 texts", trains with the quick preset
for one epoch, reads the accuracy and the confusion matrix on Evaluate, downloads the model's zip on Runs,
and a fresh Python process loads the extracted folder with `transformers.pipeline`.

Reuses the server, browser and waiting helpers of tests/test_browser.py (skipped, like it, without
/usr/bin/chromium or Playwright). Screenshots go to $STUDIO_SHOTS (default: a pytest tmp folder).

    .venv/bin/python -m pytest tests/test_browser_label.py -q          (1-2 minutes on a 2-core CPU)
    STUDIO_SHOTS=/tmp/label_journey_shots .venv/bin/python -m pytest tests/test_browser_label.py -q -s
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests import test_browser
from tests.test_browser import (
    PAGE_DRAW_S,
    Page,
    assert_no_failure,
    catalogue,
    chosen,
    main_text,
    open_page,
    plot_data,
    poll,
    quick_one_epoch,
    report,
    settle,
    shot,
    shown,
    start_training,
    wait_for_title,
    wait_until_finished,
)

pytestmark = pytest.mark.browser
# the app on a free port with a fresh workspace, headless Chromium, a new tab: test_browser's fixtures, as they are
studio, browser, page = test_browser.studio, test_browser.browser, test_browser.page

SAMPLE = "unlabelled_feedback.txt"
LABELS = ("positive", "negative")
LABELLED = 10               # five of each, alternating
CLICKED = 2                 # the first ones with the big buttons, the rest with the number keys
LOAD_S = 240                # a fresh Python process imports torch and transformers and loads the model


def matrix_counts(page: Page, key: str) -> dict:
    """The confusion matrix drawn under the Streamlit key `key`: its labels and the count in each cell."""
    return page.evaluate(
        """key => { const g = document.querySelector(`[class*="st-key-${key}"] .js-plotly-plot`);
             const heat = g && (g.data || []).find(t => t.type === 'heatmap');
             return heat ? {x: Array.from(heat.x), y: Array.from(heat.y),
                            counts: heat.text.map(row => Array.from(row).map(Number))} : null; }""", key)


def drawn_traces(page: Page, key: str) -> list[dict]:
    """How many points each trace of the chart under the Streamlit key `key` has, and how plotly draws them."""
    return page.evaluate(
        """key => Array.from(document.querySelectorAll(`[class*="st-key-${key}"] .js-plotly-plot`))
             .filter(g => !g.closest('[data-stale="true"]'))
             .flatMap(g => (g._fullData || []).map(t => ({points: (t.x || []).length, mode: t.mode || ''})))""", key)


def give(page: Page, n: int, label: str, by_key: bool) -> None:
    """Give the text on show `label`, with its big button or its number key; wait until the page says it is saved."""
    if by_key:
        page.locator("body").press(str(LABELS.index(label) + 1))  # never typed into a text box: focus on the page
    else:
        page.locator(".st-key-label_buttons").get_by_test_id("stButton").filter(has_text=label).click()
    saved = shown(catalogue("en")["label.saved"], n=n, label=label)
    poll(f"text {n} to be saved as {label}", lambda: saved in main_text(page), 30, page, every=0.1)
    settle(page)


def test_label_train_evaluate_download(studio, page, capsys, tmp_path):
    from core.labels.store import LabelStore
    from core.serve.export import bundle_name
    from ui.state import load_choices

    cat = catalogue("en")
    step = iter(range(1, 100))
    timings = {}
    begun = time.monotonic()

    def snap(name: str) -> None:
        shot(studio, page, f"label-{next(step):02d}-{name}")

    # --- Label: a fresh workspace offers the unlabelled sample; Start labelling
    page.goto(studio.url + "/")
    poll("the first page", lambda: page.locator("h1").count() > 0, PAGE_DRAW_S, page)
    settle(page)
    open_page(page, cat["nav.label"], cat["label.title"])
    assert shown(cat["label.newcomer"]) in main_text(page)
    assert chosen(page, cat["label.source"]) == f"{SAMPLE} · {cat['data.sample']}"
    total = len([line for line in (Path(__file__).parents[1] / "sample_data" / SAMPLE)
                 .read_text(encoding="utf-8").splitlines() if line.strip()])
    assert shown(cat["label.file_summary"], n=total, labelled=0) in main_text(page)
    assert_no_failure(page, cat)
    snap("start")
    page.get_by_test_id("stButton").filter(has_text=cat["label.start"]).click()
    created = shown(cat["label.created"], name=Path(SAMPLE).stem, n=total)
    poll("the project to start", lambda: created in main_text(page), PAGE_DRAW_S, page)
    settle(page)
    assert cat["label.set_intro"] in main_text(page) and cat["label.need_labels"] in main_text(page)

    # --- two labels, typed in one go
    new = page.get_by_test_id("stTextInput").filter(has_text=cat["label.new"]).locator("input")
    assert new.get_attribute("placeholder") == cat["label.new_placeholder"]
    new.fill(", ".join(LABELS))
    page.get_by_test_id("stFormSubmitButton").filter(has_text=cat["label.add"]).click()
    buttons = page.locator(".st-key-label_buttons").get_by_test_id("stButton")
    poll("a big button per label", lambda: buttons.count() == len(LABELS), 30, page)
    settle(page)
    assert all(label in text for label, text in zip(LABELS, buttons.all_inner_texts(), strict=True))
    assert shown(cat["label.set_title"], n=len(LABELS)) in main_text(page)
    assert shown(cat["label.text_number"], n=1, total=total) in main_text(page)
    assert_no_failure(page, cat)
    snap("labels-defined")

    # --- ten texts: click the first ones, then the number keys; positive and negative in turn
    for i in range(LABELLED):
        give(page, i + 1, LABELS[i % 2], by_key=i >= CLICKED)
        if i == CLICKED:
            snap("labelling")
    text = main_text(page)
    assert shown(cat["label.progress"], done=LABELLED, total=total, share=f"{LABELLED / total:.0%}") in text
    for label in LABELS:
        assert f"{label} · {LABELLED // 2}" in text  # the badge per label
    assert shown(cat["label.text_number"], n=LABELLED + 1, total=total) in text  # on to the next text
    store = LabelStore(studio.workspace)
    project = store.list_projects()[0]
    progress = store.progress(project.id)
    assert progress.labelled == LABELLED and dict(progress.per_label) == {label: LABELLED // 2 for label in LABELS}
    assert shown(cat["label.use_intro"], n=LABELLED) in text
    assert_no_failure(page, cat)
    snap("ten-labelled")
    timings["label"] = time.monotonic() - begun

    # --- Train on these 10 texts: chosen for training, and on to Train
    page.get_by_test_id("stButton").filter(has_text=shown(cat["label.train"], n=LABELLED)).click()
    wait_for_title(page, cat["train.title"])
    assert page.url.rstrip("/").endswith("/train")
    dataset = Path(load_choices(studio.workspace).config.data)
    assert dataset.is_file() and dataset.parent != Path(__file__).parents[1] / "sample_data"
    summary = shown(cat["train.summary"], model=cat["model.builtin_name"], data=dataset.name, text="text",
                    label="label", validation=shown(cat["train.val_share"], share="20%"))
    assert summary in main_text(page)
    quick_one_epoch(page, cat)
    snap("train-settings")
    runs, run, started = start_training(studio, page, cat)
    wait_until_finished(page, cat, runs, run)
    timings["train"] = time.monotonic() - started
    run = runs.get(run.id)
    assert json.loads((Path(run.run_dir) / "config.json").read_text())["epochs"] == 1
    assert sorted(run.results["metrics"]["labels"]) == sorted(LABELS)
    assert_no_failure(page, cat)
    snap("train-finished")

    # --- Evaluate: the accuracy and the confusion matrix of the validation texts
    opened = time.monotonic()
    open_page(page, cat["nav.evaluate"], cat["evaluate.title"])
    assert chosen(page, cat["evaluate.run"]).startswith(run.name)
    key = f"matrix-validation-{run.id}"
    drawn = poll("the confusion matrix", lambda: matrix_counts(page, key), 30, page)
    settle(page)
    val_rows = run.results["val_rows"]
    assert sorted(drawn["x"]) == sorted(drawn["y"]) == sorted(LABELS)
    assert sum(map(sum, drawn["counts"])) == val_rows
    metrics = " ".join(page.get_by_test_id("stMetric").all_inner_texts())
    accuracy = run.results["metrics"]["accuracy"]
    assert shown(f"{cat['evaluate.accuracy']} {accuracy:.1%}") in shown(metrics)
    assert shown(f"{cat['evaluate.rows']} {val_rows:,}") in shown(metrics)
    right = sum(drawn["counts"][i][drawn["x"].index(label)] for i, label in enumerate(drawn["y"]))
    assert abs(right / val_rows - accuracy) < 1e-9  # the diagonal is the accuracy
    text = main_text(page)
    assert cat["evaluate.matrix"] in text and shown(cat["evaluate.validation_intro"], n=val_rows) in text
    assert plot_data(page, key)  # drawn by plotly, not only described
    assert_no_failure(page, cat)
    snap("evaluate")
    timings["evaluate"] = time.monotonic() - opened

    # --- Runs: the run in the history; download its model zip
    opened = time.monotonic()
    open_page(page, cat["nav.runs"], cat["runs.title"])
    assert page.get_by_test_id("stDataFrame").count() >= 1  # the history
    assert chosen(page, cat["runs.manage_pick"]).startswith(run.name)
    curves = poll("the runs' loss chart", lambda: drawn_traces(page, "runs_loss"), 30, page)
    assert len(curves) == 2, curves  # training and validation loss of the one run
    assert all(c["points"] > 1 or "markers" in c["mode"] for c in curves), curves  # a lone point is seen
    assert_no_failure(page, cat)
    snap("runs")
    button = page.get_by_test_id("stDownloadButton").filter(has_text=cat["runs.download"])
    with page.expect_download(timeout=120_000) as download:
        button.click()
    zip_path = tmp_path / download.value.suggested_filename
    download.value.save_as(zip_path)
    timings["runs"] = time.monotonic() - opened
    top = bundle_name(run.run_dir)
    assert zip_path.name == f"{top}.zip"
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(zip_path) as archive:
        assert {name.split("/")[0] for name in archive.namelist()} == {top}  # one folder
        archive.extractall(folder)
    model = folder / top
    assert {"config.json", "README.md", "predict.py"} <= {p.name for p in model.iterdir()}

    # --- a fresh Python process loads the extracted folder with transformers.pipeline
    loaded = time.monotonic()
    script = ("import json, sys\nfrom transformers import pipeline\n"
              "classify = pipeline('text-classification', model=sys.argv[1])\n"
              "print(json.dumps(classify(sys.argv[2])))")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    answer = subprocess.run([sys.executable, "-c", script, str(model), "Great product, I love it."],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=LOAD_S)
    assert answer.returncode == 0, answer.stderr[-3000:]
    predicted = json.loads(answer.stdout.strip().splitlines()[-1])
    assert predicted[0]["label"] in LABELS and 0 <= predicted[0]["score"] <= 1, predicted
    timings["load"] = time.monotonic() - loaded
    report(studio, capsys, "[label journey] " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
           + f"; all {time.monotonic() - begun:.1f} s")
