"""The Try page: type a sentence, see the label, a probability for every label and the time."""

from __future__ import annotations

import re
from pathlib import Path

from core.store.runs import RunStore
from tests.pagetext import assert_no_error, messages, page_text
from ui.state import load_choices


def test_without_a_finished_model_it_says_to_train_first(empty_workspace, open_page):
    at = open_page("try").run()
    assert_no_error(at)
    assert "No finished model yet" in messages(at, "info")


def test_a_sentence_gets_a_label_and_a_probability_for_every_label(finished_workspace, open_page):
    at = open_page("try").run()
    assert_no_error(at)
    assert "toy sentiment" in at.selectbox[0].format_func(at.selectbox[0].value)
    at.text_input[0].input("a wonderful lovely great film").run()
    assert_no_error(at)
    text = page_text(at)
    assert "## positive" in text and "## negative" not in text
    chart = at.get("plotly_chart")[0].proto.spec
    assert "positive" in chart and "negative" in chart
    milliseconds = int(re.search(r"answered in (\d+) ms", text).group(1))
    assert milliseconds < 100
    assert load_choices(finished_workspace).tried  # the journey's last step is done


def test_an_example_sentence_fills_the_box(finished_workspace, open_page):
    at = open_page("try").run()
    examples = [b for b in at.button if b.key and b.key.startswith("example-")]
    assert len(examples) >= 2
    examples[0].click().run()
    assert_no_error(at)
    assert at.text_input[0].value
    assert "sure · answered in" in page_text(at)


def test_user_text_is_shown_literally(finished_workspace, open_page):
    at = open_page("try").run()
    at.text_input[0].input("<b>**bold**</b> [link](javascript:alert(1))").run()
    assert_no_error(at)
    assert not any(getattr(m.proto, "allow_html", False) for m in at.markdown)


def test_an_unambiguous_negative_sentence_is_labelled_negative(finished_workspace, open_page):
    at = open_page("try").run()
    at.text_input[0].input("an awful horrible terrible boring film").run()
    assert_no_error(at)
    assert "## negative" in page_text(at) and "## positive" not in page_text(at)


def test_long_texts_still_give_one_shortened_example_per_label(finished_workspace, open_page):
    import pandas as pd

    run = RunStore(finished_workspace).list_runs(("completed",))[0]
    story = "the plot and the acting of this film kept me watching from the first scene to the very last one"
    rows = [(f"{label} {i} {story} {story}", label) for i in range(3) for label in ("negative", "positive")]
    rows.append(("a fine film", "positive"))
    pd.DataFrame({"text": [r[0] for r in rows], "label": [r[1] for r in rows], "predicted": [r[1] for r in rows],
                  "confidence": 0.9}).to_csv(Path(run.run_dir) / "val_predictions.csv", index=False)
    at = open_page("try").run()
    assert_no_error(at)
    examples = [b.label.replace("\\", "") for b in at.button if b.key and b.key.startswith("example-")]
    assert "a fine film" in examples
    negative = [e for e in examples if e.startswith("negative ")]
    assert negative and all(len(e) <= 111 and e.endswith("…") for e in negative)  # shortened at a word
    assert len(examples) == 6
