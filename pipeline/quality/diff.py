"""What changed between two runs of the same inputs: records, rejects, sections and entities, per source.

Sources (input files, WARC records, JSON lines) are matched first, in this order, each step only where its
key names one source on each side: the same `source.path`; the same path relative to the run's input root
(`config.input_roots` in run.json: a folder given, or the folder holding the files given), so two runs
over two copies of a folder match; the same `source.url`; the same content hash (`source.sha256`). A
source left unmatched is added or removed. Within a matched source, records are matched by term and
occurrence (what makes a record's `id`, apart from the path); a reject by its source. Within a matched
record, sections are compared by their index,
and entities as a multiset of (section kind, text, label, canonical), so an entity whose offsets moved
because the text around it changed is no change, while one that appears or disappears is.

Not compared, because they differ between runs of the same inputs without the output changing: run.json
timings, worker counts and counts (derived from the records), entity offsets, `quality.kept_chars` and
the removed-text snippets (derived from the sections and the page), and the `definition` / `origin` /
`mechanism` fields (copies of the first section of their kind, checked by the record model). A different
pipeline version, config hash, library version or schema version is reported as a note: it explains
changes but is none itself.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.run_files import iter_records, iter_rejects, read_run_report

Json = dict[str, Any]
# An entity as compared between runs: (section kind, text, label, canonical).
EntityKey = tuple[str | None, str, str | None, str | None]
# Records of one source are keyed by their term (as the record id reads it) and its occurrence.
RecordKey = tuple[str, int]
# How a source of run B was matched to one of run A, in the order the keys are tried.
MATCH_KEYS = ("path", "relative path", "url", "content hash")
# The unit of a container input after its file's path: 'a.warc#offset=N', 'a.jsonl#line=N' (pipeline/sources.py).
_UNIT_SUFFIX = re.compile(r"#(?:offset|line)=\d+$")

# Characters of unchanged text shown on either side of a change, and the most of a change shown.
_EXCERPT_CONTEXT = 40
_EXCERPT_CHANGE = 160


@dataclass(slots=True)
class SectionChange:
    """One section index of a record whose section was added, removed or changed."""

    index: int
    before: Json | None
    after: Json | None

    @property
    def status(self) -> str:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"

    def lines(self) -> list[str]:
        shown = self.after if self.after is not None else self.before
        assert shown is not None  # one of the two always exists
        title = f"section {self.index} {_section_title(shown)}"
        if self.before is None or self.after is None:
            return [f"{title}: {self.status}: {_shorten(shown.get('text') or '')!r}"]
        what = [name for name in ("kind", "heading", "text") if self.before.get(name) != self.after.get(name)]
        lines = [f"{title}: {', '.join(what)} changed"]
        if "kind" in what or "heading" in what:
            lines.append(f"  was {_section_title(self.before)}")
        if "text" in what:
            old, new = changed_excerpt(self.before.get("text") or "", self.after.get("text") or "")
            lines += [f"  - {old}", f"  + {new}"]
        return lines

    def to_json(self) -> Json:
        return {"index": self.index, "status": self.status, "before": self.before, "after": self.after}


@dataclass(slots=True)
class RecordChange:
    """The differences inside one record present in both runs."""

    id: str
    term: str
    term_before: str | None = None
    source_fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    sections: list[SectionChange] = field(default_factory=list)
    entities_gained: Counter[EntityKey] = field(default_factory=Counter)
    entities_lost: Counter[EntityKey] = field(default_factory=Counter)
    warnings_gained: list[str] = field(default_factory=list)
    warnings_lost: list[str] = field(default_factory=list)
    removed_chars: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(
            self.term_before is not None
            or self.source_fields
            or self.sections
            or self.entities_gained
            or self.entities_lost
            or self.warnings_gained
            or self.warnings_lost
            or self.removed_chars
        )

    def lines(self) -> list[str]:
        lines = [f"record {self.term!r} ({self.id}) changed:"]
        if self.term_before is not None:
            lines.append(f"  term: {self.term_before!r} -> {self.term!r}")
        lines += [f"  source {name}: {before!r} -> {after!r}" for name, (before, after) in self.source_fields.items()]
        for section in self.sections:
            lines += [f"  {line}" for line in section.lines()]
        lines += [f"  entity lost: {_entity_text(key)}{_times(n)}" for key, n in self.entities_lost.items()]
        lines += [f"  entity gained: {_entity_text(key)}{_times(n)}" for key, n in self.entities_gained.items()]
        if self.warnings_lost:
            lines.append(f"  warnings gone: {', '.join(self.warnings_lost)}")
        if self.warnings_gained:
            lines.append(f"  warnings new: {', '.join(self.warnings_gained)}")
        lines += [
            f"  removed {reason} text: {before} -> {after} chars"
            for reason, (before, after) in self.removed_chars.items()
        ]
        return lines

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "term": self.term,
            "term_before": self.term_before,
            "source_fields": {name: list(values) for name, values in self.source_fields.items()},
            "sections": [section.to_json() for section in self.sections],
            "entities_gained": _entities_json(self.entities_gained),
            "entities_lost": _entities_json(self.entities_lost),
            "warnings_gained": self.warnings_gained,
            "warnings_lost": self.warnings_lost,
            "removed_chars": {reason: list(values) for reason, values in self.removed_chars.items()},
        }


@dataclass(slots=True)
class SourceDiff:
    """Everything that changed for one input path."""

    path: str
    path_before: str | None = None  # the source of run A it was matched to, when not by the same path
    matched_by: str | None = None
    sha256_before: str | None = None
    sha256_after: str | None = None
    records_added: list[Json] = field(default_factory=list)
    records_removed: list[Json] = field(default_factory=list)
    records_changed: list[RecordChange] = field(default_factory=list)
    reject_before: Json | None = None
    reject_after: Json | None = None

    @property
    def input_changed(self) -> bool:
        """Both runs read the path and its bytes differ (a path read by one run only shows as added/removed)."""
        return bool(self.sha256_before and self.sha256_after and self.sha256_before != self.sha256_after)

    @property
    def reject_status(self) -> str | None:
        if self.reject_before is None and self.reject_after is None:
            return None
        if self.reject_before is None:
            return "added"
        if self.reject_after is None:
            return "removed"
        return "changed" if _reject_content(self.reject_before) != _reject_content(self.reject_after) else None

    @property
    def changed(self) -> bool:
        return bool(
            self.input_changed
            or self.records_added
            or self.records_removed
            or self.records_changed
            or self.reject_status
        )

    def lines(self) -> list[str]:
        lines = [self.path]
        if self.path_before is not None:
            lines.append(f"  matched to {self.path_before} by {self.matched_by}")
        if self.input_changed:
            lines.append(f"  input bytes differ: sha256 {self.sha256_before:.12} -> {self.sha256_after:.12}")
        lines += [f"  record removed: {_record_text(record)}" for record in self.records_removed]
        lines += [f"  record added: {_record_text(record)}" for record in self.records_added]
        status = self.reject_status
        if status == "removed" and self.reject_before is not None:
            lines.append(f"  reject removed: {_reject_text(self.reject_before)}")
        elif status == "added" and self.reject_after is not None:
            lines.append(f"  reject added: {_reject_text(self.reject_after)}")
        elif status == "changed" and self.reject_before is not None and self.reject_after is not None:
            lines.append(f"  reject changed: {_reject_text(self.reject_before)}")
            lines.append(f"               -> {_reject_text(self.reject_after)}")
        for record in self.records_changed:
            lines += [f"  {line}" for line in record.lines()]
        return lines

    def to_json(self) -> Json:
        return {
            "path": self.path,
            "path_before": self.path_before,
            "matched_by": self.matched_by,
            "input_changed": self.input_changed,
            "sha256": [self.sha256_before, self.sha256_after],
            "records_added": [_record_ref(record) for record in self.records_added],
            "records_removed": [_record_ref(record) for record in self.records_removed],
            "records_changed": [record.to_json() for record in self.records_changed],
            "reject": {
                "status": self.reject_status,
                "before": _reject_content(self.reject_before),
                "after": _reject_content(self.reject_after),
            },
        }


@dataclass(slots=True)
class RunDiff:
    run_a: Path
    run_b: Path
    sources: list[SourceDiff]
    """The sources with a difference, in path order."""
    notes: list[str]
    compared: dict[str, int]
    """Sources, records and rejects in each run: what the differences are out of."""

    @property
    def changed(self) -> bool:
        return bool(self.sources)

    def totals(self) -> dict[str, int]:
        records = [record for source in self.sources for record in source.records_changed]
        sections = Counter(section.status for record in records for section in record.sections)
        rejects = Counter(source.reject_status for source in self.sources)
        return {
            **self.compared,
            "sources_changed": len(self.sources),
            "inputs_changed": sum(source.input_changed for source in self.sources),
            "records_added": sum(len(source.records_added) for source in self.sources),
            "records_removed": sum(len(source.records_removed) for source in self.sources),
            "records_changed": len(records),
            "rejects_added": rejects["added"],
            "rejects_removed": rejects["removed"],
            "rejects_changed": rejects["changed"],
            "sections_added": sections["added"],
            "sections_removed": sections["removed"],
            "sections_changed": sections["changed"],
            "entities_gained": sum(record.entities_gained.total() for record in records),
            "entities_lost": sum(record.entities_lost.total() for record in records),
        }

    def report(self) -> str:
        lines = [f"diff {self.run_a} -> {self.run_b}"]
        lines += [f"note: {note}" for note in self.notes]
        for source in self.sources:
            lines += ["", *source.lines()]
        totals = self.totals()
        lines.append("")
        if not self.changed:
            lines.append(
                f"no differences: {totals['sources_b']} sources, {totals['records_b']} records, "
                f"{totals['rejects_b']} rejects"
            )
            return "\n".join(lines)
        lines += [
            f"totals: {totals['sources_changed']} of {max(totals['sources_a'], totals['sources_b'])} sources changed"
            f" ({totals['inputs_changed']} with different input bytes)",
            f"  records  +{totals['records_added']} -{totals['records_removed']} ~{totals['records_changed']}"
            f"  ({totals['records_a']} -> {totals['records_b']})",
            f"  rejects  +{totals['rejects_added']} -{totals['rejects_removed']} ~{totals['rejects_changed']}"
            f"  ({totals['rejects_a']} -> {totals['rejects_b']})",
            f"  sections +{totals['sections_added']} -{totals['sections_removed']} ~{totals['sections_changed']}",
            f"  entities +{totals['entities_gained']} -{totals['entities_lost']}",
        ]
        return "\n".join(lines)

    def to_json(self) -> Json:
        return {
            "run_a": str(self.run_a),
            "run_b": str(self.run_b),
            "changed": self.changed,
            "notes": self.notes,
            "totals": self.totals(),
            "sources": [source.to_json() for source in self.sources],
        }


# ---------------------------------------------------------------------------------------------------------
# Comparing


@dataclass(slots=True)
class RunSide:
    """One run read back by source: its records (in run order), rejects, input hashes, URLs and input roots."""

    records: defaultdict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))
    rejects: dict[str, Json] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, run_dir: Path) -> RunSide:
        config = read_run_report(run_dir).get("config") or {}
        side = cls(roots=[os.path.normpath(root) for root in config.get("input_roots") or [] if isinstance(root, str)])
        for record in iter_records(run_dir):
            side.records[side._add_source(record)].append(record)
        for reject in iter_rejects(run_dir):
            side.rejects[side._add_source(reject)] = reject
        return side

    def _add_source(self, item: Json) -> str:
        source = item.get("source") or {}
        path = str(source.get("path") or "")
        if source.get("sha256"):
            self.sha256[path] = str(source["sha256"])
        if source.get("url"):
            self.urls[path] = str(source["url"])
        return path

    @property
    def paths(self) -> set[str]:
        return {*self.records, *self.rejects, *self.sha256}

    def relative(self, path: str) -> str | None:
        """The path inside the deepest input root that holds it (a container's unit suffix kept)."""
        suffix = _UNIT_SUFFIX.search(path)
        file_path = os.path.normpath(path[: suffix.start()] if suffix else path)
        inside = [root for root in self.roots if (root == os.curdir and not os.path.isabs(file_path))
                  or file_path.startswith(root.rstrip(os.sep) + os.sep)]
        if not inside:
            return None
        root = max(inside, key=len)
        relative = file_path if root == os.curdir else file_path[len(root.rstrip(os.sep)) + 1 :]
        return relative + (suffix.group() if suffix else "")


def match_sources(a: RunSide, b: RunSide) -> tuple[list[tuple[str, str, str]], set[str], set[str]]:
    """(path in A, path in B, how) for every matched source, then the paths of A and of B left unmatched.

    The keys of MATCH_KEYS are tried in order on what is still unmatched; a key that names several sources
    of one run (two input roots holding the same relative path, one URL fetched twice, two identical files)
    matches none of them, rather than guessing.
    """
    left, right = a.paths, b.paths
    keys: dict[str, tuple[Callable[[str], str | None], Callable[[str], str | None]]] = {
        "path": (lambda path: path, lambda path: path),
        "relative path": (a.relative, b.relative),
        "url": (a.urls.get, b.urls.get),
        "content hash": (a.sha256.get, b.sha256.get),
    }
    pairs: list[tuple[str, str, str]] = []
    for how in MATCH_KEYS:
        key_a, key_b = keys[how]
        index_a, index_b = _unique_keys(left, key_a), _unique_keys(right, key_b)
        for key in sorted(index_a.keys() & index_b.keys()):
            pairs.append((index_a[key], index_b[key], how))
            left.discard(index_a[key])
            right.discard(index_b[key])
    return pairs, left, right


def _unique_keys(paths: set[str], key_of: Callable[[str], str | None]) -> dict[str, str]:
    by_key: defaultdict[str, list[str]] = defaultdict(list)
    for path in paths:
        if (key := key_of(path)) is not None:
            by_key[key].append(path)
    return {key: found[0] for key, found in by_key.items() if len(found) == 1}


def diff_runs(run_a: Path, run_b: Path) -> RunDiff:
    """The differences from run A to run B (raises RunFolderError when either is not a readable run)."""
    a, b = RunSide.read(run_a), RunSide.read(run_b)
    pairs, only_a, only_b = match_sources(a, b)
    diffs: list[SourceDiff] = []
    for path_a, path_b, how in pairs:
        diff = SourceDiff(path_b, path_before=None if how == "path" else path_a, matched_by=how)
        if a.sha256.get(path_a) != b.sha256.get(path_b):
            diff.sha256_before, diff.sha256_after = a.sha256.get(path_a), b.sha256.get(path_b)
        records_a, records_b = _records_by_key(a.records.get(path_a, [])), _records_by_key(b.records.get(path_b, []))
        diff.records_removed = [record for key, record in records_a.items() if key not in records_b]
        diff.records_added = [record for key, record in records_b.items() if key not in records_a]
        for key, record in records_b.items():
            if key in records_a and (change := _record_change(records_a[key], record)).changed:
                diff.records_changed.append(change)
        diff.reject_before, diff.reject_after = a.rejects.get(path_a), b.rejects.get(path_b)
        diffs.append(diff)
    for path in only_a:
        diffs.append(SourceDiff(path, records_removed=a.records.get(path, []), reject_before=a.rejects.get(path)))
    for path in only_b:
        diffs.append(SourceDiff(path, records_added=b.records.get(path, []), reject_after=b.rejects.get(path)))

    compared = {
        "sources_a": len(a.paths),
        "sources_b": len(b.paths),
        "records_a": sum(map(len, a.records.values())),
        "records_b": sum(map(len, b.records.values())),
        "rejects_a": len(a.rejects),
        "rejects_b": len(b.rejects),
    }
    matched_by = Counter(how for _, _, how in pairs if how != "path")
    notes = [f"{n} sources of {run_b} matched to sources of {run_a} by {how}" for how, n in matched_by.items()]
    all_a = [record for records in a.records.values() for record in records]
    all_b = [record for records in b.records.values() for record in records]
    notes += _run_notes(run_a, run_b) + _record_notes(all_a, all_b)
    changed = sorted((diff for diff in diffs if diff.changed), key=lambda diff: diff.path)
    return RunDiff(run_a=run_a, run_b=run_b, sources=changed, notes=notes, compared=compared)


def _records_by_key(records: Iterable[Json]) -> dict[RecordKey, Json]:
    """One source's records by term and occurrence, in run order."""
    by_key: dict[RecordKey, Json] = {}
    seen: Counter[str] = Counter()
    for record in records:
        term = str(record.get("term") or "").strip().lower()
        by_key[(term, seen[term])] = record
        seen[term] += 1
    return by_key


def _record_change(before: Json, after: Json) -> RecordChange:
    change = RecordChange(id=str(after.get("id")), term=str(after.get("term")))
    if before.get("term") != after.get("term"):
        change.term_before = str(before.get("term"))
    source_before, source_after = before.get("source") or {}, after.get("source") or {}
    for name in ("url", "media_type", "encoding"):  # sha256 is compared per source, path is the key
        if source_before.get(name) != source_after.get(name):
            change.source_fields[name] = (source_before.get(name), source_after.get(name))

    sections_before, sections_after = before.get("sections") or [], after.get("sections") or []
    for index in range(max(len(sections_before), len(sections_after))):
        old = _section_content(sections_before[index]) if index < len(sections_before) else None
        new = _section_content(sections_after[index]) if index < len(sections_after) else None
        if old != new:
            change.sections.append(SectionChange(index, old, new))

    entities_before, entities_after = _entity_keys(before), _entity_keys(after)
    change.entities_gained = entities_after - entities_before
    change.entities_lost = entities_before - entities_after

    quality_before, quality_after = before.get("quality") or {}, after.get("quality") or {}
    warnings_before, warnings_after = _warning_codes(quality_before), _warning_codes(quality_after)
    change.warnings_gained = sorted((warnings_after - warnings_before).elements())
    change.warnings_lost = sorted((warnings_before - warnings_after).elements())
    removed_before = quality_before.get("removed_chars") or {}
    removed_after = quality_after.get("removed_chars") or {}
    for reason in sorted(removed_before.keys() | removed_after.keys()):
        chars = (int(removed_before.get(reason, 0)), int(removed_after.get(reason, 0)))
        if chars[0] != chars[1]:
            change.removed_chars[reason] = chars
    return change


def _section_content(section: Json) -> Json:
    return {"kind": section.get("kind"), "heading": section.get("heading"), "text": section.get("text")}


def _entity_keys(record: Json) -> Counter[EntityKey]:
    sections = record.get("sections") or []

    def kind_of(entity: Json) -> str | None:
        index = entity.get("section")
        if isinstance(index, int) and 0 <= index < len(sections):
            return sections[index].get("kind")
        return None

    return Counter(
        (kind_of(entity), str(entity.get("text")), entity.get("label"), entity.get("canonical"))
        for entity in record.get("entities") or []
    )


def _warning_codes(quality: Json) -> Counter[str]:
    return Counter(str(warning.get("code")) for warning in quality.get("warnings") or [])


def _reject_content(reject: Json | None) -> Json | None:
    """What a reject says, without its source (the path is the key, the bytes are compared per source)."""
    if reject is None:
        return None
    return {"reason": reject.get("reason"), "detail": reject.get("detail")}


def _run_notes(run_a: Path, run_b: Path) -> list[str]:
    """Differences in how the runs were made: they explain changes but are none."""
    report_a, report_b = read_run_report(run_a), read_run_report(run_b)
    config_a, config_b = report_a.get("config") or {}, report_b.get("config") or {}
    notes = []
    for name, before, after in (
        ("pipeline version", report_a.get("pipeline_version"), report_b.get("pipeline_version")),
        ("config hash", config_a.get("config_hash"), config_b.get("config_hash")),
        ("inputs given", config_a.get("inputs"), config_b.get("inputs")),
    ):
        if report_a and report_b and before != after:
            notes.append(f"{name} differs: {before} -> {after}")
    versions_a, versions_b = report_a.get("versions") or {}, report_b.get("versions") or {}
    for package in sorted(versions_a.keys() & versions_b.keys()):
        if versions_a[package] != versions_b[package]:
            notes.append(f"{package} version differs: {versions_a[package]} -> {versions_b[package]}")
    return notes


def _record_notes(records_a: Iterable[Json], records_b: Iterable[Json]) -> list[str]:
    """Provenance and schema versions the records state, where they differ between the runs."""
    notes = []
    for name, read in (
        ("record pipeline_version", lambda record: (record.get("provenance") or {}).get("pipeline_version")),
        ("record config_hash", lambda record: (record.get("provenance") or {}).get("config_hash")),
        ("record schema_version", lambda record: record.get("schema_version")),
    ):
        before = sorted({str(read(record)) for record in records_a})
        after = sorted({str(read(record)) for record in records_b})
        if before and after and before != after:
            notes.append(f"{name} differs: {', '.join(before)} -> {', '.join(after)}")
    return notes


# ---------------------------------------------------------------------------------------------------------
# Showing


def changed_excerpt(before: str, after: str) -> tuple[str, str]:
    """The part of each text that differs, with some unchanged text either side, cut at word boundaries."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0  # length of the common ending, not overlapping the common beginning
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    # Whole words in the brackets: where the change begins or ends inside a word (in either text), move the
    # cut to that word's edge. The common parts are the same in both texts, so one cut fits both.
    if _inside_word(before, start) or _inside_word(after, start):
        start = _word_start(before, start)
    if _inside_word(before, len(before) - end) or _inside_word(after, len(after) - end):
        while end > 0 and not before[len(before) - end].isspace():
            end -= 1
    context_start = _word_start(before, max(start - _EXCERPT_CONTEXT, 0))
    return (
        _excerpt(before, context_start, start, len(before) - end),
        _excerpt(after, context_start, start, len(after) - end),
    )


def _excerpt(text: str, context_start: int, change_start: int, change_end: int) -> str:
    context_end = _word_end(text, min(change_end + _EXCERPT_CONTEXT, len(text)))
    change = text[change_start:change_end]
    if len(change) > _EXCERPT_CHANGE:
        change = change[: _EXCERPT_CHANGE // 2] + " [...] " + change[-_EXCERPT_CHANGE // 2 :]
    shown = text[context_start:change_start] + "[" + change + "]" + text[change_end:context_end]
    shown = ("..." if context_start > 0 else "") + shown + ("..." if context_end < len(text) else "")
    return shown.replace("\n\n", " ¶ ").replace("\n", " ")


def _inside_word(text: str, index: int) -> bool:
    """Whether a cut before `index` splits a word."""
    return 0 < index < len(text) and not text[index - 1].isspace() and not text[index].isspace()


def _word_start(text: str, index: int) -> int:
    """Back to the start of the word `index` falls in."""
    while 0 < index <= len(text) and not text[index - 1].isspace():
        index -= 1
    return index


def _word_end(text: str, index: int) -> int:
    while index < len(text) and not text[index].isspace():
        index += 1
    return index


def _shorten(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _section_title(section: Json) -> str:
    heading = section.get("heading")
    return f"{section.get('kind')} {heading!r}" if heading is not None else f"{section.get('kind')} (no heading)"


def _record_text(record: Json) -> str:
    return f"{record.get('term')!r} ({record.get('id')})"


def _record_ref(record: Json) -> Json:
    return {"id": record.get("id"), "term": record.get("term")}


def _reject_text(reject: Json) -> str:
    return f"{reject.get('reason')}: {reject.get('detail')}"


def _entity_text(key: EntityKey) -> str:
    kind, text, label, canonical = key
    return f"{text!r} in {kind} as {label} ({canonical})"


def _times(count: int) -> str:
    return f" x{count}" if count > 1 else ""


def _entities_json(entities: Counter[EntityKey]) -> list[Json]:
    return [
        {"section": kind, "text": text, "label": label, "canonical": canonical, "count": count}
        for (kind, text, label, canonical), count in entities.items()
    ]
