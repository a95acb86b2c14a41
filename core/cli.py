"""`python -m core`: everything the dashboard does, from a terminal, a script, a test or a benchmark.

A user error exits 1 with one plain sentence on stderr. With --json the last line printed is one
JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import DataError, StudioError
from core.store.workspace import workspace_path
from core.train.config import TrainConfig

log = logging.getLogger("core")

def _emit(payload: dict[str, Any] | list, as_json: bool, human: Callable[[Any], str]) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str) if as_json else human(payload))


# inspect-data -----------------------------------------------------------------------------
def cmd_inspect_data(args: argparse.Namespace) -> int:
    from core.data.check import add_model_advice, build_report
    from core.data.task_texts import load_task_texts

    data = load_task_texts(args.file, args.text_column, args.label_column, args.text_pair_column, args.task,
                           args.label_columns, args.label_separator)  # the task too: one label, several, a score
    tokenizer = _tokenizer_or_none(args.model)
    report = add_model_advice(build_report(data, tokenizer=tokenizer, max_length=args.max_length), args.model)
    report = report.to_dict()
    _emit(report, args.json, _report_text)
    return 0


def _tokenizer_or_none(model: str):
    try:  # lengths only: the model's tokenizer.json counts them without importing transformers (seconds)
        from core.models.tokens import load_token_counter

        return load_token_counter(model)
    except StudioError as error:  # the report is still useful without token lengths
        log.warning("%s Token lengths are left out.", error.message)
        return None


def _report_text(r: dict) -> str:
    lines = [f"{r['rows']} rows · text column '{r['text_column']}' · label column '{r['label_column']}' · "
             f"language {r['language']}", "Labels: " + ", ".join(f"{k} ({v})" for k, v in r["label_counts"].items())]
    if r.get("token_lengths"):
        t = r["token_lengths"]
        lines.append(f"Tokens: mean {t['mean']:.0f}, 95% under {t['p95']:.0f}, longest {t['max']:.0f}; "
                     f"{r['truncated_share']:.0%} would be cut at {r['max_length']}")
    lines += [f"[{p['severity']}] {p['message']} {p['fix']}".rstrip() for p in r["problems"]]
    return "\n".join(lines)


# models -----------------------------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> int:
    from core.models.catalogue import list_models
    from core.models.sources import hub_endpoint, model_source, save_settings
    from core.store.workspace import models_dir

    if args.hub_endpoint is not None or args.source is not None:  # saved for this workspace's later downloads
        save_settings(args.workspace, hub_endpoint=args.hub_endpoint, source=args.source)
    cards = [c.to_dict() for c in list_models([models_dir(workspace_path(args.workspace))])]
    where = {"hub_endpoint": hub_endpoint(args.workspace) or "https://huggingface.co",
             "source": model_source(args.workspace)}
    _emit({"models": cards, **where}, args.json, lambda p: "\n".join(
        [f"{c['id']:<40} {c['source']:<9} {'ready' if c['ready'] else 'download':<9} {c['name']}"
         for c in p["models"]] + [f"Model ids download from {p['source']} ({p['hub_endpoint']} for hf)."]))
    return 0


# train ------------------------------------------------------------------------------------
def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the flags describe: the preset's values, then every flag given; files made absolute."""
    overrides = {f.name: getattr(args, f.name, None) for f in dataclasses.fields(TrainConfig)}
    preset = overrides.pop("preset") or TrainConfig.preset
    for f in dataclasses.fields(TrainConfig):
        if f.metadata.get("path") and overrides.get(f.name):
            overrides[f.name] = str(Path(overrides[f.name]).resolve())
    if getattr(args, "config", None):  # the file's settings, then a --preset given, then every other flag given
        from core.train.settings_file import load_settings

        config = load_settings(args.config)
        config = config.with_preset(preset) if getattr(args, "preset", None) else config
        return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_preset(preset, **overrides)


def cmd_train(args: argparse.Namespace) -> int:
    from core.runs.runner import submit
    from core.store.runs import RunStore

    store = RunStore(workspace_path(args.workspace))
    config = config_from_args(args)
    if config.node_rank > 0:  # another machine of machine 0's run joins that run (core.runs.nodes)
        from core.runs.nodes import join_run

        run = join_run(store, config)
        _emit({"run_id": run.id, "status": run.status}, args.json, lambda p: f"Run {p['run_id']}: {p['status']}.")
        return 0
    if args.detach:
        run = submit(store, config)
        _emit({"run_id": run.id, "run_dir": run.run_dir, "status": run.status}, args.json,
              lambda p: f"Run {p['run_id']} is {p['status']}. Follow it with: python -m core runs show {p['run_id']}")
        return 0
    run = _train_here(store, config)
    payload = {"run_id": run.id, "run_dir": run.run_dir, "status": run.status,
               "metrics": _headline(run.results.get("metrics", {})),
               "test_metrics": _headline(run.results.get("test_metrics", {})), "error": run.error, "fix": run.error_fix,
               "train_samples_per_second": run.results.get("train_samples_per_second"),
               "method": run.results.get("method") or config.method,  # and the simple baseline beside the run
               "baseline_metrics": _headline(run.results.get("baseline_metrics") or {}),
               "baseline_test_metrics": _headline(run.results.get("baseline_test_metrics") or {})}
    if run.status == "failed":
        print(f"{run.error} {run.error_fix or ''}".strip(), file=sys.stderr)
    _emit(payload, args.json, _train_text)
    return 0 if run.status in ("completed", "stopped") else 1


TASK_HEADLINE = ("task", "micro_f1", "subset_accuracy", "thresholds", "mae", "rmse", "pearson", "spearman", "r2")


def _headline(metrics: dict) -> dict:
    return {k: metrics[k] for k in ("accuracy", "macro_f1", "loss", "per_class", *TASK_HEADLINE) if k in metrics}


def _train_text(p: dict) -> str:
    if p["status"] == "failed":
        return f"Run {p['run_id']} failed: {p['error']} {p['fix'] or ''}".rstrip()
    m = p["metrics"]
    if not m:
        return f"Run {p['run_id']} {p['status']}."
    if m.get("task") in ("multi-label", "regression"):
        from core.commands.task_flags import train_text

        return train_text(p)
    test = p.get("test_metrics") or {}
    scores = f"accuracy {m['accuracy']:.1%}, macro-F1 {m['macro_f1']:.3f}"
    if test:  # the rows kept apart until the end: the honest score
        scores = (f"on the test rows accuracy {test['accuracy']:.1%}, macro-F1 {test['macro_f1']:.3f} "
                  f"(validation {m['accuracy']:.1%})")
    return f"Run {p['run_id']} {p['status']}: {scores}. Model in {p['run_dir']}/model"


def _train_here(store, config: TrainConfig):
    """Train in this process, waiting in the queue first if another training holds the device.

    Ctrl-C while waiting takes the run off the queue, so it does not train later on its own.
    """
    from core.errors import RunError
    from core.runs.runner import cancel_waiting, claim_device, create_run, start_next
    from core.runs.worker import execute

    run = create_run(store, config)
    waited = False
    try:
        # marks this queued run as being looked after (not to be spawned); claim_device beats while it waits
        store.update(run.id, pid=os.getpid(), heartbeat=time.time())
        while not claim_device(store, run.id, os.getpid()):
            current = store.get(run.id)
            if current is None:
                raise RunError(f"Run '{run.id}' was deleted while it waited for the device.",
                               "Start the training again if you still want it.")
            if current.status != "queued":  # taken off the queue meanwhile (Stop from the dashboard)
                return current
            if not waited:
                log.info("Another training is using the device; run %s waits in the queue (Ctrl-C cancels it).",
                         run.id)
                waited = True
            time.sleep(1.0)
    except KeyboardInterrupt:
        log.warning("Run %s was cancelled while it waited for the device.", run.id)
        return cancel_waiting(store, run.id, os.getpid()) or run
    log.info("Run %s started (%s)", run.id, run.run_dir)
    try:
        return execute(store, store.get(run.id))
    except KeyboardInterrupt:
        return store.get(run.id)
    finally:
        start_next(store)


# evaluate / predict -----------------------------------------------------------------------
WINDOW_HELP = ("Read texts longer than the max length whole: windows of the max length starting every N tokens, "
               "their probabilities averaged (0 = cut each text as training did).")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from core.commands.task_flags import evaluate_text
    from core.data.task_texts import load_task_texts
    from core.data.texts import load_texts
    from core.serve.evaluate import evaluate
    from core.serve.predictor import Predictor, run_model_folder
    from core.serve.windows import windowed
    from core.store.runs import RunStore

    folder = run_model_folder(RunStore(workspace_path(args.workspace)), args.run)
    predictor = Predictor(folder)
    data = (load_texts(args.data, args.text_column, args.label_column, args.text_pair_column)
            if predictor.task == "single-label" else  # read the file's labels as the model's task reads them
            load_task_texts(args.data, args.text_column, args.label_column, args.text_pair_column, predictor.task,
                            args.label_columns, args.label_separator))
    report = evaluate(windowed(predictor, args.window_stride), data)
    table = report.pop("rows_table")
    if args.out:
        table.to_csv(args.out, index=False)
    _emit(report, args.json, evaluate_text)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from core.serve.predictor import Predictor, run_model_folder
    from core.serve.windows import windowed
    from core.store.runs import RunStore

    predictor = windowed(Predictor(run_model_folder(RunStore(workspace_path(args.workspace)), args.run)),
                         args.window_stride)  # long texts read whole, in windows, when asked
    if args.text is not None:
        if predictor.pairs != (args.text_pair is not None):
            needs = ("This model answers pairs of texts: give the second one with --text-pair." if predictor.pairs
                     else "This model answers single texts; --text-pair is for models trained on pairs.")
            raise DataError(needs, "Run the command again with the right texts.")
        result = predictor.predict(args.text, args.text_pair).to_dict()
        from core.commands.task_flags import predict_text

        _emit(result, args.json, predict_text)  # the label; several labels; or the number
        return 0
    from core.data.texts import load_texts

    data = load_texts(args.data, args.text_column, "", args.text_pair_column if predictor.pairs else "")
    if predictor.pairs and data.text_pairs is None:
        raise DataError(f"This model answers pairs of texts, but {Path(args.data).name} has no second text column.",
                        "Name it with --text-pair-column.")
    table = predictor.predict_table([t if isinstance(t, str) else "" for t in data.texts], data.text_pairs)
    out = Path(args.out or Path(args.data).with_suffix("").as_posix() + ".predictions.csv")
    table.to_csv(out, index=False, encoding="utf-8-sig")  # with BOM so Excel shows Chinese correctly
    _emit({"rows": len(table), "out": str(out), "label_counts": table["predicted"].value_counts().to_dict()},
          args.json, lambda p: f"Predicted {p['rows']} rows; written to {p['out']}")
    return 0


# parser -----------------------------------------------------------------------------------
def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per TrainConfig field, built from the field's metadata (help, choices, required)."""
    for f in dataclasses.fields(TrainConfig):
        meta = f.metadata
        if not meta.get("cli", True):
            continue
        flag = "--" + f.name.replace("_", "-")
        if flag in parser._option_string_actions:  # a command's own flag of that name wins (search --time-budget)
            continue
        options: dict[str, Any] = {"default": None, "help": meta.get("help", "")}
        if isinstance(f.default, bool):
            options["action"] = argparse.BooleanOptionalAction
        else:
            options["type"] = float if isinstance(f.default, float) else int if isinstance(f.default, int) else str
        if meta.get("choices"):
            options["choices"] = list(meta["choices"])
        if meta.get("required"):  # or given by --config FILE; validate() names it when missing
            options["help"] += " Required unless --config gives it."
        parser.add_argument(flag, **options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Fine-Tune Studio's engine.")
    from core.commands.task_flags import add_task_flags
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--workspace", help="Workspace folder (default: $STUDIO_WORKSPACE or ./workspace).")
        p.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
        return p

    p = command("inspect-data", cmd_inspect_data, "Read a data file and report on its quality.")
    p.add_argument("file")
    p.add_argument("--text-column")
    p.add_argument("--label-column")
    p.add_argument("--text-pair-column", help="The column of each pair's second text ('' for single texts).")
    p.add_argument("--model", default="default", help="Model whose tokenizer measures text lengths.")
    p.add_argument("--max-length", type=int, default=128)
    add_task_flags(p)
    p = command("models", cmd_models, "List the models you can train.")
    p.add_argument("--hub-endpoint", metavar="URL", help="Download Hub models from this mirror (e.g. "
                   "https://hf-mirror.com), saved for this workspace; '' for huggingface.co. HF_ENDPOINT wins.")
    p.add_argument("--source", choices=["hf", "modelscope"], help="Where model ids download from, saved for this "
                   "workspace: the Hugging Face Hub (or its mirror) or ModelScope.")
    p = command("train", cmd_train, "Fine-tune a model on a labelled file.")
    p.add_argument("--detach", action="store_true", help="Queue the run and return at once.")
    p.add_argument("--config", help="A YAML settings file (saved from the Train page); flags given override it.")
    _add_config_flags(p)
    p = command("evaluate", cmd_evaluate, "Measure a finished run on a labelled file.")
    p.add_argument("--run", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--text-column")
    p.add_argument("--label-column")
    p.add_argument("--text-pair-column", help="The column of second texts, for a model of pairs.")
    p.add_argument("--out", help="Also write each row's prediction to this CSV file.")
    p.add_argument("--window-stride", type=int, default=0, help=WINDOW_HELP)
    add_task_flags(p, task=False)  # the model's own task decides; these say how the file writes the labels
    p = command("predict", cmd_predict, "Label a text or a whole file with a finished run.")
    p.add_argument("--run", required=True)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--text")
    source.add_argument("--data")
    p.add_argument("--text-pair", help="The second text, for a model trained on pairs of texts.")
    p.add_argument("--text-column")
    p.add_argument("--text-pair-column", help="The column of second texts in --data (detected when not given).")
    p.add_argument("--out")
    p.add_argument("--window-stride", type=int, default=0, help=WINDOW_HELP)
    from core.commands import registrars

    for register in registrars():  # search, serve, export, zero-shot, ...: one module each
        register(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    _quiet_libraries()
    if getattr(args, "action", None) not in (None, "list") and not args.run_id:
        print(f"'runs {args.action}' needs a run id. List them with: python -m core runs list", file=sys.stderr)
        return 1
    try:
        return args.func(args)
    except StudioError as error:
        print(str(error), file=sys.stderr)
        if getattr(args, "json", False):
            print(json.dumps({"error": error.to_dict()}, ensure_ascii=False))
        return 1


def _quiet_libraries() -> None:
    for name in ("transformers", "datasets", "urllib3", "httpx", "huggingface_hub", "filelock"):
        logging.getLogger(name).setLevel(logging.WARNING)
