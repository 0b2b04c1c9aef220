"""Executors decide where the work runs; the work itself is `process_batch` (or, for the site
template step before it, `fingerprint_batch`), the same everywhere.

A task is one input unit (`SourceItem`) and, when a previous run in the same output folder
already finished it, the content hash that run saw: a unit whose bytes still have that hash
is reported `unchanged` instead of being processed again.
"""

from __future__ import annotations

import gc
import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.api import GlossaryPipeline, PipelineConfig, clean_page_in_time, page_fingerprint
from pipeline.clean.site_template import PageFingerprint, SiteTemplates
from pipeline.model import Reject, RejectSource
from pipeline.read import printable_path, read_bytes
from pipeline.rejects import Rejected
from pipeline.sources import JsonlFields, SourceItem, load


@dataclass(frozen=True, slots=True)
class Task:
    shard: int
    item: SourceItem
    expected_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class WorkSettings:
    """Everything a worker needs besides the tasks: the configuration (which keys the per-process
    pipeline cache) and the site templates learnt over the batch (None: no template step)."""

    config: PipelineConfig
    fields: JsonlFields = field(default_factory=JsonlFields)
    templates: SiteTemplates | None = None


@dataclass(slots=True)
class UnitResult:
    """What one unit gave, already serialised (JSON text is cheaper to send back than models)."""

    shard: int
    key: str
    sha256: str | None
    records: list[str] = field(default_factory=list)
    reject: str | None = None
    reason: str | None = None
    page_kind: str | None = None  # the page stage's verdict: entry, glossary-list, article, forum, ...
    unchanged: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    site: str | None = None  # the site whose template the clean stage applied
    template: str | None = None  # that template's digest, kept in the journal for --resume
    fingerprint: PageFingerprint | None = None  # the result of `fingerprint_batch`
    record_ids: list[str] = field(default_factory=list)  # the ids of `records`, which the runner keeps unique
    url: str | None = None  # the URL the records name (`source.url`)


_pipelines: dict[PipelineConfig, GlossaryPipeline] = {}


def pipeline_for(config: PipelineConfig) -> GlossaryPipeline:
    """This process's pipeline for `config`, built on first use: once per pool or Dask worker."""
    if config not in _pipelines:
        _pipelines[config] = GlossaryPipeline(config)
        # The pipeline's objects (spaCy, lexicons, rules) live as long as the process: out of the
        # collector's reach, a page that allocates many objects no longer pays for scanning them again
        # and again (a 1 MB page of 100,000 mentions spent a third of its time in the collector).
        gc.freeze()
    return _pipelines[config]


Work = Callable[[WorkSettings, list[Task]], list[UnitResult]]


def process_batch(settings: WorkSettings, tasks: list[Task]) -> list[UnitResult]:
    pipeline = pipeline_for(settings.config)
    return [process_task(pipeline, settings, task) for task in tasks]


def process_task(pipeline: GlossaryPipeline, settings: WorkSettings, task: Task) -> UnitResult:
    """Load one unit and run it through the pipeline; a load failure is a reject too."""
    key = task.item.key
    try:
        loaded = load(task.item, pipeline.config.limits, settings.fields)
    except Exception as error:  # Rejected, or a bug of ours on this unit's bytes: a reject, never the batch's end
        rejected = error if isinstance(error, Rejected) else Rejected(
            "internal-error", f"the input could not be loaded: {type(error).__name__}: {error}"[:500])
        reject = pipeline.reject(key, task.item.url, None, rejected.reason, rejected.detail)
        return UnitResult(task.shard, key, None, reject=reject.model_dump_json(), reason=reject.reason)
    sha256 = hashlib.sha256(loaded.data).hexdigest()
    if sha256 == task.expected_sha256:
        return UnitResult(task.shard, key, sha256, unchanged=True)
    outcome = pipeline.process(loaded.data, path=key, url=loaded.url, templates=settings.templates)
    result = UnitResult(task.shard, key, sha256, timings=outcome.timings, site=outcome.site, template=outcome.template)
    try:
        result.records = [record.model_dump_json() for record in outcome.records]
        if outcome.reject is not None:
            result.reject, result.reason = outcome.reject.model_dump_json(), outcome.reject.reason
    except ValueError as error:  # a value no JSON writer takes (a lone surrogate): this unit's fault, not the run's
        detail = f"the result could not be written as JSON: {type(error).__name__}: {error}"[:500]
        reject = pipeline.reject(key, None, sha256, "internal-error", detail)
        result.records, result.reject, result.reason = [], reject.model_dump_json(), reject.reason
        return result
    if outcome.records:
        result.page_kind = outcome.records[0].page_kind
        result.record_ids = [record.id for record in outcome.records]
        result.url = outcome.records[0].source.url  # one source for all the records of a unit
    if outcome.reject is not None:
        result.page_kind = outcome.reject.page_kind
    return result


def fingerprint_batch(settings: WorkSettings, tasks: list[Task]) -> list[UnitResult]:
    """The site template map step: each unit's site and block hashes (no pipeline is built). A unit
    that cannot be loaded, decoded or parsed has no fingerprint; the processing step rejects it."""
    results = []
    for task in tasks:
        result = UnitResult(task.shard, task.item.key, None)
        try:
            loaded = load(task.item, settings.config.limits, settings.fields)
            result.fingerprint = page_fingerprint(loaded.data, result.key, settings.config, loaded.url)
        except Exception:  # Rejected, or a bug on one page: it must not stop the batch, and processing reports it
            result.fingerprint = None
        results.append(result)
    return results


class _Pending(Protocol):
    def result(self) -> list[UnitResult]: ...


def in_order(
    submit: Callable[[list[Task]], _Pending], batches: Iterable[list[Task]], window: int
) -> Iterator[list[UnitResult]]:
    """Results of `submit` for each batch, in batch order, with at most `window` batches in flight:
    memory stays flat however many inputs there are, and the output order is the input order."""
    pending: deque[_Pending] = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def clean_file(config: PipelineConfig, path: str, templates: SiteTemplates | None = None) -> str | Reject:
    """Read, decode and clean one file: its kept text (headings on their own lines) or a reject."""
    source = RejectSource(path=printable_path(path))
    try:
        data = read_bytes(path, config.limits)
        _, page = clean_page_in_time(data, path, config, templates=templates)
    except Rejected as rejected:
        return Reject(source=source, reason=rejected.reason, detail=rejected.detail)
    except Exception as error:  # one broken page must not stop the batch
        detail = f"the clean stage failed on this input: {type(error).__name__}: {error}"[:500]
        return Reject(source=source, reason="internal-error", detail=detail)
    return page.to_text() + "\n"


def fingerprint_file(config: PipelineConfig, path: str) -> PageFingerprint | None:
    """The site template map step for one file (None when it cannot be read, decoded or parsed:
    the clean step then rejects it with its reason)."""
    try:
        return page_fingerprint(read_bytes(path, config.limits), path, config)
    except Exception:  # Rejected, or a bug on one page: it must not stop the batch
        return None
