"""The Try page: type a sentence, see the label, a probability for every label and the time."""

from __future__ import annotations

import re

from tests.pagetext import messages, page_text
from ui.state import load_choices


def test_without_a_finished_model_it_says_to_train_first(empty_workspace, open_page):
    at = open_page("try").run()
    assert not at.exception
    assert "No finished model yet" in messages(at, "info")


def test_a_sentence_gets_a_label_and_a_probability_for_every_label(finished_workspace, open_page):
    at = open_page("try").run()
    assert not at.exception
    assert "toy sentiment" in at.selectbox[0].format_func(at.selectbox[0].value)
    at.text_input[0].input("a wonderful lovely great film").run()
    assert not at.exception
    text = page_text(at)
    assert "## positive" in text or "## negative" in text
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
    assert not at.exception
    assert at.text_input[0].value
    assert "sure · answered in" in page_text(at)


def test_user_text_is_shown_literally(finished_workspace, open_page):
    at = open_page("try").run()
    at.text_input[0].input("<b>**bold**</b> [link](javascript:alert(1))").run()
    assert not at.exception
    assert not any(getattr(m.proto, "allow_html", False) for m in at.markdown)
