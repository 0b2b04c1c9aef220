"""One run at a time per output folder: an exclusive `flock` on `OUT/.lock`, held for the whole run.

The kernel drops a flock when its holder ends, however it ends, so the lock file a killed
run leaves behind is simply taken by the next run: there is no stale lock to clean up. The
file holds the holder's process id, for the message a refused run prints.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".lock"


class OutputFolderError(Exception):
    """The output folder cannot be used: another run holds it, or it is no writable folder.
    Nothing was written; resuming cannot help."""


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputFolderError(f"{out_dir} cannot be used as the output folder: {reason}") from error
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise OutputFolderError(f"{out_dir}: the lock file cannot be locked: {error.strerror}") from error
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise OutputFolderError(
                f"{out_dir} is in use by another run (process {holder}); wait for it to end, or give another -o"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)
