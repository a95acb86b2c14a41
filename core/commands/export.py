"""`python -m core export --run ID --format onnx [--quantize int8] [--out DIR]`: a model that needs no PyTorch,
checked against the run's own answers on its validation rows before it is offered.
"""

from __future__ import annotations

import argparse

from core.errors import StudioError


def register(command) -> None:
    p = command("export", cmd_export, "Export a finished run as ONNX (optionally int8), checked for agreement.")
    p.add_argument("--run", required=True)
    p.add_argument("--format", choices=("onnx",), default="onnx")
    p.add_argument("--quantize", choices=("int8",), help="Also write a dynamic int8 model (smaller, faster on CPU).")
    p.add_argument("--out", help="Folder to write to (default: the run folder's export/onnx).")


def cmd_export(args: argparse.Namespace) -> int:
    from core.cli import _emit
    from core.serve.onnx_export import export_onnx
    from core.serve.predictor import run_model_folder
    from core.store.runs import RunStore
    from core.store.workspace import workspace_path

    folder = run_model_folder(RunStore(workspace_path(args.workspace)), args.run)
    result = export_onnx(folder.parent, args.quantize, args.out)
    _emit(result, args.json, summary)  # the one way every command prints: JSON as the last line, or text
    failed = [kind for kind in ("fp32", "int8") if kind in result["checks"] and not result["checks"][kind]["passed"]]
    if failed:
        raise StudioError(f"The {' and '.join(failed)} export does not agree with the PyTorch model closely enough.",
                          "Use the fp32 export or the PyTorch model for this run.")
    return 0


def summary(result: dict) -> str:
    checks = result["checks"]
    lines = [f"Exported to {result['folder']} (checked on {checks['rows']} validation rows)"]
    for kind, size in result["sizes_mb"].items():
        c = checks[kind]
        share = "n/a" if c["agreement"] is None else f"{c['agreement']:.2%}"
        lines.append(f"  {kind}: {size} MB, agreement {share}, largest difference {c['max_difference']:.2g}"
                     f" -> {'ok' if c['passed'] else 'NOT OK'}")
    if result.get("int8_kept_fp32"):
        lines.append(f"  int8 keeps {result['int8_kept_fp32']} sensitive parts in fp32 (all-int8 missed the goal)")
    return "\n".join(lines)
