"""`python -m core devices`: the GPUs (name, total and free memory) and the CPU a run may train on."""

from __future__ import annotations

import argparse


def register(command) -> None:
    command("devices", cmd_devices, "List the GPUs and the CPU a run may train on (--devices picks among them).")


def cmd_devices(args: argparse.Namespace) -> int:
    from core.cli import _emit
    from core.device import list_devices

    # the one command whose JSON is a list: the contract is one entry per device
    _emit(list_devices(measure=True), args.json, lambda devices: "\n".join(_device_line(d) for d in devices))
    return 0


def _device_line(d: dict) -> str:
    if d["id"] == "cpu":
        return f"cpu      {d['name']} · {d['cores']} cores · {d['memory_gb']:.0f} GB"
    return f"{d['id']:<8} {d['name']} · {d['free_gb']:.1f} of {d['memory_gb']:.1f} GB free"
