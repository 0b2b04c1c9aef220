"""Write stage: JSON Lines, JSON and Parquet files that appear whole or not at all.

Each file is written to a temporary name in the same folder and renamed into place when
complete, so a crash never leaves a half-written line under the final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType, UnionType
from typing import IO, Any, BinaryIO, Literal, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from pipeline.model import Record


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only (0600); output files get the ordinary
# permissions a plain open() would give them (0666 less the umask), read once at import.
_FILE_MODE = 0o666 & ~_current_umask()


def remove_temp_files(folder: Path, of_names: re.Pattern[str]) -> None:
    """Remove the temporary files (`.<name>.<random>.tmp`, as the writers here name them) of the final
    names `of_names` matches: what an attempt that was killed, or stopped by a signal between a file's
    creation and its writer's clean-up, left in `folder`. Other files stay."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        name = path.name
        if name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 3:
            final = name[1:].rsplit(".", 2)[0]  # ".<final>.<random>.tmp" -> "<final>"
            if of_names.fullmatch(final):
                path.unlink(missing_ok=True)


def _temp_file(path: Path) -> tuple[int, Path]:
    """A new temporary file next to `path`, with ordinary file permissions."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with contextlib.suppress(OSError):  # a file system without permissions: keep what mkstemp gave
        os.fchmod(fd, _FILE_MODE)
    return fd, Path(temp)


class AtomicJsonLines:
    """A JSON Lines file that becomes visible at `path` only when closed without error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._temp = _temp_file(path)
        self._handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self.count = 0

    def write(self, item: BaseModel) -> None:
        self._handle.write(item.model_dump_json() + "\n")
        self.count += 1

    def commit(self) -> None:
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._temp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self._handle.close()
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicJsonLines:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file that appears at `path`, fsynced, only when the block ends without error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a pydantic field annotation; nested models become structs, dicts maps."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (UnionType, Union):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return arrow_type(inner)
    if origin is Literal or annotation is str:
        return pa.string()
    if annotation is int:
        return pa.int64()
    if annotation is float:
        return pa.float64()
    if origin is list:
        return pa.list_(arrow_type(args[0]))
    if origin is dict:
        return pa.map_(arrow_type(args[0]), arrow_type(args[1]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(_arrow_fields(annotation))
    raise TypeError(f"no Arrow type for {annotation!r}")


def _arrow_fields(model: type[BaseModel]) -> list[pa.Field]:
    return [pa.field(name, arrow_type(info.annotation)) for name, info in model.model_fields.items()]


RECORD_SCHEMA = pa.schema(_arrow_fields(Record))
# Rows per Parquet row group: small enough to keep a writer's buffer small, large enough to compress well.
_ROW_GROUP = 1000


class PartWriter:
    """One shard's records in a part file that appears at `path` whole, or not at all.

    New records arrive as the JSON text workers produce (`add_json`); records of a previous
    run's part of the same format are copied as read (`add_row`: a JSON line's bytes, or a row).
    """

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._temp = _temp_file(path)
        self._handle: BinaryIO | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._rows: list[Any] = []
        if fmt == "parquet":
            os.close(fd)
            self._parquet = pq.ParquetWriter(str(self._temp), RECORD_SCHEMA)
        else:
            self._handle = os.fdopen(fd, "wb")

    def add_json(self, text: str) -> None:
        self.add_row(json.loads(text) if self._parquet else (text + "\n").encode("utf-8"))

    def add_row(self, row: Any) -> None:
        if self._handle is not None:
            self._handle.write(row)
            return
        self._rows.append(row)
        if len(self._rows) >= _ROW_GROUP:
            self._flush_rows()

    def _flush_rows(self) -> None:
        if self._parquet is not None and self._rows:
            self._parquet.write_table(pa.Table.from_pylist(self._rows, schema=RECORD_SCHEMA))
            self._rows.clear()

    def commit(self) -> int:
        """Close, fsync and rename into place; returns the part's size in bytes."""
        try:
            self._close()
            with open(self._temp, "rb+") as written:
                os.fsync(written.fileno())
            os.replace(self._temp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path.stat().st_size

    def _close(self) -> None:
        self._flush_rows()
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # already failing: the temp file must go whatever happens
            self._close()
        self._temp.unlink(missing_ok=True)
