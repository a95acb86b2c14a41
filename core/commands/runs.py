"""`python -m core runs list|show|stop|resume|log|delete [RUN_ID]`: the runs of a workspace, as the Runs page
shows them."""

from __future__ import annotations

import argparse


def register(command) -> None:
    p = command("runs", cmd_runs, "List, show, stop, resume, read or delete runs.")
    p.add_argument("action", choices=["list", "show", "stop", "resume", "log", "delete"])
    p.add_argument("run_id", nargs="?")


def cmd_runs(args: argparse.Namespace) -> int:
    from core.cli import _emit
    from core.runs import runner
    from core.store.run_folder import log_path
    from core.store.runs import RunStore
    from core.store.workspace import workspace_path

    store = RunStore(workspace_path(args.workspace))
    if args.action == "list":
        runs = [r.to_dict() for r in runner.refresh(store)]
        _emit({"runs": runs}, args.json, _runs_text)
        return 0
    runner.refresh(store)
    if args.action == "log":
        path = log_path(runner.get_run(store, args.run_id).run_dir)
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no log yet)"
        _emit({"run_id": args.run_id, "log": text}, args.json, lambda p: p["log"])
        return 0
    if args.action == "delete":
        runner.delete_run(store, args.run_id)
        _emit({"deleted": args.run_id}, args.json, lambda p: f"Deleted run {p['deleted']}.")
        return 0
    action = {"show": runner.get_run, "stop": runner.stop_run, "resume": runner.resume_run}[args.action]
    run = action(store, args.run_id)
    _emit(runner.run_summary(store, run), args.json, _run_text)
    return 0


def _runs_text(p: dict) -> str:
    if not p["runs"]:
        return "No runs yet. Start one with: python -m core train --data FILE"
    return "\n".join(f"{r['id']}  {r['status']:<11} {r['global_step']:>6}/{r['max_steps'] or '?':<6} {r['name']}"
                     for r in p["runs"])


def _run_text(r: dict) -> str:
    lines = [f"{r['id']} · {r['name']} · {r['status']} · step {r['global_step']}/{r['max_steps'] or '?'}"]
    if r["error"]:
        lines.append(f"{r['error']} {r['error_fix'] or ''}".rstrip())
    if r["checkpoints"]:
        lines.append("Checkpoints at steps: " + ", ".join(map(str, r["checkpoints"])))
    lines += [f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}" for k, v in r["latest_metrics"].items()]
    return "\n".join(lines)
