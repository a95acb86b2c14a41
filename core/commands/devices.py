"""`python -m core devices`: the GPUs (name, total and free memory) and the CPU a run may train on."""

from __future__ import annotations

import argparse
import json


def register(command) -> None:
    command("devices", cmd_devices, "List the GPUs and the CPU a run may train on (--devices picks among them).")


def cmd_devices(args: argparse.Namespace) -> int:
    from core.device import list_devices

    devices = list_devices(measure=True)
    if args.json:  # the one command whose JSON is a list: the contract is one entry per device
        print(json.dumps(devices, ensure_ascii=False))
        return 0
    for d in devices:
        if d["id"] == "cpu":
            print(f"cpu      {d['name']} · {d['cores']} cores · {d['memory_gb']:.0f} GB")
        else:
            print(f"{d['id']:<8} {d['name']} · {d['free_gb']:.1f} of {d['memory_gb']:.1f} GB free")
    return 0
