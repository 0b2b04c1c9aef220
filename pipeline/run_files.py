"""Reading a finished run's folder back: records, rejects and run.json.

The audit, evaluate and diff commands read runs through these functions only, so that a
new output format (Parquet shards) is taught here once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RECORDS_FILE = "records.jsonl"
REJECTS_FILE = "rejects.jsonl"
RUN_REPORT_FILE = "run.json"


class RunFolderError(ValueError):
    """The folder is not a readable run (missing or malformed files)."""


def iter_records(run_dir: Path) -> Iterator[dict[str, Any]]:
    yield from _iter_jsonl(run_dir / RECORDS_FILE)


def iter_rejects(run_dir: Path) -> Iterator[dict[str, Any]]:
    yield from _iter_jsonl(run_dir / REJECTS_FILE)


def read_run_report(run_dir: Path) -> dict[str, Any]:
    path = run_dir / RUN_REPORT_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RunFolderError(f"{path}: not JSON: {error}") from error


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        raise RunFolderError(f"{path} does not exist: is {path.parent} the output folder of a run?")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise RunFolderError(f"{path}:{number}: not JSON: {error}") from error
            if not isinstance(item, dict):
                raise RunFolderError(f"{path}:{number}: not a JSON object")
            yield item
