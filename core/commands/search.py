"""`python -m core search`: find the best settings with an Optuna study whose trials are ordinary runs."""

from __future__ import annotations

import argparse
import dataclasses

from core.store.workspace import workspace_path


def register(command) -> None:
    from core.cli import _add_config_flags

    p = command("search", cmd_search, "Find the best settings: an Optuna study, each trial an ordinary run.")
    p.add_argument("--trials", type=int, default=10, help="How many trials at most (default 10).")
    p.add_argument("--time-budget", type=float, help="Minutes the whole search may take; the running trial is "
                   "stopped when they are up.")
    p.add_argument("--resume", metavar="STUDY_ID", help="Continue a search whose process was killed.")
    p.add_argument("--list", action="store_true", help="List the searches in this workspace.")
    p.add_argument("--show", metavar="STUDY_ID", help="Show a search's trials and best settings.")
    p.add_argument("--config", help="A YAML settings file to search around; flags given override it.")
    _add_config_flags(p)


def cmd_search(args: argparse.Namespace) -> int:
    from core.cli import _emit, config_from_args
    from core.search.study import create_study, drive, list_studies, summary

    workspace = workspace_path(args.workspace)
    if args.list:
        _emit({"studies": list_studies(workspace)}, args.json, lambda p: "\n".join(p["studies"]) or "No searches.")
        return 0
    if args.show:
        _emit(summary(workspace, args.show), args.json, _text)
        return 0
    # --time-budget is the whole search's here, not each trial's
    trials_config = dataclasses.replace(config_from_args(args), time_budget=0.0)
    study_id = args.resume or create_study(workspace, trials_config, args.trials, args.time_budget)
    _emit(drive(workspace, study_id), args.json, _text)
    return 0


def _text(p: dict) -> str:
    lines = [f"Search {p['study_id']} ({'finished' if p['finished'] else 'not finished'}), scored on the "
             f"validation rows' {p['metric']}"]
    for t in p["trials"]:
        score = f"{t['score']:.4f}" if t["score"] is not None else "-"
        lines.append(f"  trial {t['number']:<3} {t['state']:<9} {score:<7} run {t['run_id']}")
    if p["best_params"]:
        lines.append(f"Best {p['best_score']:.4f} (run {p['best_run_id']}): {p['best_params']}")
    return "\n".join(lines)
