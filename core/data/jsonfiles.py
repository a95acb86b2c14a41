"""JSON Lines and JSON documents: a list of rows, a {"data": [...]} wrapper, or a table of columns."""

from __future__ import annotations

import json

import pandas as pd

from core.data.table import frame_as_text
from core.errors import DataError


def read_jsonl(text: str, name: str) -> pd.DataFrame:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise DataError(f"Line {number} of {name} is not valid JSON.",
                            'Fix or delete that line; each line must be one object such as '
                            '{"text": "...", "label": "..."}.') from None
        records.append(_record(value))
    return _records_frame(records)


def read_json(text: str, name: str) -> tuple[pd.DataFrame, list[str]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # one object per line: JSON Lines saved as .json
            note = f"{name} holds one JSON object per line (JSON Lines), so it was read that way."
            return read_jsonl(text, name), [note]
        raise DataError(f"{name} is not valid JSON: the first problem is on line {exc.lineno}.",
                        "Fix the file, or save it again from the program that made it.") from None
    records = _json_records(value)
    if records is None:
        raise DataError(f"{name} does not hold a list of rows.",
                        'Save it as a list of objects such as [{"text": "...", "label": "..."}].')
    return _records_frame([_record(v) for v in records]), []


def _json_records(value: object) -> list | None:
    """The rows inside a JSON document: a list, a {"data": [...]}-like wrapper, or a dict of columns."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or not value:
        return None
    lists = {key: v for key, v in value.items() if isinstance(v, list)}
    rows = {key: v for key, v in lists.items() if v and isinstance(v[0], dict)}
    if rows:  # prefer the usual wrapper names, then the longest list of objects
        for key in ("data", "rows", "records", "examples", "items", "train"):
            if key in rows:
                return rows[key]
        return max(rows.values(), key=len)
    if len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1:
        return [dict(zip(lists, row)) for row in zip(*lists.values())]
    if all(isinstance(v, dict) for v in value.values()):
        return list(value.values())
    return None


def _record(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {f"column_{i + 1}": v for i, v in enumerate(value)}
    return {"text": value}


def _records_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return frame_as_text(frame)
