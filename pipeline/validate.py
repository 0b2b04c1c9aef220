"""Check a records or rejects file: each row against its published JSON Schema, then the model's
cross-field rules (entity offsets, convenience fields) that a JSON Schema cannot state.

A file is read as Parquet when it starts with Parquet's magic bytes, else as JSON Lines. Each row is
checked as a reject when it has a `reason` and no `sections` (or when every row is declared a reject),
else as a record, so a run's `rejects.jsonl` is not reported as broken records.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from pipeline.model import Record, Reject, json_schemas
from pipeline.run_files import RunFolderError, iter_parquet_rows

RowKind = Literal["record", "reject"]
_MODELS: dict[RowKind, type[BaseModel]] = {"record": Record, "reject": Reject}
_PARQUET_MAGIC = b"PAR1"


@cache
def _validator(kind: RowKind) -> Draft202012Validator:
    return Draft202012Validator(json_schemas()[f"{kind}.schema.json"])


@dataclass(slots=True)
class CheckedFile:
    problems: list[str] = field(default_factory=list)
    rows: Counter[RowKind] = field(default_factory=Counter)

    def line(self) -> str:
        return f"{self.rows['record']} records and {self.rows['reject']} rejects checked, {len(self.problems)} problems"


def row_kind(row: Any, all_rejects: bool = False) -> RowKind:
    if all_rejects or (isinstance(row, dict) and "reason" in row and "sections" not in row):
        return "reject"
    return "record"


def validate_row(row: Any, kind: RowKind) -> list[str]:
    """Problems with one decoded row (empty when it is a valid record or reject)."""
    problems = [f"{'/'.join(map(str, e.absolute_path)) or f'({kind})'}: {e.message}"
                for e in _validator(kind).iter_errors(row)]
    if not problems:
        try:
            _MODELS[kind].model_validate(row)
        except ValidationError as error:
            problems = [f"{'/'.join(map(str, e['loc'])) or f'({kind})'}: {e['msg']}" for e in error.errors()]
    return problems


def validate_record_line(line: str) -> list[str]:
    """Problems with one JSON line read as a record (empty when it is a valid record)."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as error:
        return [f"not JSON: {_json_error(error)}"]
    return validate_row(data, "record")


def _json_error(error: Exception) -> str:
    return "nested deeper than it can be read" if isinstance(error, RecursionError) else str(error)


def validate_file(path: Path, all_rejects: bool = False) -> CheckedFile:
    """Every row of a JSON Lines or Parquet file checked; a file that cannot be decoded is a problem, not an error.
    Raises OSError when the file cannot be opened."""
    checked = CheckedFile()
    with path.open("rb") as handle:
        is_parquet = handle.read(len(_PARQUET_MAGIC)) == _PARQUET_MAGIC
    rows = _parquet_rows(path, checked) if is_parquet else _jsonl_rows(path, checked)
    for where, row in rows:
        kind = row_kind(row, all_rejects)
        checked.rows[kind] += 1
        checked.problems.extend(f"{path}:{where}: {kind}: {problem}" for problem in validate_row(row, kind))
    return checked


def _jsonl_rows(path: Path, checked: CheckedFile) -> Iterator[tuple[str, Any]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield str(number), json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                checked.rows["record"] += 1
                checked.problems.append(f"{path}:{number}: not UTF-8 text: is this a records or rejects file?")
            except (ValueError, RecursionError) as error:  # JSONDecodeError; an integer past Python's digit limit;
                checked.rows["record"] += 1  # nesting deeper than the parser's stack: a problem of this row alone
                checked.problems.append(f"{path}:{number}: not JSON: {_json_error(error)}")


def _parquet_rows(path: Path, checked: CheckedFile) -> Iterator[tuple[str, Any]]:
    try:
        for number, row in enumerate(iter_parquet_rows(path), start=1):
            yield f"row {number}", row
    except RunFolderError as error:
        checked.problems.append(str(error))
