"""Check a records file: each line against the published JSON Schema, then the model's
cross-field rules (entity offsets, convenience fields) that a JSON Schema cannot state."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from pydantic import ValidationError

from pipeline.model import Record, json_schemas


@cache
def _record_validator() -> Draft202012Validator:
    return Draft202012Validator(json_schemas()["record.schema.json"])


def validate_record_line(line: str) -> list[str]:
    """Problems with one JSON line (empty when it is a valid record)."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        return [f"not JSON: {error}"]
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}"
                for e in _record_validator().iter_errors(data)]
    if not problems:
        try:
            Record.model_validate(data)
        except ValidationError as error:
            problems = [f"{'/'.join(map(str, e['loc'])) or '(record)'}: {e['msg']}" for e in error.errors()]
    return problems


def validate_records_file(path: Path) -> tuple[list[str], int]:
    problems: list[str] = []
    count = 0
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            count += 1
            problems.extend(f"{path}:{number}: {p}" for p in validate_record_line(line))
    return problems, count
