"""The audit's numbers: one streaming pass over a run's records and rejects.

Aggregates are counted over every record; only the `max_records` records with the most
warnings are kept whole (for the per-record views), so memory stays bounded on big runs.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pipeline.model import SectionKind
from pipeline.run_files import iter_records, iter_rejects, read_run_report

AUDIT_FORMAT_VERSION = 1
TOP_ENTITIES = 15
# Section length bins in characters: [0, 100), [100, 200), ... [6400, no limit).
LENGTH_EDGES = (0, 100, 200, 400, 800, 1600, 3200, 6400)
SECTION_KINDS: tuple[str, ...] = get_args(SectionKind)
# Rows of the rejects tables per reason: every reject of a small run, a bounded sample of a big one.
DEFAULT_MAX_REJECTS = 1000
Severity = Literal["info", "warning", "problem"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "problem")


@cache
def warning_severities() -> dict[str, Severity]:
    """Warning code -> severity, from warning_severity.json (each entry says why)."""
    data = json.loads((Path(__file__).with_name("warning_severity.json")).read_text(encoding="utf-8"))
    return {code: entry["severity"] for code, entry in data.items() if not code.startswith("_")}


def severity(code: str) -> Severity:
    return warning_severities().get(code, "warning")


@dataclass
class Audit:
    """Everything the report shows; `to_json()` is audit.json."""

    run_dir: Path
    run_report: dict[str, Any]
    max_records: int
    max_rejects: int = DEFAULT_MAX_REJECTS
    records: int = 0
    sources: set[str] = field(default_factory=set)
    rejects_by_reason: Counter[str] = field(default_factory=Counter)
    # inputs by the page stage's verdict: entry and glossary-list from records (once per source),
    # the other kinds from not-a-glossary-entry rejects
    pages_by_kind: Counter[str] = field(default_factory=Counter)
    sections: int = 0
    kind_records: Counter[str] = field(default_factory=Counter)
    kind_sections: Counter[str] = field(default_factory=Counter)
    warnings_by_code: Counter[str] = field(default_factory=Counter)
    warning_records_by_code: Counter[str] = field(default_factory=Counter)
    removed_chars_by_reason: Counter[str] = field(default_factory=Counter)
    kept_chars: int = 0
    entity_mentions: Counter[str] = field(default_factory=Counter)
    entity_counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    entity_records: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    length_bins: list[int] = field(default_factory=lambda: [0] * len(LENGTH_EDGES))
    per_record: list[dict[str, Any]] = field(default_factory=list)
    # Rejects as table rows (source, reason, page kind, detail) by reason, in run order, at most max_rejects each.
    reject_rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    _heap: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)

    # -- collecting ---------------------------------------------------------------------------

    def add_record(self, record: dict[str, Any]) -> None:
        index = self.records
        self.records += 1
        source = _dict(record.get("source"))
        source_key = str(source.get("path") or source.get("sha256") or index)
        if source_key not in self.sources:
            self.pages_by_kind[str(record.get("page_kind") or "?")] += 1
        self.sources.add(source_key)
        sections = _list(record.get("sections"))
        self.sections += len(sections)
        kinds: set[str] = set()
        for item in sections:
            section = _dict(item)
            kind = str(section.get("kind") or "other")
            kinds.add(kind)
            self.kind_sections[kind] += 1
            self.length_bins[_bin(len(str(section.get("text") or "")))] += 1
        self.kind_records.update(kinds)
        quality = _dict(record.get("quality"))
        warnings = [_dict(w) for w in _list(quality.get("warnings"))]
        codes = [str(w.get("code") or "?") for w in warnings]
        self.warnings_by_code.update(codes)
        self.warning_records_by_code.update(set(codes))
        for reason, chars in _dict(quality.get("removed_chars")).items():
            if isinstance(chars, int):
                self.removed_chars_by_reason[str(reason)] += chars
        kept = quality.get("kept_chars")
        self.kept_chars += kept if isinstance(kept, int) else 0
        seen: set[tuple[str, str]] = set()
        for item in _list(record.get("entities")):
            entity = _dict(item)
            label = str(entity.get("label") or "?")
            canonical = str(entity.get("canonical") or entity.get("text") or "?")
            self.entity_mentions[label] += 1
            self.entity_counts[label][canonical] += 1
            seen.add((label, canonical))
        for label, canonical in seen:
            self.entity_records[label][canonical] += 1
        self.per_record.append(
            {
                "index": index,
                "id": record.get("id"),
                "term": record.get("term"),
                "source": source.get("path"),
                "warnings": len(warnings),
                "codes": sorted(set(codes)),
            }
        )
        # Keep the max_records records with the most warnings (earlier records win ties).
        ranked = (len(warnings), -index, record)
        if self.max_records <= 0:
            return
        if len(self._heap) < self.max_records:
            heapq.heappush(self._heap, ranked)
        elif ranked[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, ranked)

    def add_reject(self, reject: dict[str, Any]) -> None:
        reason = str(reject.get("reason") or "?")
        self.rejects_by_reason[reason] += 1
        if reject.get("page_kind"):
            self.pages_by_kind[str(reject["page_kind"])] += 1
        rows = self.reject_rows[reason]
        if len(rows) < self.max_rejects:
            source = _dict(reject.get("source"))
            rows.append({"source": source.get("path") or source.get("url"), "url": source.get("url"), "reason": reason,
                         "page_kind": reject.get("page_kind"), "detail": reject.get("detail")})

    # -- reading ------------------------------------------------------------------------------

    @property
    def rejects(self) -> int:
        return sum(self.rejects_by_reason.values())

    @property
    def warnings(self) -> int:
        return sum(self.warnings_by_code.values())

    def shown_records(self) -> list[tuple[int, dict[str, Any]]]:
        """(index in the run, record) for the records with full views, most warnings first."""
        ordered = sorted(self._heap, key=lambda item: (-item[0], -item[1]))
        return [(-negative_index, record) for _, negative_index, record in ordered]

    def ranked_records(self) -> list[dict[str, Any]]:
        """Every record's warning count, most warnings first, run order among equals."""
        return sorted(self.per_record, key=lambda row: (-row["warnings"], row["index"]))

    def totals(self) -> dict[str, int]:
        counts = _dict(self.run_report.get("counts"))
        skipped = counts.get("skipped_files")
        return {
            "inputs": len(self.sources) + self.rejects,
            "records": self.records,
            "sources_with_records": len(self.sources),
            "rejects": self.rejects,
            "skipped_files": skipped if isinstance(skipped, int) else 0,
            "sections": self.sections,
            "entity_mentions": sum(self.entity_mentions.values()),
            "warnings": self.warnings,
            "records_with_warnings": sum(1 for row in self.per_record if row["warnings"]),
            "kept_chars": self.kept_chars,
            "removed_chars": sum(self.removed_chars_by_reason.values()),
        }

    def coverage(self) -> dict[str, dict[str, int]]:
        kinds = list(SECTION_KINDS) + sorted(set(self.kind_sections) - set(SECTION_KINDS))
        return {kind: {"records": self.kind_records[kind], "sections": self.kind_sections[kind]} for kind in kinds}

    def top_entities(self, limit: int = TOP_ENTITIES) -> dict[str, list[dict[str, Any]]]:
        result: dict[str, list[dict[str, Any]]] = {}
        for label in sorted(self.entity_counts):
            counts = self.entity_counts[label]
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
            result[label] = [
                {"canonical": name, "mentions": n, "records": self.entity_records[label][name]} for name, n in ranked
            ]
        return result

    def histogram(self) -> list[dict[str, int | None]]:
        bins: list[dict[str, int | None]] = []
        for i, low in enumerate(LENGTH_EDGES):
            high = LENGTH_EDGES[i + 1] - 1 if i + 1 < len(LENGTH_EDGES) else None
            bins.append({"min_chars": low, "max_chars": high, "sections": self.length_bins[i]})
        return bins

    def skipped_files(self) -> list[str]:
        """Files of walked folders that are not pages by their name (run.json lists them all)."""
        return [str(path) for path in _list(self.run_report.get("skipped_files"))]

    def excluded_files(self) -> list[str]:
        """The run's own output files found inside an input folder: never inputs."""
        return [str(path) for path in _list(self.run_report.get("excluded_files"))]

    def skipped_units(self) -> dict[str, int]:
        """Container units passed over by their type (WARC request and metadata records, ...), by why."""
        counts = _dict(_dict(self.run_report.get("counts")).get("skipped_units"))
        return {str(why): n for why, n in sorted(counts.items()) if isinstance(n, int)}

    def run_counts_disagree(self) -> list[str]:
        """Where run.json's counts differ from the records and rejects read back."""
        counts = _dict(self.run_report.get("counts"))
        totals = self.totals()
        return [
            f"run.json says {key} = {counts[key]}, the files hold {totals[key]}"
            for key in ("inputs", "records", "sources_with_records", "rejects")
            if isinstance(counts.get(key), int) and counts[key] != totals[key]
        ]

    def to_json(self) -> dict[str, Any]:
        shown = len(self._heap)
        return {
            "audit_format": AUDIT_FORMAT_VERSION,
            "run_dir": str(self.run_dir),
            "pipeline_version": self.run_report.get("pipeline_version"),
            "totals": self.totals(),
            "rejects_by_reason": dict(sorted(self.rejects_by_reason.items())),
            "pages_by_kind": dict(sorted(self.pages_by_kind.items())),
            "section_coverage": self.coverage(),
            "warnings_by_code": {
                code: {"warnings": n, "records": self.warning_records_by_code[code], "severity": severity(code)}
                for code, n in sorted(self.warnings_by_code.items())
            },
            "removed_chars_by_reason": dict(sorted(self.removed_chars_by_reason.items())),
            "entity_mentions_by_label": dict(sorted(self.entity_mentions.items())),
            "top_entities": self.top_entities(),
            "section_length_histogram": self.histogram(),
            "record_views": {"max_records": self.max_records, "shown": shown, "left_out": self.records - shown},
            "run_report_mismatches": self.run_counts_disagree(),
            "rejects": [row for reason in sorted(self.reject_rows) for row in self.reject_rows[reason]],
            "reject_rows": {"max_per_reason": self.max_rejects,
                            "left_out": self.rejects - sum(map(len, self.reject_rows.values()))},
            "skipped_files": self.skipped_files(),
            "excluded_files": self.excluded_files(),
            "records": [{k: v for k, v in row.items() if k != "index"} for row in self.ranked_records()],
        }


def collect(run_dir: Path, max_records: int, max_rejects: int = DEFAULT_MAX_REJECTS) -> Audit:
    audit = Audit(run_dir=run_dir, run_report=_dict(read_run_report(run_dir)), max_records=max(0, max_records),
                  max_rejects=max(0, max_rejects))
    for record in iter_records(run_dir):
        audit.add_record(record)
    for reject in iter_rejects(run_dir):
        audit.add_reject(reject)
    return audit


def _bin(length: int) -> int:
    for i in range(len(LENGTH_EDGES) - 1, -1, -1):
        if length >= LENGTH_EDGES[i]:
            return i
    return 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list | tuple) else []


__all__ = ["AUDIT_FORMAT_VERSION", "DEFAULT_MAX_REJECTS", "LENGTH_EDGES", "SEVERITIES", "Audit", "collect", "severity"]
