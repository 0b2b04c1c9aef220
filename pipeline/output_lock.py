"""One run at a time per output folder: an exclusive `flock` on the folder itself, held for the whole run.

The kernel drops a flock when its holder ends, however it ends, so a killed run leaves no stale
lock to clean up. The lock is on the folder, not on a file in it: an operator who takes `OUT/.lock`
for a stale lock and deletes it (the reflex a "lock file" invites) would otherwise let a second run
lock a new file of that name and write into the folder beside the first. `OUT/.lock` only holds
the holder's process id, for the message a refused run prints.
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
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise _unusable(out_dir, error) from error
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise OutputFolderError(f"{out_dir}: the folder cannot be locked: {error.strerror}") from error
            raise OutputFolderError(
                f"{out_dir} is in use by another run (process {_holder(out_dir)}); wait for it to end, or give "
                "another -o"
            ) from None
        try:  # also what tells a folder the run cannot write in (read-only, full) before any work is done
            (out_dir / LOCK_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
        except OSError as error:
            raise _unusable(out_dir, error) from error
        yield
    finally:
        os.close(fd)


def _unusable(out_dir: Path, error: OSError) -> OutputFolderError:
    return OutputFolderError(f"{out_dir} cannot be used as the output folder: {error.strerror or error}")


def _holder(out_dir: Path) -> str:
    try:
        return (out_dir / LOCK_FILE).read_text(encoding="ascii", errors="replace").strip() or "unknown"
    except OSError:  # deleted by hand, or not written yet
        return "unknown"
