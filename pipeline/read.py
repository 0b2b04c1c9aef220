"""Read stage: find the input files and load their bytes, undoing gzip within limits."""

from __future__ import annotations

import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.rejects import Rejected

# File names the pipeline picks up when it walks a folder; a file named on the command
# line is always read, and its content decides what it is.
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".txt")
# Containers of many pages: web archives and scraper JSON Lines (see pipeline/sources.py).
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 20_000_000  # raw file size
    max_decompressed_bytes: int = 50_000_000  # a gzip bomb stops here


# The names a run writes in its output folder (its state and results folders are hidden): never
# inputs, even when the output folder lies inside an input folder or is one.
RUN_OUTPUT_NAMES = re.compile(r"records\.jsonl|rejects\.jsonl|run\.json|current|records-\d{5,}\.parquet|"
                              r"audit\.html|audit\.json")


@dataclass(frozen=True, slots=True)
class Discovered:
    paths: list[str]
    skipped: list[str]  # files in walked folders that are neither pages nor containers by their name
    excluded: list[str] = field(default_factory=list)  # the run's own output files, found among the inputs
    duplicates: int = 0  # paths that name a file already found (given twice, or named and walked)
    # folders in a walk that could not be listed and paths no file can have (path, why): each becomes an
    # unreadable reject, not a silent gap
    unlisted: list[tuple[str, str]] = field(default_factory=list)


def discover(inputs: Iterable[str], own_output: Path | None = None) -> Discovered:
    """Expand folders recursively (sorted, hidden entries left out); keep files as given.
    Files of a run's own output folder `own_output` are left out and listed as excluded."""
    paths: list[str] = []
    skipped: list[str] = []
    excluded: list[str] = []
    output_folder = os.path.realpath(own_output) if own_output is not None else None
    seen: set[str] = set()
    duplicates = 0
    unlisted: list[tuple[str, str]] = []
    for given in inputs:
        if "\0" in given:  # an API caller's or a list's mistake; every os call would raise ValueError on it
            unlisted.append((given, "the path holds a NUL byte, which no file name can: check where it came from"))
            continue
        found = _walk(given, unlisted) if os.path.isdir(given) else [given]
        for path in found:
            same_file = os.path.realpath(path)
            if same_file in seen:  # given twice (or named and also inside a given folder): one unit
                duplicates += 1
                continue
            seen.add(same_file)
            if output_folder and RUN_OUTPUT_NAMES.fullmatch(os.path.basename(path)) and (
                os.path.realpath(os.path.dirname(path) or ".") == output_folder
            ):
                excluded.append(path)
            elif path is given or is_page_name(path) or is_warc_name(path) or is_jsonl_name(path):
                paths.append(path)
            else:
                skipped.append(path)
    return Discovered(paths, skipped, excluded, duplicates, unlisted)


def input_roots(inputs: Iterable[str]) -> list[str]:
    """The folders a run's source paths are relative to: each folder given, and the deepest folder that holds
    every file given by name (one for relative paths, one for absolute ones). Recorded in run.json, so that
    `diff` can match the sources of two runs over two copies of a folder by their path inside it."""
    roots: dict[str, None] = {}
    file_folders: dict[bool, set[str]] = {True: set(), False: set()}  # by whether the path is absolute
    for given in inputs:
        path = os.path.normpath(given)
        if os.path.isdir(path):  # as `discover` decides: a link to a folder given by name is walked
            roots[printable_path(path)] = None
        else:
            file_folders[os.path.isabs(path)].add(os.path.dirname(path) or os.curdir)
    for folders in file_folders.values():
        if folders:
            roots[printable_path(os.path.commonpath(sorted(folders)) or os.curdir)] = None
    return list(roots)


def _walk(folder: str, unlisted: list[tuple[str, str]]) -> Iterator[str]:
    """Files, sorted; a link to a folder is not followed (it could loop) but given like a file,
    so that it ends as a reject or a skipped file instead of vanishing. A folder that cannot be
    listed (no permission, a path too long, gone) is added to `unlisted`: os.walk alone passes over it."""

    def note(error: OSError) -> None:
        unlisted.append((str(error.filename), f"the folder could not be listed: {error.strerror or error}"))

    for root, dirs, files in os.walk(folder, onerror=note):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        linked = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        for name in sorted([*files, *linked]):
            if not name.startswith("."):
                yield os.path.join(root, name)


def is_page_name(path: str) -> bool:
    name = Path(path).name.lower().removesuffix(".gz")
    return name.endswith(PAGE_SUFFIXES) or "." not in name


def is_warc_name(path: str) -> bool:
    return path.lower().endswith(WARC_SUFFIXES)


def is_jsonl_name(path: str) -> bool:
    """JSON Lines by the name, compressed or not (a compressed one is a reject that says how to read it)."""
    return path.lower().removesuffix(".gz").endswith(JSONL_SUFFIXES)


def printable_path(path: str) -> str:
    """The path as text that JSON, Parquet and a terminal accept, from which its bytes can be had back.

    A path from the file system is a str in which bytes that are not UTF-8 are lone surrogates
    (Python's `surrogateescape`); no UTF-8 writer accepts those. A valid path is returned as it is.
    Otherwise each byte that is not part of a UTF-8 character becomes `\\xNN` and each backslash
    is doubled, so `codecs.escape_decode(printable.encode())[0]` gives the path's bytes back.
    """
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate that no file system byte gave (an API caller's string)
        raw = path.encode("utf-8", "surrogatepass")
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def page_stem(path: str) -> str:
    """The file name without its page and gzip suffixes: 'a/b-c.html.gz' -> 'b-c'."""
    name = Path(path).name
    for suffix in (".gz", *PAGE_SUFFIXES):
        name = name.removesuffix(suffix)
    return name


def read_bytes(path: str, limits: Limits) -> bytes:
    """The file's raw bytes (gzip is undone later, by `gunzip`); Rejected when over the size limit."""
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            # A link to a folder met in a walk (links to folders are not followed: they could loop).
            raise Rejected("unreadable", "the path is a link to a folder, which is not followed (it could loop): "
                                         "give the folder itself as an input to process it")
        if not stat.S_ISREG(status.st_mode):
            # Opening a FIFO would block the worker for good; a device can be endless (/dev/zero).
            raise Rejected("unreadable", "the path is not a regular file (a pipe, socket or device)")
        size = status.st_size
        if size > limits.max_bytes:
            raise Rejected("too-large", f"the file has {size:,} bytes, over the limit of {limits.max_bytes:,}")
        with open(path, "rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as error:
        raise Rejected("unreadable", f"the file could not be read: {error.strerror or error}") from error
    if len(data) > limits.max_bytes:  # grown since its size was checked (a crawler still writing it)
        raise Rejected("too-large", f"the file has grown past the limit of {limits.max_bytes:,} bytes as it was read")
    return data


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress in bounded steps, so a decompression bomb is refused, not expanded."""
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as error:
        raise Rejected("decode-error", f"the gzip data is corrupt: {error}") from error
    if len(out) > limit or decompressor.unconsumed_tail:
        raise Rejected("decompressed-too-large", f"the gzip data expands past the limit of {limit:,} bytes")
    if not decompressor.eof:
        raise Rejected("decode-error", "the gzip data is truncated")
    return out
