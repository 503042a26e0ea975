"""A user's JSONL file (questions, task examples), read strictly: every line an object, errors that name
the line. Run folders, which ragtune appends to and may find torn, are read by `ragtune.runs.read_jsonl`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator


def numbered_records(path: Path, error: type[Exception], hint: str) -> Iterator[tuple[str, int, dict]]:
    """(`path:line`, line number, object) for each non-empty line; `error` with `hint` (what the file should
    be) when the file is missing, a line is not JSON or not an object."""
    if not path.is_file():
        raise error(f"{path}: no such file; {hint}.")
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except ValueError as e:
            raise error(f"{where}: not valid JSON ({e}).") from e
        if not isinstance(record, dict):
            raise error(f"{where}: expected a JSON object.")
        yield where, lineno, record


def strings(record: dict, key: str, where: str, error: type[Exception]) -> tuple[str, ...]:
    """`record[key]` as a tuple of strings (a single string is one item; missing is empty)."""
    value = record.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise error(f"{where}: `{key}` must be a list of strings.")
    return tuple(str(v) for v in value)


def unique_id(record: dict, default: str, seen: set[str], where: str, error: type[Exception]) -> str:
    """The record's `id` (else `default`), checked unique against `seen` and added to it."""
    rid = str(record.get("id") or default)
    if rid in seen:
        raise error(f"{where}: duplicate id {rid!r}; ids must be unique.")
    seen.add(rid)
    return rid
