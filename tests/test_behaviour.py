"""Behaviour checks: English rows get name/number/typo changes and negation, Chinese rows get Chinese ones."""

from __future__ import annotations

from core.serve import behaviour


class KeywordModel:
    """A stand-in classifier with a known blind spot: it only knows the word 'good' and the character 好."""

    labels = ["negative", "positive"]

    def probabilities(self, texts, batch_size=64):
        return [[0.1, 0.9] if ("good" in t or "好" in t) else [0.9, 0.1] for t in texts]


def check(results, name):
    return next(c for c in results["checks"] if c["name"] == name)


def test_english_rows_find_a_typo_blind_spot_and_a_missed_negation():
    texts = ["Mary said the movie was really good", "I paid 20 dollars and it was goodness", "Terrible acting"]
    results = behaviour.run_checks(KeywordModel(), texts, [{"text": "not good at all", "label": "negative"}])
    assert check(results, "name")["tested"] == 1 and check(results, "name")["failed"] == 0
    assert check(results, "number")["failed"] == 0
    typo = check(results, "typo")
    assert typo["tested"] == 3 and typo["failed"] == 1  # 'goodness' -> 'godoness' loses the keyword
    negation = check(results, "negation")  # 'was not really good' still says positive: a failure
    assert negation["tested"] >= 1 and negation["failed"] == negation["tested"]
    assert check(results, "must_say")["failure_rate"] == 1.0
    assert not {"width", "variant"} & {c["name"] for c in results["checks"]}


def test_chinese_rows_get_chinese_checks_only():
    texts = ["这个东西很好，我们还会再买。", "质量太差了！", "发货很快，3天就到了"]
    results = behaviour.run_checks(KeywordModel(), texts)
    names = {c["name"] for c in results["checks"]}
    assert {"width", "variant", "number", "negation"} <= names
    assert not {"name", "typo"} & names  # no English word swaps on Chinese
    example = check(results, "negation")["examples"][0]
    assert example["changed"] == "这个东西不好，我们还会再买。"


def test_checks_on_a_run_are_saved_and_go_into_the_model_card(finished_workspace):
    from core.serve.model_card import model_card
    from core.serve.predictor import Predictor
    from core.store.run_folder import model_dir
    from core.store.runs import RunStore

    run = RunStore(finished_workspace).list_runs()[0]
    behaviour.save_musts(run.run_dir, [{"text": "good great lovely", "label": "positive"}, {"text": " ", "label": "x"}])
    assert behaviour.read_musts(run.run_dir) == [{"text": "good great lovely", "label": "positive"}]
    results = behaviour.check_run(run.run_dir, Predictor(model_dir(run.run_dir), device="cpu"))
    assert results["rows"] > 0 and {"typo", "negation", "must_say"} <= {c["name"] for c in results["checks"]}
    assert behaviour.read_results(run.run_dir) == results
    card = model_card(run.run_dir)
    assert "## Behaviour checks" in card and "| must_say | 1 |" in card
