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
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TypeVar

from pipeline.api import PipelineConfig
from pipeline.clean.site_template import PageFingerprint, SiteTemplates
from pipeline.executors import (
    Task,
    UnitResult,
    Work,
    WorkSettings,
    clean_file,
    fingerprint_file,
    pipeline_for,
    process_batch,
)
from pipeline.model import Reject, RejectSource
from pipeline.read import printable_path

# Batches in flight per worker: enough to keep every worker busy while the caller writes.
WINDOW_PER_WORKER = 4
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_POLL_SECONDS = 1.0
_Result = TypeVar("_Result")


def map_local(
    batches: Iterable[list[Task]], settings: WorkSettings, workers: int, work: Work = process_batch
) -> Iterator[list[UnitResult]]:
    """`work` on each batch (processing, or the site template fingerprints), results in input order.
    A worker that dies (out of memory, a crash in C code) breaks the pool and every batch in
    flight: the pool is rebuilt and those batches are run again one page at a time, so that only
    a page that kills its worker a second time, alone, becomes a `worker-crashed` reject and the
    pages that merely shared its window are processed."""
    if workers <= 1:
        for batch in batches:
            yield work(settings, batch)
        return
    # Only processing needs the pipeline (spaCy) built in each worker up front.
    pool = _RestartablePool(workers, settings.config if work is process_batch else None, work)
    try:
        window = workers * WINDOW_PER_WORKER
        pending: deque[tuple[list[Task], Future[list[UnitResult]] | None]] = deque()
        ready: deque[list[UnitResult]] = deque()  # results of batches redone after a crash, in order
        for batch in batches:
            pending.append((batch, pool.submit(settings, batch)))
            while len(pending) >= window:
                yield _next_result(pool, settings, pending, ready)
        while pending:
            yield _next_result(pool, settings, pending, ready)
    except BaseException:
        pool.stop()
        raise
    pool.close()


def _next_result(
    pool: _RestartablePool,
    settings: WorkSettings,
    pending: deque[tuple[list[Task], Future[list[UnitResult]] | None]],
    ready: deque[list[UnitResult]],
) -> list[UnitResult]:
    batch, future = pending.popleft()
    if future is None:
        return ready.popleft()
    try:
        return future.result()
    except BrokenProcessPool:
        # Batches that finished before the pool broke keep their results; the others are redone.
        lost = [batch] + [waiting for waiting, _ in pending]
        finished = [None] + [_finished(other) for _, other in pending]
        pending.clear()
        pool.restart()
        first, *rest = [done if done is not None else _redo_alone(pool, settings, tasks)
                        for tasks, done in zip(lost, finished, strict=True)]
        ready.extend(rest)
        pending.extend((tasks, None) for tasks in lost[1:])
        return first


def _finished(future: Future[list[UnitResult]] | None) -> list[UnitResult] | None:
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    return future.result()


def _redo_alone(pool: _RestartablePool, settings: WorkSettings, tasks: list[Task]) -> list[UnitResult]:
    """Each task of a batch lost with a broken pool, alone and one at a time: its second try."""
    results = []
    for task in tasks:
        try:
            results.extend(pool.submit(settings, [task]).result())
        except BrokenProcessPool:
            pool.restart()
            results.append(_crashed(task))
    return results


def _crashed(task: Task) -> UnitResult:
    key = task.item.key
    detail = ("the worker process died while processing this input, in its batch and again alone "
              "(killed for memory, or a crash in native code); the other inputs were processed")
    reject = Reject(source=RejectSource(path=key, url=task.item.url), reason="worker-crashed", detail=detail)
    return UnitResult(task.shard, key, None, reject=reject.model_dump_json(), reason=reject.reason)


class _RestartablePool:
    """A process pool of workers that die with this process, rebuilt after a worker's death."""

    def __init__(self, workers: int, config: PipelineConfig | None, work: Work = process_batch) -> None:
        self.workers, self.config, self.work = workers, config, work
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker,
                                   initargs=(os.getpid(), self.config))

    def submit(self, settings: WorkSettings, batch: list[Task]) -> Future[list[UnitResult]]:
        with _sigint_blocked():  # a worker may be forked here
            return self.executor.submit(self.work, settings, batch)

    def restart(self) -> None:
        stop_workers(self.executor)
        self.executor = self._start()

    def stop(self) -> None:
        stop_workers(self.executor)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def map_clean(
    paths: Sequence[str], config: PipelineConfig, workers: int, templates: SiteTemplates | None = None
) -> Iterator[tuple[str, str | Reject]]:
    """The clean stage alone over many files, in input order; a page that kills its worker is a
    `worker-crashed` reject, as in `run`, and the other pages are cleaned."""
    if workers <= 1 or len(paths) <= 1:
        yield from ((path, clean_file(config, path, templates)) for path in paths)
        return

    def crashed(path: str) -> Reject:
        detail = ("the worker process died while cleaning this input, in its chunk and again alone (killed for "
                  "memory, or a crash in native code); the other inputs were cleaned")
        return Reject(source=RejectSource(path=printable_path(path)), reason="worker-crashed", detail=detail)

    # one chunk is one pickled message, so `templates` travels once per chunk
    results = _map_despite_crashes(partial(clean_file, config, templates=templates), paths, workers, 4, crashed)
    yield from zip(paths, results, strict=True)


def map_fingerprints(paths: Sequence[str], config: PipelineConfig, workers: int) -> Iterator[PageFingerprint | None]:
    """The site template map step over many files, in input order (None for a page that cannot be read,
    or that kills its worker: the clean step then rejects it)."""
    if workers <= 1 or len(paths) <= 1:
        yield from (fingerprint_file(config, path) for path in paths)
        return
    yield from _map_despite_crashes(partial(fingerprint_file, config), paths, workers, 8, lambda path: None)


def _map_despite_crashes(
    function: Callable[[str], _Result], paths: Sequence[str], workers: int, chunksize: int,
    crashed: Callable[[str], _Result],
) -> Iterator[_Result]:
    """`function(path)` (a picklable callable) for each path on a process pool, in order. A worker's death
    breaks the pool and every chunk in flight: the first paths not yet given back (all those that can have
    been in flight, when none of the chunks before them had finished) are then run one at a time, each in a
    pool of its own, so that only a path that kills its worker alone gets `crashed(path)`; a new pool goes
    on with the rest (and, should the killer be further on, meets it again first in line)."""
    done = 0
    while done < len(paths):
        rest = paths[done:]
        try:
            with _pool(workers, None) as pool:
                with _sigint_blocked():  # the workers are forked here
                    results = pool.map(function, rest, chunksize=chunksize)
                for result in results:
                    yield result
                    done += 1
        except BrokenProcessPool:
            # a worker holds one chunk and the call queue at most workers + 1 more
            for path in paths[done : done + (2 * workers + 1) * chunksize]:
                yield _alone(function, path, crashed)
                done += 1


def _alone(function: Callable[[str], _Result], path: str, crashed: Callable[[str], _Result]) -> _Result:
    try:
        with _pool(1, None) as pool:
            with _sigint_blocked():  # the worker is forked here
                future = pool.submit(function, path)
            return future.result()
    except BrokenProcessPool:
        return crashed(path)


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
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it, even without waiting
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=5)
    # The executor's manager thread closes its wake-up pipe as it ends, while the interpreter's exit hook
    # (concurrent.futures.process._python_exit) writes to that pipe without a lock: a stop right before the
    # process exits could print "OSError: Bad file descriptor" from the hook (CPython 3.11; 3.12 takes a lock).
    # Waiting for the thread here leaves the hook a closed pipe, which it skips.
    if manager is not None and manager is not threading.current_thread():
        manager.join(timeout=5)


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back while the pool may fork a worker. The pool forks lazily, on submit; a child
    inherits the mask, so a Ctrl-C that reaches the whole group in the moment between a fork and
    `_start_worker` cannot run this process's handler in the child. The parent gets it right after."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_worker(parent: int, config: PipelineConfig | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the fork (_sigint_blocked)
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
