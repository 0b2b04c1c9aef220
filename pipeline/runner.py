"""Runner: compose the sources, an executor, the shards and the writers into one run with its report.

Units stream through: the sources are enumerated lazily, grouped into shards of
`shard_size`, sent to the executor in small batches through a bounded window, and each
shard is committed to the journal as soon as its last unit is back (`pipeline/shards.py`).

Before that, when `PipelineConfig.site_templates` is on, one pass over the same units on the
same executor fingerprints every page (`fingerprint_batch`); the fingerprints are counted here,
in the parent (`TemplateCounter`), and the site templates go out to the workers with the
work settings (`pipeline/clean/site_template.py`).
"""

from __future__ import annotations

import platform
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from itertools import count, groupby, islice
from pathlib import Path
from typing import Literal

from pipeline import __version__
from pipeline.api import PipelineConfig
from pipeline.clean.site_template import SiteTemplates, TemplateCounter
from pipeline.executors import Task, UnitResult, Work, WorkSettings, fingerprint_batch, process_batch
from pipeline.executors.local import map_clean, map_fingerprints, map_local
from pipeline.model import Reject, RejectSource
from pipeline.output_lock import OutputFolderError, output_lock
from pipeline.read import discover, input_roots, is_jsonl_name, is_warc_name, page_stem, printable_path
from pipeline.rejects import RejectReason
from pipeline.shards import (
    RUN_REPORT,
    Journal,
    ShardAssembler,
    ShardEntry,
    UnitEntry,
    current_results,
    finalize,
    foreign_entries,
    publish,
    remove_stale_results,
)
from pipeline.sources import JsonlFields, SourceItem, Sources
from pipeline.write import AtomicJsonLines, remove_temp_files, write_json_atomic, write_text_atomic

_REPORTED_PACKAGES = ("trafilatura", "lxml", "spacy", "pydantic", "beautifulsoup4", "py3langid", "charset-normalizer",
                      "pyarrow", "warcio")
# Units per task sent to a worker: a second or so of work, so scheduling costs nothing per page.
BATCH_SIZE = 8

OutputFormat = Literal["jsonl", "parquet"]
ExecutorName = Literal["local", "dask"]


@dataclass(frozen=True, slots=True)
class BatchOptions:
    format: OutputFormat = "jsonl"
    executor: ExecutorName = "local"
    scheduler: str | None = None  # a Dask scheduler address; None starts a LocalCluster
    resume: bool = False  # reuse the journal's finished units whose content and configuration are unchanged
    shard_size: int = 1000  # units per shard: the unit of commit, of reuse and of Parquet files
    fields: JsonlFields = field(default_factory=JsonlFields)
    inputs_from: str | None = None  # the file the inputs were listed in, for the report


@dataclass(slots=True)
class RunSummary:
    inputs: int = 0
    records: int = 0
    sources_with_records: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    page_kinds: Counter[str] = field(default_factory=Counter)  # inputs by the page stage's verdict
    skipped_files: list[str] = field(default_factory=list)
    skipped_units: Counter[str] = field(default_factory=Counter)
    escaped_paths: list[str] = field(default_factory=list)
    excluded_files: list[str] = field(default_factory=list)  # the run's own outputs found among the inputs
    duplicate_inputs: int = 0  # files given more than once, processed once
    reused: int = 0
    seconds: float = 0.0
    stage_seconds: Counter[str] = field(default_factory=Counter)
    outputs: list[str] = field(default_factory=list)

    def line(self) -> str:
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.rejects.items())) or "none"
        reused = f", {self.reused} reused from an earlier run" if self.reused else ""
        return (
            f"{self.inputs} inputs -> {self.records} records from {self.sources_with_records} sources, "
            f"{sum(self.rejects.values())} rejects ({reasons}){reused} in {self.seconds:.1f} s"
        )

    def add_shard(self, entry: ShardEntry, processed: int) -> None:
        self.inputs += len(entry.units)
        self.reused += len(entry.units) - processed
        for unit in entry.units:
            self.records += unit.records
            self.sources_with_records += unit.records > 0
            if unit.reason is not None:
                self.rejects[unit.reason] += 1
            if unit.page_kind is not None:
                self.page_kinds[unit.page_kind] += 1


def run(
    inputs: Sequence[str],
    out_dir: Path,
    workers: int = 1,
    config: PipelineConfig | None = None,
    on_progress: Callable[[int], None] | None = None,
    options: BatchOptions | None = None,
) -> RunSummary:
    """Process every unit of `inputs` into OUT; with `options.resume`, finish or refresh the run already there.
    Raises OutputFolderError, before anything is written, when another run holds OUT or OUT holds files under
    a run's names that no run made."""
    with output_lock(out_dir), ExitStack() as stack:
        if foreign := foreign_entries(out_dir):
            raise OutputFolderError(
                f"{out_dir} holds {', '.join(foreign)}, which no run of this pipeline wrote and a run would replace "
                "or remove: give -o a new folder (or the folder of an earlier run), or move them away")
        options = _one_local_cluster(stack, options or BatchOptions(), workers, config or PipelineConfig())
        return _run(inputs, out_dir, workers, config, on_progress, options)


def _one_local_cluster(stack: ExitStack, options: BatchOptions, workers: int, config: PipelineConfig) -> BatchOptions:
    """On Dask without a scheduler, one LocalCluster for both passes (the site template fingerprints and the
    processing) instead of one started for each: the options then name its scheduler."""
    if options.executor != "dask" or options.scheduler is not None or not config.site_templates:
        return options
    from pipeline.executors.dask import local_cluster

    cluster = stack.enter_context(local_cluster(workers))
    return replace(options, scheduler=cluster.scheduler_address)


def _run(
    inputs: Sequence[str],
    out_dir: Path,
    workers: int,
    config: PipelineConfig | None,
    on_progress: Callable[[int], None] | None,
    options: BatchOptions | None,
) -> RunSummary:
    config = config or PipelineConfig()
    options = options or BatchOptions()
    started = time.perf_counter()
    config_hash = config.digest()
    templates = _learn_templates(inputs, out_dir, config, workers, options) if config.site_templates else None
    learnt = time.perf_counter()
    sources = Sources(inputs, options.fields, exclude=out_dir)
    journal = Journal(out_dir, fresh=not options.resume)
    # What earlier attempts left: results folders that neither readers nor the journal use.
    remove_stale_results(out_dir, keep={current_results(out_dir) or "", *journal.referenced_results()})
    summary = RunSummary(skipped_files=sources.skipped_files, skipped_units=sources.skipped_units,
                         escaped_paths=sources.escaped_paths, excluded_files=sources.excluded_files)
    if templates is not None:
        summary.stage_seconds["site-templates"] = learnt - started
    reusable: dict[int, ShardEntry | None] = {}  # filled as shards are sent out, emptied as they come back
    tasks = _tasks(sources, journal, config_hash, options, reusable, templates)
    shards = done = 0
    settings = WorkSettings(config, options.fields, templates)
    claims = RecordIdClaims()
    # closing: a stop or an error here ends the executor (and its workers) at once, not when collected.
    with closing(_execute(_batches(tasks), settings, workers, options)) as results:
        for shard, units in groupby((unit for batch in results for unit in batch), key=lambda unit: unit.shard):
            assembler = ShardAssembler(journal, shard, options.format, config_hash, reusable.pop(shard))
            for unit in units:
                assembler.add(claims.first_capture_only(unit, assembler.previous()))
                summary.stage_seconds.update(unit.timings)
                done += 1
                if on_progress:
                    on_progress(done)
            summary.add_shard(assembler.finish(), assembler.processed)
            shards += 1
    outputs = finalize(journal, options.format, shards)
    summary.outputs = outputs.records + outputs.rejects
    summary.duplicate_inputs = sources.duplicate_inputs
    summary.seconds = time.perf_counter() - started
    report = _run_report(summary, config, inputs, workers, options, outputs.records, templates)
    write_json_atomic(outputs.folder / RUN_REPORT, report)
    publish(journal, outputs)
    return summary


DUPLICATE_URL: RejectReason = "duplicate-url"


class RecordIdClaims:
    """Which input keeps each record id of this run: the first in input order whose records have it.

    A record's id hashes its URL (else its path), term and occurrence (`api._record_id`), so two inputs that
    name one URL (two JSON lines, two WARC records, a WARC record and a saved page whose canonical link names
    it) give records with the same ids, whatever their HTML: loaded by id, one silently overwrites the other.
    An input whose records would repeat an id that an earlier input's records have becomes a
    `duplicate-url` reject naming that input, all its records with it (a mix of two captures would be neither).
    Records only: a page rejected first claims nothing. Ids, not URLs: pages whose canonical links all name a
    site's home page (a template's mistake) give different terms, so different ids, and are all kept.
    Results reach the runner in input order whatever the executor and the number of workers, and a resumed run
    meets them in the same order, so the same input keeps each id. Memory: a dictionary entry per record (its
    8-byte id and a reference to its keeper's key, about 100 bytes), never pages.
    """

    def __init__(self) -> None:
        self._keepers: dict[bytes, str] = {}

    def first_capture_only(self, unit: UnitResult, previous: UnitEntry | None) -> UnitResult:
        """`unit`, or its `duplicate-url` reject when an earlier input has one of its record ids. `previous`:
        the journal's entry for the unit, which says what an unchanged (reused) unit gave."""
        reused = previous if unit.unchanged else None
        ids, url = (reused.record_ids or [], reused.url) if reused else (unit.record_ids, unit.url)
        digests = [bytes.fromhex(record_id) for record_id in ids]
        keeper = next((self._keepers[digest] for digest in digests if digest in self._keepers), None)
        if keeper is None:
            self._keepers.update(dict.fromkeys(digests, unit.key))
            return unit
        detail = (f"{keeper}, which comes first in the input order, names the same URL ({url or 'none'}) and "
                  f"keeps its records: the records of this input would have the same ids")
        reject = Reject(source=RejectSource(path=unit.key, url=url, sha256=unit.sha256), reason=DUPLICATE_URL,
                        detail=detail)
        # The page stage's verdict stays for the counts by page kind. Never reused (`_reusable`), so the site
        # and template a reused unit needs are not kept.
        return UnitResult(unit.shard, unit.key, unit.sha256, reject=reject.model_dump_json(), reason=DUPLICATE_URL,
                          page_kind=reused.page_kind if reused else unit.page_kind, timings=unit.timings, url=url)


def _learn_templates(
    inputs: Sequence[str], out_dir: Path, config: PipelineConfig, workers: int, options: BatchOptions
) -> SiteTemplates:
    """The site templates of the batch: every unit fingerprinted on the executor (a map), counted
    here (the reduce). A fresh enumeration of the inputs: the run's own `Sources` reports what it
    skipped once."""
    counter = TemplateCounter()
    sources = Sources(inputs, options.fields, exclude=out_dir)
    tasks = (Task(0, item) for item in sources)
    settings = WorkSettings(config, options.fields)
    with closing(_execute(_batches(tasks), settings, workers, options, fingerprint_batch)) as results:
        for batch in results:
            for unit in batch:
                if unit.fingerprint is not None:
                    counter.add(unit.fingerprint)
    return counter.templates()


def _tasks(
    sources: Iterable[SourceItem],
    journal: Journal,
    config_hash: str,
    options: BatchOptions,
    reusable: dict[int, ShardEntry | None],
    templates: SiteTemplates | None = None,
) -> Iterator[Task]:
    """Every unit as a task, one shard at a time. When the journal has an entry for the shard
    with the same units, configuration and format, each task carries the hash that entry saw,
    unless the template of the unit's site changed since (then the unit is processed again)."""
    items = iter(sources)
    for shard in count():
        shard_items = list(islice(items, options.shard_size))  # references only: a few bytes each
        if not shard_items:
            return
        old = journal.get(shard)
        if old is not None and not (old.reusable_for([item.key for item in shard_items], config_hash, options.format)
                                    and journal.rows_present(old)):
            old = None
        reusable[shard] = old
        expected = [unit.sha256 if _same_template(unit, templates) and _reusable(unit) else None
                    for unit in old.units] if old else [None] * len(shard_items)
        yield from (Task(shard, item, sha) for item, sha in zip(shard_items, expected, strict=True))


def _reusable(unit: UnitEntry) -> bool:
    """Whether the unit's journal entry can stand for it. Not a `duplicate-url` reject: whether it still is one
    depends on the inputs before it, and its records were never kept, so it is processed again. Not a unit with
    records whose ids the journal does not list (written by an older version): it could not claim them."""
    return unit.reason != DUPLICATE_URL and not (unit.records and unit.record_ids is None)


def _same_template(unit: UnitEntry, templates: SiteTemplates | None) -> bool:
    return templates is None or unit.template == templates.digest(unit.site)


def _batches(tasks: Iterator[Task]) -> Iterator[list[Task]]:
    while batch := list(islice(tasks, BATCH_SIZE)):
        yield batch


def _execute(
    batches: Iterator[list[Task]], settings: WorkSettings, workers: int, options: BatchOptions,
    work: Work = process_batch,
) -> Iterator[list[UnitResult]]:
    if options.executor == "dask":
        from pipeline.executors.dask import map_dask

        return map_dask(batches, settings, workers, options.scheduler, work)
    return map_local(batches, settings, workers, work)


def _run_report(
    summary: RunSummary,
    config: PipelineConfig,
    inputs: Sequence[str],
    workers: int,
    options: BatchOptions,
    record_files: list[str],
    templates: SiteTemplates | None,
) -> dict[str, object]:
    return {
        "pipeline_version": __version__,
        "counts": {
            "inputs": summary.inputs,
            "records": summary.records,
            "sources_with_records": summary.sources_with_records,
            "rejects": sum(summary.rejects.values()),
            "rejects_by_reason": dict(sorted(summary.rejects.items())),
            # Inputs by what the page stage decided they are; inputs rejected before it are not counted.
            "inputs_by_page_kind": dict(sorted(summary.page_kinds.items())),
            "skipped_files": len(summary.skipped_files),
            "skipped_units": dict(sorted(summary.skipped_units.items())),
            "reused_inputs": summary.reused,
            "duplicate_inputs": summary.duplicate_inputs,
            # sites of the batch with a learnt template (text on most of their pages), and those texts
            "template_sites": len(templates) if templates is not None else None,
            "template_texts": templates.texts() if templates is not None else None,
        },
        "outputs": {"format": options.format, "records": record_files, "rejects": ["rejects.jsonl"]},
        "skipped_files": summary.skipped_files,
        "escaped_paths": summary.escaped_paths,
        "excluded_files": summary.excluded_files,
        "timings": {
            "total_seconds": round(summary.seconds, 3),
            "inputs_per_second": round(summary.inputs / summary.seconds, 2) if summary.seconds else None,
            "stage_seconds": {stage: round(s, 3) for stage, s in sorted(summary.stage_seconds.items())},
        },
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in _REPORTED_PACKAGES}},
        "config": {
            "inputs": [] if options.inputs_from else [printable_path(given) for given in inputs],
            "inputs_from": printable_path(options.inputs_from) if options.inputs_from else None,
            "input_roots": input_roots(inputs),  # what `diff` matches source paths relative to
            "workers": workers,
            "executor": options.executor,
            "format": options.format,
            "shard_size": options.shard_size,
            "resume": options.resume,
            "jsonl_fields": asdict(options.fields),
            "config_hash": config.digest(),
            **asdict(config),
        },
    }


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def run_clean(
    inputs: Sequence[str], out_dir: Path, workers: int = 1, config: PipelineConfig | None = None
) -> tuple[int, int]:
    """Read, decode and clean each page; write its kept text to OUT/<name>.txt.

    Pages that cannot be read or decoded are listed in OUT/rejects.jsonl. Returns the
    number of texts written and of rejects. With `config.site_templates` (the default), the
    pages' site templates are learnt first, as `run` does.
    """
    config = config or PipelineConfig()
    found = discover(inputs)
    # A WARC or JSON Lines file holds many pages: read as one page, its first page's text (with the JSON around
    # it) came out and the rest vanished. `run` reads them unit by unit; here each is a reject that says so.
    containers = [path for path in found.paths if is_warc_name(path) or is_jsonl_name(path)]
    paths = [path for path in found.paths if not (is_warc_name(path) or is_jsonl_name(path))]
    templates = None
    if config.site_templates:
        counter = TemplateCounter()
        for fingerprint in map_fingerprints(paths, config, workers):
            if fingerprint is not None:
                counter.add(fingerprint)
        templates = counter.templates()
    written = 0
    used_names: set[str] = set()
    remove_temp_files(out_dir, _CLEAN_FINAL_NAMES)  # what a killed earlier attempt left
    try:
        with AtomicJsonLines(out_dir / "rejects.jsonl") as rejects:
            for path, result in map_clean(paths, config, workers, templates):
                if isinstance(result, str):
                    write_text_atomic(out_dir / _unique_text_name(path, used_names), result)
                    written += 1
                else:
                    rejects.write(result)
            unread = [(path, _CONTAINER_NOT_CLEANED) for path in containers] + found.unlisted
            for path, detail in unread:
                rejects.write(Reject(source=RejectSource(path=printable_path(path)), reason="unreadable",
                                     detail=detail))
    finally:
        # A signal that lands between a temporary file's creation and its writer's own clean-up
        # (Ctrl-C, SIGTERM) leaves the file behind: swept whatever ends the loop.
        remove_temp_files(out_dir, _CLEAN_FINAL_NAMES)
    return written, rejects.count


# The clean command's own final names: each page's text and the rejects.
_CLEAN_FINAL_NAMES = re.compile(r".+\.txt|rejects\.jsonl")


_CONTAINER_NOT_CLEANED = ("a WARC or JSON Lines file holds many pages, which `clean` does not read one by one: "
                          "`run` reads them, or give `clean` the pages as files")


def _unique_text_name(path: str, used: set[str]) -> str:
    """'<stem>.txt'; when two inputs share a stem (a.html, a.txt), the later one keeps its
    full file name ('a.txt.txt'), then a counter, so no page overwrites another's text."""
    candidates = [f"{page_stem(path)}.txt", f"{Path(path).name}.txt"]
    candidates += [f"{page_stem(path)}~{n}.txt" for n in range(2, len(used) + 3)]
    name = next(c for c in candidates if c not in used)
    used.add(name)
    return name
