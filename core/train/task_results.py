"""The end of a multi-label or regression run: the score's scale folded into the saved model, thresholds tuned and
saved, the final report on the validation and test rows with each row's answer written beside it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.data.multilabel import shown
from core.train.task_answers import task_table
from core.train.task_metrics import multilabel_report, regression_report
from core.train.thresholds import DEFAULT, save_thresholds, tune_thresholds

log = logging.getLogger(__name__)


def fold_scale(model: Any, scale: tuple[float, float]) -> bool:
    """Make a regression model answer in the scores' own units: its last one-output layer becomes
    std * (W h + b) + mean, so plain transformers (`function_to_apply="none"`) gives the score itself.

    Returns False when no such layer is found (the answers then stay normalised; the model card says how to map).
    """
    import torch

    last = None
    for _, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and module.out_features == 1:
            last = module
    if last is None:
        log.warning("No one-output layer found to fold the score scale into")
        return False
    mean, std = scale
    with torch.no_grad():
        last.weight.mul_(std)
        if last.bias is not None:
            last.bias.mul_(std).add_(mean)
    model.config.target_scale = {"mean": mean, "std": std, "folded": True}
    return True


def truth_of(rows, prepared) -> list:
    """Each row's multi-hot labels, or its score."""
    if prepared.task == "regression":
        return list(rows.scores)
    return [[1 if name in set(s) else 0 for name in prepared.labels] for s in rows.label_sets]


def final_task_evaluation(run_dir: Path, prepared, config, device: str,
                          val_answers: list[list[float]] | None = None) -> dict[str, Any]:
    """As core.train.finetune._final_evaluation for single labels: the saved model's scores on the validation and
    test rows, and (multi-label) each label's threshold, tuned on the validation rows and saved with the model."""
    from core.train.inference import load_saved, probabilities

    loaded = None

    def answers(rows):
        nonlocal loaded
        model, tokenizer = loaded = loaded or load_saved(run_dir / "model", device)
        return probabilities(model, tokenizer, rows.texts, config.max_length, device, pairs=rows.text_pairs)

    val = val_answers if val_answers is not None else answers(prepared.val)
    out: dict[str, Any] = {"task": prepared.task}
    thresholds = None
    if prepared.task == "multi-label":
        thresholds = (tune_thresholds(val, truth_of(prepared.val, prepared), prepared.labels)
                      if config.tune_thresholds else {name: DEFAULT for name in prepared.labels})
        save_thresholds(run_dir / "model", thresholds)
        out["thresholds"] = thresholds
    out["metrics"] = scored(prepared.val, val, prepared, run_dir / "val_predictions.csv", "validation rows",
                            thresholds)
    if prepared.test is not None and len(prepared.test):
        out["test_metrics"] = scored(prepared.test, answers(prepared.test), prepared,
                                     run_dir / "test_predictions.csv", "test rows", thresholds)
    return out


def scored(rows, answers: list[list[float]], prepared, path: Path, rows_name: str,
           thresholds: dict[str, float] | None) -> dict[str, Any]:
    """The report on these rows, and the rows with their answers written to `path` for the Evaluate page."""
    truth = truth_of(rows, prepared)
    table = task_table(prepared.task, rows.texts, answers, prepared.labels, rows.text_pairs, thresholds)
    where = 2 if rows.text_pairs is not None else 1
    if prepared.task == "regression":
        table.insert(where, "label", truth)
        table["error"] = (table["predicted"] - table["label"]).round(4)
        report = {**regression_report(truth, [a[0] for a in answers]), "labels": list(prepared.labels)}
    else:
        # in the model's label order, as the predicted column: equal sets read as equal cells
        table.insert(where, "label", [shown([n for n in prepared.labels if n in set(s)]) for s in rows.label_sets])
        report = multilabel_report(truth, answers, prepared.labels, thresholds, rows_name)
    table.to_csv(path, index=False)
    return report
