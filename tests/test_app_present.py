"""The presenter page, the Runs page's serve-and-export part, the Evaluate page's behaviour checks and Try's
int8 choice, on the shared finished run."""

from __future__ import annotations

import dataclasses
import json
import shutil

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


def stage_data(at) -> dict:
    """What the page hands the stage's script (ui/stage/stage.js) on this rerun."""
    def stages(node):
        for child in (node.children.values() if isinstance(getattr(node, "children", None), dict) else []):
            if getattr(child, "proto", None) is not None and hasattr(child.proto, "component_name"):
                yield child
            yield from stages(child)

    found = [e for e in stages(at.main) if e.proto.component_name == "fine_tune_studio_stage"]
    assert len(found) == 1, "the Present page draws one stage"
    return json.loads(found[0].proto.json)


def test_present_hands_the_stage_a_model_it_can_ask_and_keeps_examples(finished_workspace, open_page):
    from core.serve import live_answers
    from core.serve.service_run import load_for_run

    at = open_page("present").run()
    assert_no_error(at)
    assert "display: none" in page_text(at)  # the app's chrome is hidden
    data = stage_data(at)
    (panel,) = data["panels"]
    assert panel["name"] == "toy sentiment" and panel["labels"] == ["negative", "positive"]
    accuracy = RunStore(finished_workspace).list_runs()[0].results["metrics"]["accuracy"]
    assert panel["score"] == f"Accuracy {accuracy:.1%} on validation rows · PyTorch"  # the run's own score
    assert data["route"] == live_answers.PATH.lstrip("/") and data["via"] == "route"
    assert data["examples"] == [] and data["answers"] is None
    # the token the stage's script posts with answers as the run's own model does
    sentence = "a wonderful lovely great film"
    expected = load_for_run(RunStore(finished_workspace), RunStore(finished_workspace).list_runs()[0].id)[0]
    assert live_answers.answer(panel["token"], sentence)["label"] == expected.predict(sentence).label
    # the stage's triggers: an example saved, a sentence the route could not answer, the examples cleared
    at.session_state["present_stage"] = {"save": f"  {sentence} ", "ask": {"text": sentence, "serial": 3}}
    at.run()
    assert_no_error(at)
    data = stage_data(at)
    assert data["examples"] == [sentence]
    answers = data["answers"]
    assert answers["serial"] == 3 and answers["results"][0]["label"] == expected.predict(sentence).label
    assert stage_data(open_page("present").run())["examples"] == [sentence]  # kept with the run, not the session
    at.session_state["present_stage"] = {"clear": True}
    at.run()
    assert stage_data(at)["examples"] == []


def test_present_compares_two_runs_side_by_side_in_chinese(finished_workspace, open_page):
    from ui.state import load_choices, save_choices

    two_runs(finished_workspace)
    choices = load_choices(finished_workspace)
    save_choices(finished_workspace, dataclasses.replace(choices, language="zh"))
    at = open_page("present").run()
    at.session_state["present_stage"] = {"ask": {"text": "好看", "serial": 1}}  # one model answered by the page
    at.run()
    assert stage_data(at)["answers"]["text"] == "好看"
    at.session_state["present_stage"] = {}
    at.toggle(key="present_compare").set_value(True).run()
    assert_no_error(at)
    data = stage_data(at)
    assert data["answers"] is None  # that answer was one model's: the two sides ask again
    assert sorted(p["name"] for p in data["panels"]) == ["second model", "toy sentiment"]
    assert len({p["token"] for p in data["panels"]}) == 2  # each side asks its own model
    assert all(p["score"].startswith("验证集准确率") for p in data["panels"])
    assert data["strings"]["time"] == "用时 {ms} 毫秒" and data["strings"]["placeholder"] == "输入一句话，按回车"


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
