"""The presenter page, the Runs page's serve-and-export part, the Evaluate page's behaviour checks and Try's
int8 choice, on the shared finished run."""

from __future__ import annotations

import dataclasses
import shutil
import time

from core.store.runs import RunStore
from tests.pagetext import assert_no_error, page_text


def two_runs(workspace):
    """A second completed run: a copy of the first under another name, for the compare view."""
    store = RunStore(workspace)
    first = store.list_runs()[0]
    second_dir = workspace / "runs" / "second-run"
    shutil.copytree(first.run_dir, second_dir)
    store.add_run(dataclasses.replace(first, id="second-run", name="second model", run_dir=str(second_dir),
                                      created_at=first.created_at + 1))
    return first, store.get("second-run")


def test_present_answers_with_big_bars_and_keeps_examples(finished_workspace, open_page):
    at = open_page("present").run()
    assert_no_error(at)
    assert "toy sentiment" in page_text(at) and "Accuracy" in page_text(at)
    started = time.perf_counter()
    at.text_input(key="present_text").input("a wonderful lovely great film").run()
    assert_no_error(at)
    assert time.perf_counter() - started < 30  # a sanity bound for a shared machine; the figure is in the README
    text = page_text(at)
    assert "stage-answer'>positive" in text and "stage-bar-fill" in text and "animation-name" in text
    at.button(key="present_save").click().run()
    assert_no_error(at)
    at.text_input(key="present_text").set_value("").run()
    at.button(key="present_example-0").click().run()
    assert_no_error(at)
    assert at.text_input(key="present_text").value == "a wonderful lovely great film"
    assert "display: none" in page_text(at)  # the app's chrome is hidden


def test_present_compares_two_runs_side_by_side_in_chinese(finished_workspace, open_page):
    from ui.state import load_choices, save_choices

    two_runs(finished_workspace)
    choices = load_choices(finished_workspace)
    save_choices(finished_workspace, dataclasses.replace(choices, language="zh"))
    at = open_page("present").run()
    at.toggle(key="present_compare").set_value(True).run()
    at.text_input(key="present_text").input("awful boring bad plot").run()
    assert_no_error(at)
    text = page_text(at)
    assert "toy sentiment" in text and "second model" in text and text.count("class='stage-answer'") == 2
    assert "准确率" in text and "用时" in text


def test_runs_page_exports_onnx_and_shows_agreement_and_size(finished_workspace, open_page):
    at = open_page("runs").run()
    assert_no_error(at)
    run = RunStore(finished_workspace).list_runs()[0]
    assert f"python -m core serve --run {run.id} --port 8000" in page_text(at)
    at.button(key=f"serve_export-{run.id}").click().run()
    assert_no_error(at)
    table = at.dataframe[-1].value
    assert list(table["Model"]) == ["ONNX fp32", "ONNX int8"]
    assert table["Same answer as PyTorch"].iloc[0] == "100.00%" and table["Passed"].iloc[0] == "✅"
    # a toy model's answers sit near 50/50, so int8 may flip one: the verdict must follow the 99% bar either way
    int8 = float(table["Same answer as PyTorch"].iloc[1].rstrip("%"))
    assert table["Passed"].iloc[1] == ("✅" if int8 >= 99 else "❌")
    at.radio(key=f"serve_engine-{run.id}").set_value("onnx-int8").run()
    assert "--engine onnx-int8" in page_text(at)
    tried = open_page("try").run()
    if int8 < 99:  # an int8 model that failed its check is not offered
        assert not any(w.key == "try_int8" for w in tried.toggle)
        return
    tried.toggle(key="try_int8").set_value(True).run()
    tried.text_input[0].input("a wonderful lovely great film").run()
    assert_no_error(tried)
    assert "## positive" in page_text(tried)


def test_evaluate_page_runs_behaviour_checks(finished_workspace, open_page):
    at = open_page("evaluate").run()
    assert_no_error(at)
    run = RunStore(finished_workspace).list_runs()[0]
    at.button(key=f"behaviour_run-{run.id}").click().run()
    assert_no_error(at)
    text = page_text(at)
    assert "Made from" in text
    checks = at.dataframe[-1].value if "Check" in at.dataframe[-1].value.columns else None
    frames = [d.value for d in at.dataframe if "Check" in d.value.columns]
    assert frames and "A typo (two letters swapped)" in list(frames[0]["Check"])
    assert checks is None or "Failure rate" in checks.columns
