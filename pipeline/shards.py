"""Shards and the journal: how a run's output survives a SIGKILL and is reused by the next run.

A shard is `shard_size` consecutive input units. It is committed in two steps: its records
and rejects go to part files under `OUT/.run-state/parts/` (temp file, fsync, rename; the
names are new for every commit), then one line describing it is appended to
`OUT/.run-state/journal.jsonl` and fsynced. The line is the commit: a kill before it leaves
unreferenced parts (the shard is redone), a kill during it leaves a torn last line (cut
off on resume). The line lists every unit's key, content hash, record count and reject
reason, so a later run can reuse a unit whose key, hash and configuration are unchanged.

When every shard is committed, `finalize` assembles the files users read (`records.jsonl`
as one file, or one `records-NNNNN.parquet` per shard, and `rejects.jsonl`) and the journal
is rewritten to point into them, so the parts can go.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow.parquet as pq

from pipeline.executors import UnitResult
from pipeline.read import RUN_OUTPUT_NAMES
from pipeline.run_files import AUDIT_HTML, AUDIT_JSON
from pipeline.write import PartWriter, atomic_file, remove_temp_files

STATE_DIR = ".run-state"
RESULTS_DIR = ".results"  # one folder per finished run; `current` links to the one readers see
CURRENT = "current"
RECORDS_JSONL = "records.jsonl"
REJECTS_JSONL = "rejects.jsonl"
RUN_REPORT = "run.json"
_SHARD_FILE = re.compile(r"records-\d{5,}\.parquet")
# The final names whose temporary files (`.<name>.<random>.tmp`) the run's own writers leave in OUT when killed.
_OWN_FINAL_NAMES = re.compile(r"records\.jsonl|rejects\.jsonl|run\.json|current|records-\d{5,}\.parquet")

_COPY_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Location:
    """Where a shard's rows are: a file relative to the output folder and, for JSON Lines, a byte range."""

    file: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class UnitEntry:
    key: str
    sha256: str | None
    records: int
    reason: str | None
    page_kind: str | None = None  # what the page stage said the page is (absent in older journals)
    site: str | None = None  # the site whose template the clean stage applied (None: no template step)
    template: str | None = None  # the digest of that template: the unit is reused only while it is the same
    # The ids of the unit's records, which a reused unit claims again (runner.RecordIdClaims), and the URL they
    # name. None: a journal written before they were kept.
    record_ids: list[str] | None = None
    url: str | None = None


@dataclass(slots=True)
class ShardEntry:
    shard: int
    config_hash: str
    format: str
    units: list[UnitEntry]
    records: Location
    rejects: Location

    def to_line(self) -> bytes:
        data = asdict(self)
        data["units"] = [[u.key, u.sha256, u.records, u.reason, u.page_kind, u.site, u.template, u.record_ids, u.url]
                         for u in self.units]
        return (json.dumps(data, separators=(",", ":")) + "\n").encode("utf-8")

    @classmethod
    def from_line(cls, line: bytes) -> ShardEntry:
        data = json.loads(line)
        return cls(
            shard=data["shard"],
            config_hash=data["config_hash"],
            format=data["format"],
            units=[UnitEntry(*unit) for unit in data["units"]],
            records=Location(**data["records"]),
            rejects=Location(**data["rejects"]),
        )

    def reusable_for(self, keys: list[str], config_hash: str, fmt: str) -> bool:
        """Same units in the same places under the same configuration and output format."""
        return self.config_hash == config_hash and self.format == fmt and [u.key for u in self.units] == keys


class Journal:
    """The append-only journal of committed shards; the last entry for a shard wins."""

    def __init__(self, out_dir: Path, fresh: bool) -> None:
        self.out_dir = out_dir
        self.state_dir = out_dir / STATE_DIR
        self.parts_dir = self.state_dir / "parts"
        self.path = self.state_dir / "journal.jsonl"
        if fresh:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        self.path.touch()
        self._index = self._scan()
        self._append: BinaryIO = open(self.path, "ab")  # noqa: SIM115 (open for the journal's lifetime)
        self._read: BinaryIO = open(self.path, "rb")  # noqa: SIM115
        self._remove_unreferenced_parts()

    def _scan(self) -> dict[int, int]:
        """Shard -> offset of its last complete entry; a torn last line (a kill mid-append) is cut off."""
        index: dict[int, int] = {}
        good_end = 0
        with open(self.path, "rb") as journal:
            for line in journal:
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("torn line")
                    index[json.loads(line)["shard"]] = good_end
                except (ValueError, KeyError, TypeError):
                    break
                good_end += len(line)
        if good_end != self.path.stat().st_size:
            os.truncate(self.path, good_end)
        return index

    def _remove_unreferenced_parts(self) -> None:
        """Parts no journal entry names (a shard whose commit a kill or a full disk cut short) are never
        read again: they go, so that failed attempts do not pile up."""
        referenced = set()
        for shard in self._index:
            entry = self.get(shard)
            assert entry is not None
            referenced.update((entry.records.file, entry.rejects.file))
        for part in self.parts_dir.iterdir():
            if self.relative(part) not in referenced:
                part.unlink(missing_ok=True)

    def referenced_results(self) -> set[str]:
        """Names of results folders the journal points into (a finished run's rows)."""
        folders = set()
        for shard in self._index:
            entry = self.get(shard)
            assert entry is not None
            for location in (entry.records, entry.rejects):
                parts = Path(location.file).parts
                if len(parts) > 2 and parts[0] == RESULTS_DIR:
                    folders.add(parts[1])
        return folders

    def get(self, shard: int) -> ShardEntry | None:
        if shard not in self._index:
            return None
        self._read.seek(self._index[shard])
        return ShardEntry.from_line(self._read.readline())

    def rows_present(self, entry: ShardEntry) -> bool:
        """Whether the files the entry's rows are in are still there, at least as long as it says. A results
        file deleted or cut short (by hand, a full disk, a restore from backup) cannot give its rows: the shard
        is processed again instead of failing every resume."""
        for location in (entry.records, entry.rejects):
            try:
                size = (self.out_dir / location.file).stat().st_size
            except OSError:
                return False
            if size < location.end:
                return False
        if entry.format == "parquet":  # a Parquet file cut short has lost its footer, which lists its rows
            try:
                rows = pq.ParquetFile(self.out_dir / entry.records.file).metadata.num_rows
            except Exception:  # pyarrow raises its own errors (ArrowInvalid, OSError) on a damaged file
                return False
            return rows == sum(unit.records for unit in entry.units)
        return True

    def commit(self, entry: ShardEntry) -> None:
        offset = self._append.seek(0, os.SEEK_END)
        self._append.write(entry.to_line())
        self._append.flush()
        os.fsync(self._append.fileno())
        self._index[entry.shard] = offset

    def new_part(self, kind: str, shard: int, fmt: str) -> Path:
        # A fresh name per commit: a part still named by the journal is never overwritten.
        return self.parts_dir / f"{kind}-{shard:05d}-{secrets.token_hex(4)}.{fmt}"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.out_dir).as_posix()

    def rewrite(self, locations: list[tuple[Location, Location]]) -> None:
        """Point shards 0..n-1 at their rows in the final files (entries for later shards are dropped)."""
        with atomic_file(self.path) as journal:
            for shard, (records, rejects) in enumerate(locations):
                entry = self.get(shard)
                assert entry is not None, f"shard {shard} has no journal entry"
                entry.records, entry.rejects = records, rejects
                journal.write(entry.to_line())

    def close(self) -> None:
        self._append.close()
        self._read.close()


@dataclass(slots=True)
class _OldRows:
    """A previous entry's rows, read in unit order: each unit takes or skips its own."""

    records: Generator[Any, None, None]
    rejects: Generator[bytes, None, None]


class ShardAssembler:
    """Builds one shard from unit results in order; unchanged units take their rows from `old`."""

    def __init__(self, journal: Journal, shard: int, fmt: str, config_hash: str, old: ShardEntry | None) -> None:
        self.journal, self.shard, self.format, self.config_hash, self.old = journal, shard, fmt, config_hash, old
        self.units: list[UnitEntry] = []
        self._written = 0  # units whose rows are in the writers
        self._writers: tuple[PartWriter, PartWriter] | None = None
        self._old_rows: _OldRows | None = None
        self.processed = 0

    def previous(self) -> UnitEntry | None:
        """The previous entry's unit at the place of the next unit to be added (None: no previous entry)."""
        return self.old.units[len(self.units)] if self.old is not None else None

    def add(self, result: UnitResult) -> None:
        if result.unchanged:
            assert self.old is not None, "a unit was reported unchanged without a previous entry"
            self.units.append(self.old.units[len(self.units)])
            if self._writers is not None:
                self._copy_old(1)
            return
        records, rejects = self._open()
        self._skip_old()
        self.units.append(UnitEntry(result.key, result.sha256, len(result.records), result.reason, result.page_kind,
                                    result.site, result.template, result.record_ids, result.url))
        for text in result.records:
            records.add_json(text)
        if result.reject is not None:
            rejects.add_json(result.reject)
        self._written += 1
        self.processed += 1

    def finish(self) -> ShardEntry:
        if self._writers is None and self.old is not None and self.old.records.file.startswith(STATE_DIR):
            return self.old  # nothing changed and its parts are still there: the journal already says so
        records, rejects = self._open()
        try:
            records_size, rejects_size = records.commit(), rejects.commit()
        finally:
            self._close_old()
        entry = ShardEntry(
            shard=self.shard,
            config_hash=self.config_hash,
            format=self.format,
            units=self.units,
            records=Location(self.journal.relative(records.path), 0, records_size),
            rejects=Location(self.journal.relative(rejects.path), 0, rejects_size),
        )
        self.journal.commit(entry)
        return entry

    def _open(self) -> tuple[PartWriter, PartWriter]:
        """The writers, created on first need and given the rows of the unchanged units so far."""
        if self._writers is None:
            self._writers = (
                PartWriter(self.journal.new_part("records", self.shard, self.format), self.format),
                PartWriter(self.journal.new_part("rejects", self.shard, "jsonl"), "jsonl"),
            )
            if self.old is not None:
                self._old_rows = _OldRows(
                    _records_rows(self.journal.out_dir, self.old.records, self.old.format),
                    _jsonl_lines(self.journal.out_dir / self.old.rejects.file, self.old.rejects),
                )
                self._copy_old(len(self.units) - self._written)
        return self._writers

    def _copy_old(self, units: int) -> None:
        assert self._writers is not None and self._old_rows is not None
        records, rejects = self._writers
        for unit in self.old.units[self._written : self._written + units]:  # type: ignore[union-attr]
            for _ in range(unit.records):
                records.add_row(next(self._old_rows.records))
            if unit.reason is not None:
                rejects.add_row(next(self._old_rows.rejects))
        self._written += units

    def _skip_old(self) -> None:
        """Pass over the previous rows of the unit being replaced, keeping the readers aligned."""
        if self._old_rows is None or self.old is None:
            return
        unit = self.old.units[self._written]
        for _ in range(unit.records):
            next(self._old_rows.records)
        if unit.reason is not None:
            next(self._old_rows.rejects)

    def _close_old(self) -> None:
        if self._old_rows is not None:
            self._old_rows.records.close()
            self._old_rows.rejects.close()


def _records_rows(out_dir: Path, location: Location, fmt: str) -> Generator[Any, None, None]:
    if fmt == "parquet":
        return _parquet_rows(out_dir / location.file)
    return _jsonl_lines(out_dir / location.file, location)


def _parquet_rows(path: Path) -> Generator[dict[str, Any], None, None]:
    for batch in pq.ParquetFile(path).iter_batches():
        yield from batch.to_pylist()


def _jsonl_lines(path: Path, location: Location) -> Generator[bytes, None, None]:
    with open(path, "rb") as handle:
        handle.seek(location.start)
        position = location.start
        while position < location.end:
            line = handle.readline()
            if not line:
                raise ValueError(f"{path} ends before byte {location.end}: the run folder was changed")
            position += len(line)
            yield line


@dataclass(slots=True)
class Outputs:
    """A run's result files, by name, in their own new folder `OUT/.results/<token>/`."""

    format: str
    folder: Path
    records: list[str] = field(default_factory=list)
    rejects: list[str] = field(default_factory=list)
    locations: list[tuple[Location, Location]] = field(default_factory=list)


def finalize(journal: Journal, fmt: str, shards: int) -> Outputs:
    """Assemble the final files from shards 0..shards-1 in a new results folder; nothing a reader sees changes."""
    out_dir = journal.out_dir
    entries = [journal.get(shard) for shard in range(shards)]
    assert all(entries), "finalize before every shard was committed"
    folder = out_dir / RESULTS_DIR / secrets.token_hex(6)
    folder.mkdir(parents=True)
    outputs = Outputs(fmt, folder, rejects=[REJECTS_JSONL])
    records_at: list[Location] = []
    rejects_at = _concatenate(out_dir, journal.relative(folder / REJECTS_JSONL), [e.rejects for e in entries if e])
    if fmt == "jsonl":
        records_at = _concatenate(out_dir, journal.relative(folder / RECORDS_JSONL), [e.records for e in entries if e])
        outputs.records.append(RECORDS_JSONL)
    else:
        for shard, entry in enumerate(entries):
            assert entry is not None
            name = f"records-{shard:05d}.parquet"
            _link_into_place(out_dir / entry.records.file, folder / name)
            records_at.append(Location(journal.relative(folder / name)))
            outputs.records.append(name)
    outputs.locations = list(zip(records_at, rejects_at, strict=True))
    return outputs


def publish(journal: Journal, outputs: Outputs) -> None:
    """Switch readers to the new results in one step, then drop what no one needs any more.

    `OUT/current` is a symbolic link to the results folder, replaced atomically (rename over it);
    the names users open (`OUT/records.jsonl`, ...) are links through `current`, so every file of
    one run appears at the same instant. Only then is the journal pointed into the new folder and
    are the parts, the old results folder and the links of names no longer written removed, and with them
    the audit files made from the old results (removed rather than marked stale: a report that is still
    there reads as current, whatever it says at its top; `audit` makes a new one in seconds).
    """
    out_dir = journal.out_dir
    _replace_with_link(out_dir / CURRENT, journal.relative(outputs.folder))
    names = [*outputs.records, *outputs.rejects, RUN_REPORT]
    for name in names:
        link = out_dir / name
        if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
            _replace_with_link(link, f"{CURRENT}/{name}")
    journal.rewrite(outputs.locations)
    journal.close()
    shutil.rmtree(journal.parts_dir, ignore_errors=True)
    for path in out_dir.iterdir():
        stale = _SHARD_FILE.fullmatch(path.name) or path.name in (RECORDS_JSONL, AUDIT_HTML, AUDIT_JSON)
        if stale and path.name not in names:
            path.unlink(missing_ok=True)
    remove_stale_results(out_dir, keep={outputs.folder.name})


def _replace_with_link(path: Path, target: str) -> None:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    os.symlink(target, temp)
    os.replace(temp, path)


def remove_stale_results(out_dir: Path, keep: set[str]) -> None:
    """Results folders other than `keep` and temporary files of the run's own names that a killed or
    failed attempt left in OUT (under the run's lock, so no other run is writing them)."""
    for folder in (out_dir / RESULTS_DIR).glob("*"):
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink(missing_ok=True)
    remove_temp_files(out_dir, _OWN_FINAL_NAMES)


def foreign_entries(out_dir: Path) -> list[str]:
    """The entries of OUT under the names a run publishes or removes (`current`, records.jsonl, audit.html, ...)
    that no run of this pipeline made, sorted: the finished run would replace or delete them, or fail to at
    the very end (a folder named `current`). A run's own are links; its regular files are those of the
    layouts before `current`, in a folder with the run's state, a `current` link or a run.json (every
    layout wrote one); a folder is never one."""
    if not out_dir.is_dir():
        return []
    run_folder = any(((out_dir / STATE_DIR).is_dir(), (out_dir / CURRENT).is_symlink(),
                      (out_dir / RUN_REPORT).is_file()))
    foreign = []
    for path in out_dir.iterdir():
        if not RUN_OUTPUT_NAMES.fullmatch(path.name) or path.is_symlink():
            continue
        if path.name == CURRENT or not path.is_file() or not run_folder:
            foreign.append(path.name)
    return sorted(foreign)


def current_results(out_dir: Path) -> str | None:
    """The name of the results folder `OUT/current` points at, if any."""
    link = out_dir / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def _concatenate(out_dir: Path, name: str, parts: list[Location]) -> list[Location]:
    """One file `out_dir/name` from the parts' byte ranges, in order; returns where each part now is in it."""
    placed: list[Location] = []
    with atomic_file(out_dir / name) as target:
        for part in parts:
            start = target.tell()
            with open(out_dir / part.file, "rb") as source:
                source.seek(part.start)
                remaining = part.end - part.start
                while remaining:
                    chunk = source.read(min(_COPY_CHUNK, remaining))
                    if not chunk:
                        raise ValueError(f"{part.file} is shorter than the journal says")
                    target.write(chunk)
                    remaining -= len(chunk)
            placed.append(Location(name, start, target.tell()))
    return placed


def _link_into_place(part: Path, final: Path) -> None:
    """The part under its final name, atomically; a hard link, so nothing is copied."""
    temp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.link(part, temp)
    except OSError:  # a file system without hard links
        shutil.copyfile(part, temp)
    os.replace(temp, final)
