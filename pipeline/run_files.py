"""Reading a finished run's folder back: records, rejects and run.json.

The audit, evaluate and diff commands read runs through these functions only. The files
are those `run.json` lists under `outputs` (JSON Lines or Parquet shards, in order); a
folder without that list is read as `records.jsonl` and `rejects.jsonl`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RECORDS_FILE = "records.jsonl"
REJECTS_FILE = "rejects.jsonl"
RUN_REPORT_FILE = "run.json"
# What `audit` writes beside a run's files. They describe the results they were made from, so a run that
# publishes new results removes them (pipeline/shards.py `publish`): no report of older results is left
# looking current.
AUDIT_HTML = "audit.html"
AUDIT_JSON = "audit.json"


class RunFolderError(ValueError):
    """The folder is not a readable run (missing or malformed files)."""


def results_folder(run_dir: Path) -> Path:
    """The folder that holds one run's files: where `run_dir/current` points, resolved now, so that what is
    read from it comes from one run even when another run switches `current` meanwhile."""
    current = run_dir / "current"
    return current.resolve() if current.is_symlink() else run_dir


def iter_records(run_dir: Path) -> Iterator[dict[str, Any]]:
    folder = results_folder(run_dir)
    for name in _listed(folder, "records", RECORDS_FILE):
        yield from _iter_file(folder / name)


def iter_rejects(run_dir: Path) -> Iterator[dict[str, Any]]:
    folder = results_folder(run_dir)
    for name in _listed(folder, "rejects", REJECTS_FILE):
        yield from _iter_file(folder / name)


def _listed(run_dir: Path, kind: str, default: str) -> list[str]:
    outputs = read_run_report(run_dir).get("outputs")
    names = outputs.get(kind) if isinstance(outputs, dict) else None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return [default]
    return names


def _iter_file(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix == ".parquet":
        yield from iter_parquet_rows(path)
    else:
        yield from _iter_jsonl(path)


def iter_parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a Parquet file as the same rows read in JSON Lines; RunFolderError when it cannot be read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.exists():
        raise RunFolderError(f"{path} does not exist: run.json lists it")
    try:
        shard = pq.ParquetFile(path)
        for batch in shard.iter_batches():
            for row in batch.to_pylist():
                yield {name: _as_json(row[name], shard.schema_arrow.field(name).type) for name in row}
    except (pa.ArrowException, OSError) as error:
        raise RunFolderError(f"{path}: not a readable Parquet file: {error}") from error


def _as_json(value: Any, kind: Any) -> Any:
    """A Parquet value as it reads in JSON: maps (Arrow gives key-value pairs) back to objects."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_map(kind):
        return {key: _as_json(item, kind.item_type) for key, item in value}
    if pa.types.is_struct(kind):
        return {child.name: _as_json(value[child.name], child.type) for child in kind}
    if pa.types.is_list(kind):
        return [_as_json(item, kind.value_type) for item in value]
    return value


def read_run_report(run_dir: Path) -> dict[str, Any]:
    path = results_folder(run_dir) / RUN_REPORT_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_bytes())
    except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested past the parser's stack
        raise RunFolderError(f"{path}: not JSON: {type(error).__name__}: {error}") from error


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        raise RunFolderError(f"{path} does not exist: is {path.parent} the output folder of a run?")
    with path.open("rb") as handle:  # bytes: a line that is not UTF-8 is reported like one that is not JSON
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested past the parser's stack
                raise RunFolderError(f"{path}:{number}: not JSON: {type(error).__name__}: {error}") from error
            if not isinstance(item, dict):
                raise RunFolderError(f"{path}:{number}: not a JSON object")
            yield item
