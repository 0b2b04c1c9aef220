"""Local executor: the calling process for one worker, a process pool for more.

Each worker process builds its GlossaryPipeline (and so its spaCy pipeline) once, in the
pool initializer; batches go out through `in_order`'s bounded window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from pipeline.api import PipelineConfig
from pipeline.executors import Task, UnitResult, WorkSettings, clean_file, in_order, pipeline_for, process_batch
from pipeline.model import Reject

# Batches in flight per worker: enough to keep every worker busy while the caller writes.
WINDOW_PER_WORKER = 4


def map_local(batches: Iterable[list[Task]], settings: WorkSettings, workers: int) -> Iterator[list[UnitResult]]:
    if workers <= 1:
        for batch in batches:
            yield process_batch(settings, batch)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=pipeline_for, initargs=(settings.config,)) as pool:
        yield from in_order(lambda batch: pool.submit(process_batch, settings, batch), batches,
                            workers * WINDOW_PER_WORKER)


def map_clean(paths: Sequence[str], config: PipelineConfig, workers: int) -> Iterator[tuple[str, str | Reject]]:
    """The clean stage alone over many files, in input order."""
    if workers <= 1 or len(paths) <= 1:
        yield from ((path, clean_file(config, path)) for path in paths)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(clean_file, [config] * len(paths), paths, chunksize=4)
        yield from zip(paths, results, strict=True)
