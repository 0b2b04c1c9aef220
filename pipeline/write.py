"""Write stage: JSON Lines and JSON files that appear whole or not at all.

Each file is written to a temporary name in the same folder and renamed into place when
complete, so a crash never leaves a half-written line under the final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pydantic import BaseModel


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only (0600); output files get the ordinary
# permissions a plain open() would give them (0666 less the umask), read once at import.
_FILE_MODE = 0o666 & ~_current_umask()


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _temp_file(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
