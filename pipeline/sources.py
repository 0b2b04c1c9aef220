"""Sources: the input units of a run (page files, WARC records, JSON Lines lines) as small references.

Enumeration runs in the calling process and only finds where each unit starts; the bytes
are loaded by whoever processes the unit (`load`), so a unit crosses a process or machine
boundary as a few dozen bytes. Units come out in a fixed order: the inputs as given,
folders walked sorted, records and lines in file order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.read import Limits, discover, is_jsonl_name, is_warc_name, read_bytes
from pipeline.rejects import Rejected

SourceKind = Literal["file", "warc", "jsonl", "broken"]
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class JsonlFields:
    """Field names of scraper JSON Lines: a page is `html` (markup) or `text` (plain text)."""

    url: str = "url"
    html: str = "html"
    text: str = "text"


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One input unit. `offset` is the byte offset of a WARC record or JSON line, `line` its
    1-based line number; `detail` says why a `broken` unit (an unreadable container) failed."""

    kind: SourceKind
    path: str
    offset: int = 0
    line: int = 0
    url: str | None = None
    detail: str = ""

    @property
    def key(self) -> str:
        """The unit's name in `source.path`, rejects and the journal: the scorer takes the part before '#'."""
        if self.kind == "jsonl":
            return f"{self.path}#line={self.line}"
        if self.kind == "warc" or (self.kind == "broken" and self.offset):
            return f"{self.path}#offset={self.offset}"
        return self.path


@dataclass(frozen=True, slots=True)
class Loaded:
    data: bytes
    url: str | None


@dataclass(slots=True)
class Sources:
    """The units of the given inputs, and what was passed over (not inputs, never silently)."""

    inputs: Iterable[str]
    fields: JsonlFields = field(default_factory=JsonlFields)
    skipped_files: list[str] = field(default_factory=list)
    skipped_units: Counter[str] = field(default_factory=Counter)

    def __iter__(self) -> Iterator[SourceItem]:
        found = discover(self.inputs)
        self.skipped_files.extend(found.skipped)
        for path in found.paths:
            if is_warc_name(path):
                yield from self._warc_records(path)
            elif is_jsonl_name(path):
                yield from self._jsonl_lines(path)
            else:
                yield SourceItem("file", path)

    def _warc_records(self, path: str) -> Iterator[SourceItem]:
        offset = 0
        try:
            with open(path, "rb") as stream:
                records = ArchiveIterator(stream)
                for record in records:
                    offset = records.get_record_offset()
                    skip = _warc_skip_reason(record)
                    if skip:
                        self.skipped_units[skip] += 1
                    else:
                        url = record.rec_headers.get_header("WARC-Target-URI")
                        yield SourceItem("warc", path, offset=offset, url=url)
        except (OSError, ArchiveLoadFailed, ValueError) as error:
            # The rest of the archive cannot be read: one reject stands for it, so nothing vanishes.
            yield SourceItem("broken", path, offset=offset, detail=f"the WARC file cannot be read from here: {error}")

    def _jsonl_lines(self, path: str) -> Iterator[SourceItem]:
        try:
            with open(path, "rb") as stream:
                offset = 0
                for number, line in enumerate(stream, start=1):
                    if line.strip():
                        yield SourceItem("jsonl", path, offset=offset, line=number)
                    else:
                        self.skipped_units["blank-jsonl-line"] += 1
                    offset += len(line)
        except OSError as error:
            yield SourceItem("broken", path, detail=f"the file could not be read: {error.strerror or error}")


def _warc_skip_reason(record: object) -> str | None:
    """Why a WARC record is not an input: only successful HTML responses (or resources) are pages."""
    rec_type = record.rec_type  # type: ignore[attr-defined]
    if rec_type not in ("response", "resource"):
        return f"warc-{rec_type}"
    http = record.http_headers  # type: ignore[attr-defined]
    if rec_type == "response":
        if http is None:
            return "warc-non-http-response"
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return "warc-http-status"
        content_type = http.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""  # type: ignore[attr-defined]
    if content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
        return "warc-not-html"
    return None


def load(item: SourceItem, limits: Limits, fields: JsonlFields) -> Loaded:
    """The unit's raw page bytes and URL; Rejected when they cannot be had."""
    if item.kind == "file":
        return Loaded(read_bytes(item.path, limits), None)
    if item.kind == "warc":
        return Loaded(_warc_payload(item, limits), item.url)
    if item.kind == "jsonl":
        return _jsonl_page(item, limits, fields)
    raise Rejected("unreadable", item.detail)


def _warc_payload(item: SourceItem, limits: Limits) -> bytes:
    try:
        with open(item.path, "rb") as stream:
            stream.seek(item.offset)
            record = next(iter(ArchiveIterator(stream)))
            # content_stream undoes chunked transfer and gzip/brotli content encodings.
            data = record.content_stream().read(limits.max_bytes + 1)
    except (OSError, ArchiveLoadFailed, StopIteration, ValueError) as error:
        raise Rejected("unreadable", f"the WARC record could not be read: {error}") from error
    if len(data) > limits.max_bytes:
        raise Rejected("too-large", f"the WARC record's payload is over the limit of {limits.max_bytes:,} bytes")
    return data


def _jsonl_page(item: SourceItem, limits: Limits, fields: JsonlFields) -> Loaded:
    try:
        with open(item.path, "rb") as stream:
            stream.seek(item.offset)
            line = stream.readline(limits.max_bytes + 1)
    except OSError as error:
        raise Rejected("unreadable", f"line {item.line} could not be read: {error.strerror or error}") from error
    if len(line) > limits.max_bytes:
        raise Rejected("too-large", f"line {item.line} is over the limit of {limits.max_bytes:,} bytes")
    try:
        value = json.loads(line)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        raise Rejected("parse-error", f"line {item.line} is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise Rejected("parse-error", f"line {item.line} is not a JSON object")
    page = value.get(fields.html) or value.get(fields.text)
    if not isinstance(page, str):
        raise Rejected("parse-error", f"line {item.line} has no string field {fields.html!r} or {fields.text!r}")
    url = value.get(fields.url)
    return Loaded(page.encode("utf-8"), url if isinstance(url, str) and url else None)
