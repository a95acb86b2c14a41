"""The epoch-end evaluation answers as the saved model will, so the final report can reuse its answers."""

from __future__ import annotations

import types

import pytest

from core.train.epoch_eval import EpochAnswers
from core.train.inference import probabilities
from tests.tiny import build_tiny_bert

TEXTS = ["good great movie", "awful boring plot", "the film was quite nice", "sad and poor acting",
         "lovely story", "terrible ugly film really"]
LABELS = [1, 0, 1, 0, 1, 0]


class FakeTrainer:
    """What EpochAnswers uses of a Trainer: the model, its tokenizer, the step, log and callbacks."""

    def __init__(self, model, tokenizer, accelerator):
        self.model, self.processing_class, self.accelerator = model, tokenizer, accelerator
        self.state, self.args, self.control, self.logged = types.SimpleNamespace(global_step=12), None, None, []
        self.callback_handler = types.SimpleNamespace(on_evaluate=lambda args, state, control, metrics: "told")

    def log(self, metrics):
        self.logged.append(metrics)


@pytest.fixture()
def fresh_accelerator_state():
    """accelerate keeps one state per process: earlier trainings set it to full precision, this test wants bf16."""
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)
    yield
    AcceleratorState._reset_state(reset_partial_state=True)  # later trainings set up their own


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = build_tiny_bert(tmp_path_factory.mktemp("epoch-eval") / "bert")
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2)
    return model, AutoTokenizer.from_pretrained(folder)


def test_answers_are_full_precision_even_when_training_runs_in_bf16(classifier, fresh_accelerator_state):
    from accelerate import Accelerator

    model, tokenizer = classifier
    model.eval()
    plain = probabilities(model, tokenizer, TEXTS, 16, "cpu")
    accelerator = Accelerator(mixed_precision="bf16", cpu=True)
    wrapped = accelerator.prepare_model(model)  # the forward now runs under bf16 autocast, as in training
    mixed = probabilities(wrapped, tokenizer, TEXTS, 16, "cpu")
    assert mixed != plain, "bf16 autocast should change the answers, or this test proves nothing"
    model.train()
    answers = EpochAnswers(TEXTS, LABELS, 16)
    metrics = answers.evaluate(FakeTrainer(wrapped, tokenizer, accelerator))
    assert answers.at("runs/x/checkpoints/checkpoint-12") == plain
    assert wrapped.training, "training goes on in train mode after the evaluation"
    wrapped.eval()  # no dropout, to compare answers
    assert probabilities(wrapped, tokenizer, TEXTS, 16, "cpu") == mixed, "the bf16 forward is back for training"
    assert set(metrics) >= {"eval_loss", "eval_accuracy", "eval_macro_f1"}


def test_the_trainer_hears_of_the_evaluation_and_gets_the_scores(classifier, fresh_accelerator_state):
    from accelerate import Accelerator

    model, tokenizer = classifier
    trainer = FakeTrainer(model, tokenizer, Accelerator(cpu=True))
    metrics = EpochAnswers(TEXTS, LABELS, 16).evaluate(trainer)
    assert trainer.logged == [metrics] and trainer.control == "told"
    assert 0.0 <= metrics["eval_accuracy"] <= 1.0 and metrics["eval_loss"] > 0


def test_a_checkpoint_this_process_did_not_evaluate_has_no_answers():
    answers = EpochAnswers(TEXTS, LABELS, 16)
    assert answers.at(None) is None
    assert answers.at("checkpoint-3") is None
