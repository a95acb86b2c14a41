"""The Evaluate page: scores, per-label table, confusion matrix whose cells list their texts, the surest
mistakes and how sure right and wrong answers were; on the validation rows or on another labelled file.
"""

from __future__ import annotations

import json

from core.serve.validation import validation_report
from core.store.runs import RunStore
from tests.pagetext import assert_no_error, messages, page_text
from tests.tiny import write_toy_csv
from ui.review_charts import cell_of, confusion_figure


def finished_run(workspace):
    return RunStore(workspace).list_runs(("completed",))[0]


def test_without_a_finished_model_it_says_to_train_first(empty_workspace, open_page):
    at = open_page("evaluate").run()
    assert_no_error(at)
    assert "No finished model yet" in messages(at, "info")


def test_validation_scores_and_the_confusion_matrix(finished_workspace, open_page):
    at = open_page("evaluate").run()
    assert_no_error(at)
    assert "The 24 texts held out during training" in page_text(at)
    charts = at.get("plotly_chart")
    heatmap = json.loads(charts[0].proto.spec)["data"][0]
    assert heatmap["type"] == "heatmap" and heatmap["x"] == heatmap["y"] == ["negative", "positive"]
    matrix = [[int(c) for c in row] for row in heatmap["text"]]
    assert sum(map(sum, matrix)) == 24
    right = matrix[0][0] + matrix[1][1]
    assert f"Accuracy: {right / 24:.1%}" in page_text(at) and "Macro-F1:" in page_text(at)
    per_label = at.dataframe[0].value
    assert per_label["Label"].tolist() == ["negative", "positive"]
    assert per_label["Texts"].tolist() == [sum(matrix[0]), sum(matrix[1])]
    assert "How sure the model was" in charts[-1].proto.spec


def test_choosing_a_true_and_predicted_label_lists_those_texts(finished_workspace, open_page):
    validation = validation_report(finished_run(finished_workspace).run_dir)["rows_table"]
    true_labels = dict(zip(validation["text"], validation["label"], strict=True))
    at = open_page("evaluate").run()
    labels = ["negative", "positive"]
    matrix = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["text"]
    for i, true_label in enumerate(labels):
        for j, answer in enumerate(labels):
            next(s for s in at.selectbox if s.label == "True label").select(true_label)
            next(s for s in at.selectbox if s.label == "Model's answer").select(answer)
            at.run()
            assert_no_error(at)
            count = int(matrix[i][j])
            assert f"Labelled {true_label}" in page_text(at) and f"**{count}**" in page_text(at)
            if not count:
                continue
            shown = at.dataframe[1].value
            assert len(shown) == count
            assert set(shown["True label"]) == {true_label} and set(shown["Model's answer"]) == {answer}
            assert all(true_labels[text] == true_label for text in shown["Text"])
            assert list(shown["Sure"]) == sorted(shown["Sure"], reverse=True)  # the surest first


def test_a_click_on_a_matrix_cell_picks_its_labels():
    figure = confusion_figure(["negative", "positive"], [[10, 2], [3, 9]])
    clicks = figure.data[1]
    assert list(clicks.x) == ["negative", "positive", "negative", "positive"]
    assert list(clicks.y) == ["negative", "negative", "positive", "positive"]
    event = {"selection": {"points": [{"curve_number": 1, "point_index": 2, "x": "negative", "y": "positive"}]}}
    assert cell_of(event, 2) == (1, 0)  # true positive, answered negative
    assert cell_of({"selection": {"points": []}}, 2) is None


def test_mistakes_are_listed_surest_first(finished_workspace, open_page):
    at = open_page("evaluate").run()
    matrix = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["text"]
    wrong = int(matrix[0][1]) + int(matrix[1][0])
    assert "Its surest mistakes" in page_text(at)
    if wrong:
        assert f"Wrong answers: {wrong}," in page_text(at)
        mistakes = next(d.value for d in at.dataframe if "True label" in d.value.columns)
        assert (mistakes["True label"] != mistakes["Model's answer"]).all()
        assert list(mistakes["Sure"]) == sorted(mistakes["Sure"], reverse=True)
    else:
        assert "The model got every text right" in messages(at, "success")


def test_another_labelled_file_is_measured_with_the_model(finished_workspace, open_page):
    folder = finished_workspace / "datasets"
    folder.mkdir(exist_ok=True)
    write_toy_csv(folder / "fresh reviews.csv", rows=40, seed=11)
    at = open_page("evaluate").run()
    next(r for r in at.radio if r.label == "Measure it on").set_value("file").run()
    picker = next(s for s in at.selectbox if s.label == "Labelled file")
    assert "fresh reviews.csv · yours" in picker.options
    picker.set_value(folder / "fresh reviews.csv").run()
    assert_no_error(at)
    next(b for b in at.button if b.label == "Measure the model on this file").click().run()
    assert_no_error(at)
    text = page_text(at)
    assert "Texts measured: 40" in text and "Accuracy:" in text
    assert len(at.get("plotly_chart")) == 2


def test_tables_write_every_share_one_way_and_keep_probabilities_on_the_page(finished_workspace, open_page):
    at = open_page("evaluate").run()
    assert_no_error(at)
    per_label = json.loads(at.dataframe[0].proto.columns)
    # one decimal everywhere (Streamlit's plain "percent" writes 82.81% beside 83.2%)
    assert {per_label[c]["type_config"]["step"] for c in ("Precision", "Recall", "F1")} == {0.001}
    rows = at.dataframe[1]
    order = list(rows.proto.column_order)
    assert order[-1] == "Text"  # a long text never pushes the probabilities off the page
    assert order[:3] == ["True label", "Model's answer", "Sure"] and "p(positive)" in order
    steps = {name: c["type_config"].get("step") for name, c in json.loads(rows.proto.columns).items()
             if name == "Sure" or name.startswith("p(")}
    assert steps and set(steps.values()) == {0.001}
