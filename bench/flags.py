"""The flags every side of the training benchmark takes, so B1 and the minimal loop get the same run."""

from __future__ import annotations

import argparse


def side_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    for flag in ("--train", "--dev", "--model"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=8e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    return parser
