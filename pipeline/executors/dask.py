"""Dask executor: the same batches as the local executor, run as Dask tasks.

With a scheduler address the tasks go to that cluster (its workers must see the input
paths); without one a `LocalCluster` of `workers` single-threaded processes is started and
closed around the run. Each Dask worker process builds its pipeline once, on its first
batch (`pipeline_for` caches it per process). Results come back to this process in input
order, which writes the shards, so the output is the local executor's, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

from pipeline.executors import Task, UnitResult, Work, WorkSettings, in_order, process_batch
from pipeline.executors.local import WINDOW_PER_WORKER

if TYPE_CHECKING:
    from distributed import LocalCluster


def local_cluster(workers: int) -> LocalCluster:
    """A LocalCluster of `workers` single-threaded processes, for runs given no scheduler."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def map_dask(
    batches: Iterable[list[Task]], settings: WorkSettings, workers: int, scheduler: str | None = None,
    work: Work = process_batch,
) -> Iterator[list[UnitResult]]:
    from distributed import Client

    with ExitStack() as stack:
        if scheduler is None:
            client = stack.enter_context(Client(stack.enter_context(local_cluster(workers))))
        else:
            client = stack.enter_context(Client(scheduler))
        slots = max(1, sum(client.nthreads().values()))
        # pure=False: two batches with equal arguments are still two pieces of work to run.
        yield from in_order(
            lambda batch: client.submit(work, settings, batch, pure=False), batches, slots * WINDOW_PER_WORKER
        )
