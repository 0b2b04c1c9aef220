"""Runner: compose discovery, an executor and the writers into one run with its report."""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pipeline import __version__
from pipeline.api import PipelineConfig
from pipeline.executors.local import map_clean, run_local
from pipeline.read import discover, page_stem
from pipeline.write import AtomicJsonLines, write_json_atomic, write_text_atomic

_REPORTED_PACKAGES = ("trafilatura", "lxml", "spacy", "pydantic", "beautifulsoup4", "py3langid", "charset-normalizer")


@dataclass(slots=True)
class RunSummary:
    inputs: int = 0
    records: int = 0
    sources_with_records: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    skipped_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stage_seconds: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.rejects.items())) or "none"
        return (
            f"{self.inputs} inputs -> {self.records} records from {self.sources_with_records} sources, "
            f"{sum(self.rejects.values())} rejects ({reasons}) in {self.seconds:.1f} s"
        )


def run(
    inputs: Sequence[str],
    out_dir: Path,
    workers: int = 1,
    config: PipelineConfig | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    config = config or PipelineConfig()
    started = time.perf_counter()
    found = discover(inputs)
    summary = RunSummary(inputs=len(found.paths), skipped_files=found.skipped)
    with AtomicJsonLines(out_dir / "records.jsonl") as records, AtomicJsonLines(out_dir / "rejects.jsonl") as rejects:
        for done, (_, outcome) in enumerate(run_local(found.paths, config, workers), start=1):
            for record in outcome.records:
                records.write(record)
            if outcome.records:
                summary.sources_with_records += 1
            if outcome.reject is not None:
                rejects.write(outcome.reject)
                summary.rejects[outcome.reject.reason] += 1
            summary.stage_seconds.update(outcome.timings)
            if on_progress:
                on_progress(done, summary.inputs)
    summary.records = records.count
    summary.seconds = time.perf_counter() - started
    write_json_atomic(out_dir / "run.json", _run_report(summary, config, inputs, workers))
    return summary


def _run_report(summary: RunSummary, config: PipelineConfig, inputs: Sequence[str], workers: int) -> dict[str, object]:
    return {
        "pipeline_version": __version__,
        "counts": {
            "inputs": summary.inputs,
            "records": summary.records,
            "sources_with_records": summary.sources_with_records,
            "rejects": sum(summary.rejects.values()),
            "rejects_by_reason": dict(sorted(summary.rejects.items())),
            "skipped_files": len(summary.skipped_files),
        },
        "skipped_files": summary.skipped_files,
        "timings": {
            "total_seconds": round(summary.seconds, 3),
            "inputs_per_second": round(summary.inputs / summary.seconds, 2) if summary.seconds else None,
            "stage_seconds": {stage: round(s, 3) for stage, s in sorted(summary.stage_seconds.items())},
        },
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in _REPORTED_PACKAGES}},
        "config": {"inputs": list(inputs), "workers": workers, "config_hash": config.digest(), **asdict(config)},
    }


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def run_clean(inputs: Sequence[str], out_dir: Path, workers: int = 1) -> tuple[int, int]:
    """Read, decode and clean each page; write its kept text to OUT/<name>.txt.

    Pages that cannot be read or decoded are listed in OUT/rejects.jsonl. Returns the
    number of texts written and of rejects.
    """
    found = discover(inputs)
    written = 0
    used_names: set[str] = set()
    with AtomicJsonLines(out_dir / "rejects.jsonl") as rejects:
        for path, result in map_clean(found.paths, PipelineConfig(), workers):
            if isinstance(result, str):
                write_text_atomic(out_dir / _unique_text_name(path, used_names), result)
                written += 1
            else:
                rejects.write(result)
    return written, rejects.count


def _unique_text_name(path: str, used: set[str]) -> str:
    """'<stem>.txt'; when two inputs share a stem (a.html, a.txt), the later one keeps its
    full file name ('a.txt.txt'), then a counter, so no page overwrites another's text."""
    candidates = [f"{page_stem(path)}.txt", f"{Path(path).name}.txt"]
    candidates += [f"{page_stem(path)}~{n}.txt" for n in range(2, len(used) + 3)]
    name = next(c for c in candidates if c not in used)
    used.add(name)
    return name
