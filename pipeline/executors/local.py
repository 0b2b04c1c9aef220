"""Local executor: the calling process for one worker, a process pool for more.

Each worker process builds its GlossaryPipeline (and so its spaCy pipeline) once, in the
pool initializer; batches go out through `in_order`'s bounded window. Workers die with
the process that started them: the kernel sends them SIGKILL when it ends (Linux
`PR_SET_PDEATHSIG`; elsewhere a thread watches the parent), so a killed run leaves no
worker behind, and they ignore SIGINT, which a terminal sends to the whole group: the
parent alone decides how a run stops, and stops its workers itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from pipeline.api import PipelineConfig
from pipeline.executors import Task, UnitResult, WorkSettings, clean_file, in_order, pipeline_for, process_batch
from pipeline.model import Reject

# Batches in flight per worker: enough to keep every worker busy while the caller writes.
WINDOW_PER_WORKER = 4
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_POLL_SECONDS = 1.0


def map_local(batches: Iterable[list[Task]], settings: WorkSettings, workers: int) -> Iterator[list[UnitResult]]:
    if workers <= 1:
        for batch in batches:
            yield process_batch(settings, batch)
        return
    with _pool(workers, settings.config) as pool:
        yield from in_order(lambda batch: pool.submit(process_batch, settings, batch), batches,
                            workers * WINDOW_PER_WORKER)


def map_clean(paths: Sequence[str], config: PipelineConfig, workers: int) -> Iterator[tuple[str, str | Reject]]:
    """The clean stage alone over many files, in input order."""
    if workers <= 1 or len(paths) <= 1:
        yield from ((path, clean_file(config, path)) for path in paths)
        return
    with _pool(workers, None) as pool:
        results = pool.map(clean_file, [config] * len(paths), paths, chunksize=4)
        yield from zip(paths, results, strict=True)


@contextlib.contextmanager
def _pool(workers: int, config: PipelineConfig | None) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with this process; on any error or stop, they are killed at
    once instead of being waited for (a batch in flight may take many seconds)."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), config))
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what waits and kill the workers. The executor has no public way to end running work,
    so its process table is read directly."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=5)


def _start_worker(parent: int, config: PipelineConfig | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    if config is not None:
        pipeline_for(config)


def _die_with(parent: int) -> None:
    """End this process when `parent` ends, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent ended before the request was made
                    os._exit(1)
                return
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)
