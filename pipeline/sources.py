"""Sources: the input units of a run (page files, WARC records, JSON Lines lines) as small references.

Enumeration runs in the calling process and only finds where each unit starts; the bytes
are loaded by whoever processes the unit (`load`), so a unit crosses a process or machine
boundary as a few dozen bytes. Units come out in a fixed order: the inputs as given,
folders walked sorted, records and lines in file order.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader

from pipeline.decode import CONTROL_BYTES
from pipeline.read import GZIP_MAGIC, Limits, discover, is_jsonl_name, is_warc_name, printable_path, read_bytes
from pipeline.rejects import Rejected, RejectReason

SourceKind = Literal["file", "warc", "jsonl", "broken"]
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_COMPRESSED_JSONL = ("a gzip-compressed JSON Lines file is not read: decompress it (gunzip -k FILE) and give the "
                     "JSON Lines file")
_WIDE_JSONL = ("the JSON Lines file is in UTF-16 or UTF-32 (its byte-order mark says so; PowerShell's `>` writes "
               "such files), which is not read: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8 FILE)")
# The opening of a payload searched for the control bytes compressed data has and text has not.
_TEXT_SAMPLE = 4096
# JSON Lines are scanned in pieces of this size, so one huge line never sits in memory whole.
_LINE_PIECE = 1 << 20


@dataclass(frozen=True, slots=True)
class JsonlFields:
    """Field names of scraper JSON Lines: a page is `html` (markup) or `text` (plain text)."""

    url: str = "url"
    html: str = "html"
    text: str = "text"


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One input unit. `offset` is the byte offset of a WARC record or JSON line, `line` its
    1-based line number; `reason` and `detail` say why a `broken` unit (an unreadable or
    empty container, a truncated record) gives no page."""

    kind: SourceKind
    path: str
    offset: int = 0
    line: int = 0
    url: str | None = None
    detail: str = ""
    reason: RejectReason = "unreadable"

    @property
    def key(self) -> str:
        """The unit's name in `source.path`, rejects and the journal: the scorer takes the part before '#'.
        `path` is what opens the file; the key is its printable form (see `printable_path`)."""
        path = printable_path(self.path)
        if self.kind == "jsonl":
            return f"{path}#line={self.line}"
        if self.kind == "warc" or (self.kind == "broken" and self.offset):
            return f"{path}#offset={self.offset}"
        return path


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
    escaped_paths: list[str] = field(default_factory=list)  # printable forms of paths that are not UTF-8
    exclude: Path | None = None  # the run's output folder: its own files are never inputs
    excluded_files: list[str] = field(default_factory=list)
    duplicate_inputs: int = 0

    def __iter__(self) -> Iterator[SourceItem]:
        found = discover(self.inputs, own_output=self.exclude)
        self.skipped_files.extend(self._printable(path) for path in found.skipped)
        self.excluded_files.extend(self._printable(path) for path in found.excluded)
        self.duplicate_inputs += found.duplicates
        for path in found.paths:
            self._printable(path)
            if not _is_regular_file(path):
                # A pipe named like an archive would block its opening for good: as a file it is
                # rejected unread by `read_bytes`, like any path that is not a regular file.
                yield SourceItem("file", path)
            elif is_warc_name(path):
                yield from self._warc_records(path)
            elif is_jsonl_name(path):
                yield from self._jsonl_lines(path)
            else:
                yield SourceItem("file", path)
        for folder, detail in found.unlisted:
            self._printable(folder)
            yield SourceItem("broken", folder, detail=detail)

    def _printable(self, path: str) -> str:
        printable = printable_path(path)
        if printable != path:
            self.escaped_paths.append(printable)
        return printable

    def _warc_records(self, path: str) -> Iterator[SourceItem]:
        found = 0
        try:
            with open(path, "rb") as stream:
                compressed = stream.read(len(GZIP_MAGIC)) == GZIP_MAGIC
                start: int | None = 0
                while start is not None:
                    stream.seek(start)
                    broke = yield from self._warc_run(path, stream)
                    found += broke.records
                    if broke.offset is None:
                        break
                    # One bad stretch (a wrong Content-Length, bytes spliced between records, a damaged gzip
                    # member) cost every record after it: reading goes on at the next record that parses.
                    start = _next_record_start(stream, broke.offset + 1, compressed)
                    where = (f"reading goes on at the next record, at offset {start:,}" if start is not None
                             else "no record follows: the rest is not read")
                    yield SourceItem("broken", path, offset=broke.offset, detail=f"{broke.why}; {where}"[:500])
                    found += 1  # the stretch's reject stands for the file when no record was read
                if not found:
                    yield _no_records(path, empty=stream.seek(0, 2) == 0)
        except OSError as error:
            yield SourceItem("broken", path, detail=f"the file could not be read: {error.strerror or error}")

    def _warc_run(self, path: str, stream: BinaryIO) -> Generator[SourceItem, None, _BrokenAt]:
        """The units of the records from the stream's position on, until the end or the first one that cannot
        be read (whose offset and why are returned)."""
        records: ArchiveIterator | None = None
        seen = 0
        try:
            records = ArchiveIterator(stream)
            for record in records:
                seen += 1
                warned = records.err_count
                offset = records.get_record_offset()  # reads the record to its end
                if record.format != "warc" or record.rec_type is None:
                    # warcio reads almost any text as records (of the older ARC format when nothing else
                    # fits): one reject for the stretch, not one per line of garbage.
                    return _BrokenAt(seen, offset, "not a WARC record (no WARC version line or WARC-Type)")
                if records.err_count > warned:  # warcio found no blank line after the record's Content-Length
                    return _BrokenAt(seen, offset, "the WARC record does not end where its Content-Length says "
                                                   "(the bytes there are no record boundary)")
                if damage := _damage(record):
                    # A reject whatever its type (its headers may be cut off too); a length that runs past
                    # the file may also have swallowed the records after it.
                    return _BrokenAt(seen, offset, damage)
                if skip := _warc_skip_reason(record):
                    self.skipped_units[skip] += 1
                else:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    yield SourceItem("warc", path, offset=offset, url=url)
        except Exception as error:  # warcio raises AttributeError, ValueError, ... on hostile bytes, not only its own
            # Its offset is where reading stopped, past every record already given: its key names no other unit.
            offset = records.offset if records is not None else stream.tell()
            return _BrokenAt(seen, offset, f"the WARC file cannot be read from here: {type(error).__name__}: {error}")
        return _BrokenAt(seen)

    def _jsonl_lines(self, path: str) -> Iterator[SourceItem]:
        number = 0
        try:
            with open(path, "rb") as stream:
                opening = stream.read(4)
                if opening.startswith(GZIP_MAGIC):
                    # Read as one page, its first line became a record of raw JSON and the others vanished; its
                    # lines cannot be reached one by one without expanding the whole file again for each.
                    yield SourceItem("broken", path, detail=_COMPRESSED_JSONL)
                    return
                if opening.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # UTF-32's marks start alike
                    # Split at its 0x0A bytes, each line began or ended inside a character: some lines were
                    # rejected as not JSON, others read by chance.
                    yield SourceItem("broken", path, detail=_WIDE_JSONL)
                    return
                stream.seek(0)
                for number, (offset, blank) in enumerate(_line_starts(stream), start=1):
                    if blank:
                        self.skipped_units["blank-jsonl-line"] += 1
                    else:
                        yield SourceItem("jsonl", path, offset=offset, line=number)
        except OSError as error:
            yield SourceItem("broken", path, detail=f"the file could not be read: {error.strerror or error}")
            return
        if not number:
            yield SourceItem("broken", path, detail="the JSON Lines file has no lines", reason="empty")


@dataclass(frozen=True, slots=True)
class _BrokenAt:
    """How far a run of readable WARC records went: how many were read, and where reading broke, and why."""

    records: int
    offset: int | None = None
    why: str = ""


# What a record starts with: a WARC version line, at the start of a line; in a WARC.gz, a gzip member.
_WARC_LINE = b"\nWARC/1."
_GZIP_MEMBER = GZIP_MAGIC + b"\x08"
_SCAN_PIECE = 1 << 20


def _next_record_start(stream: BinaryIO, after: int, compressed: bool) -> int | None:
    """The offset of the first record at or after `after` that parses as a WARC record, or None. Read once,
    in pieces; a candidate that does not parse (such bytes inside a payload) is passed over."""
    marker = _GZIP_MEMBER if compressed else _WARC_LINE
    skip = 0 if compressed else 1  # the line feed before the version line is the previous line's
    position = after - skip
    while (found := _find(stream, marker, position)) is not None:
        if _record_starts_at(stream, found + skip):
            return found + skip
        position = found + 1
    return None


def _find(stream: BinaryIO, marker: bytes, position: int) -> int | None:
    while True:
        stream.seek(position)
        piece = stream.read(_SCAN_PIECE)
        if len(piece) < len(marker):
            return None
        if (index := piece.find(marker)) >= 0:
            return position + index
        position += len(piece) - len(marker) + 1  # a marker across two pieces is found in the next


def _record_starts_at(stream: BinaryIO, offset: int) -> bool:
    stream.seek(offset)
    try:
        record = next(iter(ArchiveIterator(stream)))
    except Exception:  # any failure: no record starts here
        return False
    return record.format == "warc" and record.rec_type is not None


def _is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # missing or unreadable: the open below says why, as before
        return True


def _line_starts(stream: BinaryIO) -> Iterator[tuple[int, bool]]:
    """Each line's byte offset and whether it is blank, reading at most `_LINE_PIECE` bytes at a time."""
    start = position = 0
    blank = True
    while piece := stream.readline(_LINE_PIECE):
        position += len(piece)
        blank = blank and not piece.strip()
        if piece.endswith(b"\n"):
            yield start, blank
            start, blank = position, True
    if position > start:  # a last line without a line break
        yield start, blank


def _no_records(path: str, empty: bool) -> SourceItem:
    """The one unit of an archive in which no record was found, so that it does not vanish."""
    if empty:
        return SourceItem("broken", path, detail="the WARC file is empty", reason="empty")
    return SourceItem("broken", path, detail="the file holds no readable WARC record")


def _damage(record: Any) -> str | None:
    """Why a record's bytes cannot be trusted: no length, or the archive ends inside it."""
    if not isinstance(record.length, int) or record.length < 0:
        return "the WARC record has no valid Content-Length: where it ends is unknown"
    if getattr(record.raw_stream, "limit", 0) > 0:  # its reader, read to the end, still expects bytes
        return "the WARC record is cut short: its Content-Length runs past the end of the file (or of its gzip member)"
    return None


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
    raise Rejected(item.reason, item.detail)


def _warc_payload(item: SourceItem, limits: Limits) -> bytes:
    try:
        with open(item.path, "rb") as stream:
            stream.seek(item.offset)
            record = next(iter(ArchiveIterator(stream)))
            # content_stream undoes chunked transfer and the content encodings warcio has a decompressor for.
            data = record.content_stream().read(limits.max_bytes + 1)
            encoding = _undecodable_encoding(record)
    except Exception as error:  # warcio and its decompressors raise many kinds on hostile bytes
        detail = f"the WARC record could not be read: {type(error).__name__}: {error}"[:500]
        raise Rejected("unreadable", detail) from error
    if len(data) > limits.max_bytes:
        raise Rejected("too-large", f"the WARC record's payload is over the limit of {limits.max_bytes:,} bytes")
    if encoding and CONTROL_BYTES.search(data, 0, _TEXT_SAMPLE):
        # warcio hands such a payload on as it is: compressed bytes, which decode called binary ("NUL bytes").
        # A payload that reads as text is one the crawler stored decoded under its original header.
        known = ", ".join(sorted(name for name in BufferedReader.get_supported_decompressors() if "_" not in name))
        raise Rejected("decode-error", f"the payload is compressed with Content-Encoding {encoding!r}, which cannot "
                                       f"be undone here (known: {known}; `pip install brotli` adds br)"[:500])
    return data


def _undecodable_encoding(record: Any) -> str | None:
    """The response's Content-Encoding when warcio has no decompressor for it (br without the brotli package,
    zstd, a list such as 'gzip, br'); None for none, identity or one it undoes."""
    http = record.http_headers
    encoding = (http.get_header("Content-Encoding") or "").strip().lower() if http else ""
    if encoding in ("", "identity") or encoding in BufferedReader.get_supported_decompressors():
        return None
    return encoding


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
        # Numbers are read as floats: no field the pipeline reads is a number, and an integer of more than
        # 4,300 digits in any field would otherwise make the whole line "not JSON" (Python's int limit).
        value = json.loads(line, parse_int=float)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        raise Rejected("parse-error", f"line {item.line} is not JSON: {error}") from error
    except RecursionError as error:  # valid JSON nested deeper than the parser's stack: one line, not the batch
        raise Rejected("parse-error", f"line {item.line} nests its JSON deeper than it can be read") from error
    if not isinstance(value, dict):
        raise Rejected("parse-error", f"line {item.line} is not a JSON object")
    pages = [value.get(fields.html), value.get(fields.text)]
    page = next((text for text in pages if isinstance(text, str) and text), None)
    if page is None:
        if "" in pages:
            raise Rejected("empty", f"line {item.line} has an empty {fields.html!r} / {fields.text!r} field")
        raise Rejected("parse-error", f"line {item.line} has no string field {fields.html!r} or {fields.text!r}")
    try:
        data = page.encode("utf-8")
    except UnicodeEncodeError as error:  # JSON can spell lone surrogates ("\\ud800"), which are no text
        raise Rejected("decode-error", f"line {item.line} has a broken character escape: {error.reason}") from error
    url = value.get(fields.url)
    if not isinstance(url, str) or not url:
        return Loaded(data, None)
    # A lone surrogate ("\\ud800" in the JSON) is no text any writer accepts: it is written as that escape.
    return Loaded(data, url.encode("utf-8", "backslashreplace").decode("utf-8"))
