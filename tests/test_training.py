"""Training on tiny models built in the test: what a run writes and how it behaves."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.errors import ConfigError, DataError
from core.runs.runner import claim_device, create_run
from core.runs.worker import execute
from core.store.runs import RunStore
from core.train.config import TrainConfig
from tests.tiny import build_tiny_bert, build_tiny_gpt2, write_toy_csv


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    import torch

    torch.manual_seed(0)  # the same random tiny model in every session, so a threshold that holds once holds
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "bert")


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory) -> Path:
    return build_tiny_gpt2(tmp_path_factory.mktemp("models") / "gpt2")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory) -> Path:
    return write_toy_csv(tmp_path_factory.mktemp("data") / "toy.csv", rows=160)


def train_here(workspace: Path, **settings):
    """Create a run and train it in this process, as `python -m core train` does."""
    store = RunStore(workspace)
    config = TrainConfig.from_preset("quick", **{"epochs": 8, "batch_size": 16, "learning_rate": 2e-3,
                                                 "max_length": 16, "seed": 3, **settings})
    run = create_run(store, config)
    assert claim_device(store, run.id, os.getpid())
    return store, execute(store, store.get(run.id))


def test_a_run_folder_describes_itself(tmp_path, tiny_bert, toy_data):
    store, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert))
    assert run.status == "completed", run.error
    folder = Path(run.run_dir)
    assert json.loads((folder / "config.json").read_text())["model"] == str(tiny_bert)
    results = json.loads((folder / "results.json").read_text())
    assert results["metrics"]["accuracy"] > 0.8
    assert set(results["metrics"]["per_class"]) == {"negative", "positive"}
    assert results["train_samples_per_second"] > 0
    assert {"read_data", "load_model", "tokenize", "train", "evaluate", "save_model", "total"} <= set(
        results["seconds"])
    assert results["peak_memory_mb"] > 0 and results["device"]["kind"] == "cpu"
    rows = pd.read_csv(folder / "val_predictions.csv")  # each text beside its own answer, in row order
    assert (rows["label"] == rows["predicted"]).mean() == pytest.approx(results["metrics"]["accuracy"])
    # every logged step and every evaluation reached the store
    train_points, eval_points = store.metrics(run.id, "train"), store.metrics(run.id, "eval")
    assert len(eval_points) == 8 and {"loss", "accuracy", "macro_f1"} <= set(eval_points[-1])
    assert {"loss", "learning_rate", "grad_norm", "samples_per_second"} <= set(train_points[-1])
    assert run.global_step == run.max_steps == results["global_step"]
    assert results["class_weights"] == {"negative": 1.0, "positive": 1.0}  # balanced data: no label lifted


def test_the_saved_model_answers_with_the_users_label_names_through_pipeline(tmp_path, tiny_bert, toy_data):
    from transformers import pipeline

    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert))
    classify = pipeline("text-classification", model=str(Path(run.run_dir) / "model"))
    assert classify("wonderful lovely great")[0]["label"] == "positive"
    assert classify("awful horrible terrible")[0]["label"] == "negative"


def test_same_seed_same_model(tmp_path, tiny_bert, toy_data):
    _, first = train_here(tmp_path / "a", data=str(toy_data), model=str(tiny_bert), epochs=2)
    _, second = train_here(tmp_path / "b", data=str(toy_data), model=str(tiny_bert), epochs=2)
    assert first.results["metrics"]["loss"] == pytest.approx(second.results["metrics"]["loss"], rel=1e-5)


def test_a_decoder_model_trains_as_a_classifier(tmp_path, tiny_gpt2, toy_data):
    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_gpt2))
    assert run.status == "completed", run.error
    assert run.results["metrics"]["accuracy"] > 0.7


def test_lora_trains_and_saves_a_plain_model(tmp_path, tiny_bert, toy_data):
    from transformers import AutoModelForSequenceClassification

    store, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert), lora=True, learning_rate=1e-2,
                            epochs=12)
    assert run.status == "completed", run.error
    losses = [point["loss"] for point in store.metrics(run.id, "train")]
    assert sum(losses[-3:]) / 3 < 0.5 * losses[0]  # the adapters learned: the loss fell from chance's 0.69
    assert run.results["metrics"]["accuracy"] > 0.75  # chance is 0.5 on this balanced toy task
    model = AutoModelForSequenceClassification.from_pretrained(Path(run.run_dir) / "model")
    assert model.config.id2label == {0: "negative", 1: "positive"}
    assert not any("lora" in name for name, _ in model.named_parameters())


def test_checkpoint_steps_leave_a_recent_checkpoint_when_a_run_dies_mid_epoch(tmp_path, tiny_bert, toy_data,
                                                                              monkeypatch):
    from core.store.run_folder import checkpoint_steps
    from core.train import finetune

    build = finetune.build_trainer

    def dying_in_step_14(*args, **kwargs):
        trainer = build(*args, **kwargs)
        train_step = trainer.training_step

        def step(model, inputs, num_items_in_batch=None):
            if trainer.state.global_step + 1 == 14:
                raise RuntimeError("the process died")
            return train_step(model, inputs, num_items_in_batch)

        trainer.training_step = step
        return trainer

    monkeypatch.setattr(finetune, "build_trainer", dying_in_step_14)
    _, run = train_here(tmp_path, data=str(toy_data), model=str(tiny_bert), epochs=2, checkpoint_steps=3)
    # 128 training rows / 16 = 8 steps an epoch: saves at 3, 6, 8 (epoch end), 9 and 12; the best and newest kept
    assert run.status == "failed"
    assert checkpoint_steps(run.run_dir) == [8, 12]  # without checkpoint_steps, Resume would go back to step 8


def test_class_weights_lift_rare_labels_by_at_most_ten_times_and_keep_the_loss_scale():
    from core.data.texts import LabelledTexts
    from core.train.prepare import MAX_WEIGHT_RATIO, class_weights

    def rows(**counts: int) -> LabelledTexts:
        labels = [name for name, n in counts.items() for _ in range(n)]
        return LabelledTexts([f"text {i}" for i in range(len(labels))], labels, "text", "label", "test")

    assert class_weights(rows(a=50, b=50), ["a", "b"]) == pytest.approx([1.0, 1.0])
    common, rare = class_weights(rows(common=1000, rare=5), ["common", "rare"])
    assert rare / common == pytest.approx(MAX_WEIGHT_RATIO)  # 200x by inverse frequency, 14x by its root
    assert (1000 * common + 5 * rare) / 1005 == pytest.approx(1.0)  # the average row still weighs 1
    weights = class_weights(rows(a=400, b=100, c=25), ["a", "b", "c"])
    assert weights[2] / weights[0] == pytest.approx(4.0)  # the square root of 400:25
    assert weights[0] < weights[1] < weights[2]


def _weighted_trainer(tmp_path, model_dir: Path, data_file: Path):
    """Our Trainer on a tiny BERT without dropout (so two passes over the same rows agree), full precision on the
    CPU, with class weights 1 and 4, and a head leaning to the first label (so the two labels' losses differ)."""
    import dataclasses

    import torch

    from core.device import training_device
    from core.models.loading import load_classifier
    from core.train.prepare import prepare_data, tokenize
    from core.train.trainer import build_trainer

    config = TrainConfig.from_preset("quick", data=str(data_file), model=str(model_dir), batch_size=4, max_length=16)
    prepared = prepare_data(config)
    model, tokenizer = load_classifier(str(model_dir), prepared.labels)
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    with torch.no_grad():
        model.classifier.bias.copy_(torch.tensor([1.0, -1.0]))
    data = {part: tokenize(tokenizer, getattr(prepared, part), prepared.labels, 16) for part in ("train", "val")}
    data["weights"] = [1.0, 4.0]
    device = dataclasses.replace(training_device(), kind="cpu", bf16=False)
    trainer = build_trainer(config, tmp_path, model, tokenizer, data, [], device)
    return trainer, data


def _batch(trainer, dataset, rows: list[int]):
    keep = ("input_ids", "attention_mask", "token_type_ids", "labels")
    return trainer.data_collator([{k: v for k, v in dataset[i].items() if k in keep} for i in rows])


def test_the_weighted_loss_under_gradient_accumulation_equals_one_batch_of_all_the_rows(tmp_path, tiny_bert,
                                                                                         toy_data):
    import torch
    import torch.nn.functional as F

    trainer, data = _weighted_trainer(tmp_path, tiny_bert, toy_data)
    model, labels = trainer.model, data["train"]["labels"]
    # two micro-batches of 4 with different labels, so a mean per micro-batch would weigh them wrongly
    rows = [i for i, y in enumerate(labels) if y == 0][:4] + [i for i, y in enumerate(labels) if y == 1][:4]
    items = torch.tensor(len(rows))

    def step(batches: list[list[int]]) -> tuple[float, list]:
        model.zero_grad()
        trainer.current_gradient_accumulation_steps = len(batches)
        total = sum(trainer.training_step(model, _batch(trainer, data["train"], b), items).item() for b in batches)
        return total, [p.grad.clone() for p in model.parameters() if p.grad is not None]

    accumulated, accumulated_grads = step([rows[:4], rows[4:]])
    whole, whole_grads = step([rows])
    full = _batch(trainer, data["train"], rows)
    with torch.no_grad():
        logits = model(**{k: v for k, v in full.items() if k != "labels"}).logits
    per_row = F.cross_entropy(logits, full["labels"], reduction="none") * torch.tensor([1.0, 4.0])[full["labels"]]
    assert accumulated == pytest.approx(whole, rel=1e-5) == pytest.approx(per_row.mean().item(), rel=1e-5)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-7) for a, b in zip(accumulated_grads, whole_grads,
                                                                          strict=True))


def test_the_evaluation_loss_is_unweighted_so_runs_compare(tmp_path, tiny_bert, toy_data):
    import torch
    import torch.nn.functional as F

    trainer, data = _weighted_trainer(tmp_path, tiny_bert, toy_data)
    reported = trainer.evaluate()["eval_loss"]
    batch = _batch(trainer, data["val"], list(range(len(data["val"]))))
    trainer.model.eval()
    with torch.no_grad():
        logits = trainer.model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    assert reported == pytest.approx(F.cross_entropy(logits, batch["labels"]).item(), rel=1e-4)


def test_one_label_is_refused_before_a_run_is_made(tmp_path, tiny_bert):
    data = tmp_path / "one.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},positive\n" for i in range(20)))
    with pytest.raises(DataError, match="only one label"):
        train_here(tmp_path, data=str(data), model=str(tiny_bert))
    assert RunStore(tmp_path).list_runs() == []


def test_a_broken_model_fails_the_run_with_a_plain_sentence_and_the_traceback_in_the_log(tmp_path, tiny_bert,
                                                                                          toy_data):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bert, broken)
    (broken / "model.safetensors").write_bytes(b"not a tensor file")
    _, run = train_here(tmp_path, data=str(toy_data), model=str(broken))
    assert run.status == "failed"
    assert run.error and "Traceback" not in run.error and run.error_fix
    assert "Traceback" in (Path(run.run_dir) / "log.txt").read_text()


def test_validate_reports_every_problem_at_once(tmp_path):
    config = TrainConfig(data=str(tmp_path / "missing.csv"), epochs=0, batch_size=0, learning_rate=1.0)
    with pytest.raises(ConfigError) as caught:
        config.validate()
    assert len(caught.value.problems) == 4


@pytest.mark.parametrize("error, kind, words", [
    (RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), "out_of_memory", "batch size"),
    (MemoryError(), "out_of_memory", "max length"),
    (ValueError("something odd"), "error", "log"),
])
def test_failures_in_training_become_one_plain_sentence_with_a_fix(error, kind, words):
    from core.runs.worker import classify_failure

    failure = classify_failure(error, "NVIDIA T4")
    assert failure.kind == kind
    assert words in failure.fix
    assert "\n" not in failure.message
