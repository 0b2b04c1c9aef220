"""Local executor: the calling process for one worker, a process pool for more.

Each worker process builds its GlossaryPipeline (and so its spaCy pipeline) once, in the
pool initializer; results come back in input order, so output is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from pipeline.api import GlossaryPipeline, Outcome, PipelineConfig
from pipeline.executors import clean_file, process_file
from pipeline.model import Reject

_worker_pipeline: GlossaryPipeline | None = None


def _init_worker(config: PipelineConfig) -> None:
    global _worker_pipeline
    _worker_pipeline = GlossaryPipeline(config)


def _work(path: str) -> Outcome:
    assert _worker_pipeline is not None, "worker used before its initializer ran"
    return process_file(_worker_pipeline, path)


def run_local(paths: Sequence[str], config: PipelineConfig, workers: int) -> Iterator[tuple[str, Outcome]]:
    if workers <= 1 or len(paths) <= 1:
        pipeline = GlossaryPipeline(config)
        for path in paths:
            yield path, process_file(pipeline, path)
        return
    chunksize = max(1, min(32, len(paths) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(config,)) as pool:
        yield from zip(paths, pool.map(_work, paths, chunksize=chunksize), strict=True)


def map_clean(paths: Sequence[str], config: PipelineConfig, workers: int) -> Iterator[tuple[str, str | Reject]]:
    """The clean stage alone over many files, in input order."""
    if workers <= 1 or len(paths) <= 1:
        yield from ((path, clean_file(config, path)) for path in paths)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(clean_file, [config] * len(paths), paths, chunksize=4)
        yield from zip(paths, results, strict=True)
