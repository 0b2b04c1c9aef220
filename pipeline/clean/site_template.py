"""Site-level template learning: text blocks that recur on most pages of one site are its template.

Three steps, each a plain function or small class with typed inputs and outputs, so that
the batch code can run the first as a map on any executor and the second in the parent:

1. `page_fingerprint` (map, one page): the site of the page (`site_of`) and the hashes of
   its block texts, read from a cheap lxml parse (no extraction).
2. `TemplateCounter` (reduce, in the parent): on how many pages of each site each hash
   occurs; `templates()` keeps the hashes found on at least `min_share` of a site's pages
   and on at least `min_pages` pages (site_template_rules.json), as `SiteTemplates`.
3. `drop_template_blocks` (clean stage, one page): drops the extracted blocks whose hash is
   in the page's site template, with reason `site-template`, guarding the entry's own text.

`SiteTemplates` travels to the workers with the work settings; its per-site `digest` is
stored with each unit in the run journal, so `--resume` redoes exactly the units whose
site template changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from lxml import etree

from pipeline.clean.blocks import Block, Removal
from pipeline.clean.chrome import BOLD_LABEL_CHARS
from pipeline.segment import load_aliases

_RULES_PATH = Path(__file__).with_name("site_template_rules.json")
_WORDS = re.compile(r"\w+")
_SITE_PREFIX = "www."


@dataclass(frozen=True, slots=True)
class _Rules:
    min_share: float
    min_pages: int
    min_chars: int
    max_chars: int
    prune_every_pages: int
    block_tags: frozenset[str]
    skip_tags: frozenset[str]


@cache
def _rules() -> _Rules:
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    return _Rules(
        min_share=float(data["min_share"]["value"]),
        min_pages=int(data["min_pages"]["value"]),
        min_chars=int(data["min_chars"]["value"]),
        max_chars=int(data["max_chars"]["value"]),
        prune_every_pages=int(data["prune_every_pages"]["value"]),
        block_tags=frozenset(data["block_tags"]["value"]),
        skip_tags=frozenset(data["skip_tags"]["value"]),
    )


def site_of(url: str | None, key: str) -> str:
    """The site a page belongs to: the host of its URL (the source's own URL, else the page's
    canonical link or og:url), without a leading 'www.'. A page without a URL belongs to the
    folder it was read from (a saved crawl of one site is one folder), a WARC record or JSON
    line to its container file; a folder of unrelated pages shares no text on half its pages,
    so it learns no template."""
    if url:
        try:
            host = (urlsplit(url.strip()).hostname or "").lower()
        except ValueError:  # a malformed URL ("http://[") names no site
            host = ""
        if host:
            return "host:" + host.removeprefix(_SITE_PREFIX)
    path = key.split("#", 1)[0]
    if "#" in key:
        return "file:" + path
    return "folder:" + str(PurePosixPath(path).parent)


def text_hash(text: str) -> int | None:
    """The hash of a block's words (case, spacing and punctuation aside), or None when the text
    is too short or too long to be judged (site_template_rules.json)."""
    rules = _rules()
    if len(text) < rules.min_chars:  # its words are no longer (but for casefold's rare ß -> ss): not worth normalising
        return None
    words = " ".join(_WORDS.findall(text.casefold()))
    if not rules.min_chars <= len(words) <= rules.max_chars:
        return None
    return int.from_bytes(hashlib.blake2b(words.encode("utf-8"), digest_size=8).digest(), "big")


def html_block_hashes(root: etree._Element) -> frozenset[int]:
    """Hashes of the text of every block-level element of the tree, each text node counted in the
    block nearest around it (so the walk is linear in the page), and of each <br>-separated line."""
    rules = _rules()
    hashes: set[int] = set()
    stack: list[list[str]] = [[]]  # the text pieces of each open block
    lines: list[list[str]] = [[]]  # the current <br>-separated line of each open block
    skipping = 0

    def emit(pieces: list[str]) -> None:
        if pieces and (value := text_hash(" ".join(pieces))) is not None:
            hashes.add(value)

    def add(text: str | None) -> None:
        if text and not skipping:
            stack[-1].append(text)
            lines[-1].append(text)

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in rules.skip_tags:
                skipping += 1
            elif tag in rules.block_tags:
                stack.append([])
                lines.append([])
            elif tag == "br" and lines[-1]:
                emit(lines[-1])  # a line of a <br>-separated block (the extractor splits there too)
                lines[-1] = []
            add(element.text)
            continue
        if tag in rules.skip_tags:
            skipping -= 1
        elif tag in rules.block_tags:
            pieces, line = stack.pop(), lines.pop()
            emit(pieces)
            if line and len(line) < len(pieces):
                emit(line)
        add(element.tail)
    emit(stack[0])
    return frozenset(hashes)


def block_hashes(blocks: Iterable[Block]) -> frozenset[int]:
    """Hashes of blocks that are already split (plain-text pages)."""
    return frozenset(value for block in blocks if (value := text_hash(block.text)) is not None)


@dataclass(frozen=True, slots=True)
class PageFingerprint:
    """What the map step reports for one page: its site and the hashes of its block texts."""

    site: str
    hashes: frozenset[int]


class SiteTemplates:
    """Per site, the hashes of its template texts. Immutable once built; pickled to the workers."""

    __slots__ = ("_digests", "_sets")

    def __init__(self, sets: Mapping[str, frozenset[int]] | None = None) -> None:
        self._sets = {site: frozenset(hashes) for site, hashes in (sets or {}).items() if hashes}
        self._digests = {site: _digest(hashes) for site, hashes in self._sets.items()}

    def __getstate__(self) -> dict[str, frozenset[int]]:
        return self._sets

    def __setstate__(self, state: dict[str, frozenset[int]]) -> None:
        self.__init__(state)  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SiteTemplates) and self._sets == other._sets

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._digests.items())))

    def __len__(self) -> int:
        return len(self._sets)

    def hashes(self, site: str) -> frozenset[int]:
        return self._sets.get(site, frozenset())

    def digest(self, site: str | None) -> str | None:
        """A short name of the site's template set (None when the site has none): the journal keeps
        it per unit, so that a unit is reused only while its site's template is unchanged."""
        return self._digests.get(site) if site is not None else None

    def texts(self) -> int:
        """How many template texts there are over all sites."""
        return sum(len(hashes) for hashes in self._sets.values())


def _digest(hashes: frozenset[int]) -> str:
    hasher = hashlib.sha256()
    for value in sorted(hashes):
        hasher.update(value.to_bytes(8, "big"))
    return hasher.hexdigest()[:16]


@dataclass(slots=True)
class _SiteCounts:
    pages: int = 0
    counts: Counter[int] = field(default_factory=Counter)
    errors: dict[int, int] = field(default_factory=dict)  # lossy counting: pages a hash may have been missed on


class TemplateCounter:
    """The reduce step: counts, per site, the pages each block hash occurs on."""

    def __init__(self) -> None:
        self._sites: dict[str, _SiteCounts] = {}

    def add(self, page: PageFingerprint) -> None:
        site = self._sites.setdefault(page.site, _SiteCounts())
        site.pages += 1
        bucket = site.pages // _rules().prune_every_pages  # completed buckets before this page
        for value in page.hashes:
            if value not in site.counts:
                site.errors[value] = bucket
            site.counts[value] += 1
        if site.pages % _rules().prune_every_pages == 0:
            self._prune(site, bucket)

    @staticmethod
    def _prune(site: _SiteCounts, bucket: int) -> None:
        """Forget hashes whose count, even with the pages they may have been missed on, is at most
        one per bucket: they are far below any template share."""
        for value in [value for value, count in site.counts.items() if count + site.errors[value] <= bucket]:
            del site.counts[value], site.errors[value]

    def templates(self) -> SiteTemplates:
        rules = _rules()
        sets: dict[str, frozenset[int]] = {}
        for name, site in self._sites.items():
            needed = max(rules.min_pages, rules.min_share * site.pages)
            if site.pages >= rules.min_pages:
                sets[name] = frozenset(value for value, count in site.counts.items() if count >= needed)
        return SiteTemplates(sets)


def drop_template_blocks(
    blocks: list[Block], template: frozenset[int], term: str | None = None
) -> tuple[list[Block], list[Removal]]:
    """Drop the blocks whose text is in the site's template, in one pass plus one backward pass
    for headings. Guards, so that an entry never loses its own text to a text other pages share:
    - the page's lead (the first paragraph after its title heading, else its first paragraph),
      where the entry's definition sits, is kept even when other pages of the site quote it; so
      is the first paragraph under a heading that names a section kind ("Origin", "Mechanism",
      also as a bold label or a plain-text heading line): a site that words one section the same on every entry still
      has that section (a promo box later in the section still goes);
    - a block that names the page's term (`term`, its <h1>), and the text under a listed
      term (<dt>), are the entry's own;
    - a heading is dropped only when every block under it (to the next heading of its level or
      higher) is dropped too: 'Symptoms' over page-specific text is the entry's structure, a
      sidebar's 'Popular posts' over template links is template.
    """
    if not template or not blocks:
        return blocks, []
    hashed = [text_hash(block.text) in template for block in blocks]
    protected = _protected(blocks, term)
    drop = [is_template and not guard for is_template, guard in zip(hashed, protected, strict=True)]
    _keep_headings_over_own_text(blocks, drop)
    kept = [block for block, dropped in zip(blocks, drop, strict=True) if not dropped]
    removed = [Removal.of_text("site-template", block.text, rule="text on most pages of the site")
               for block, dropped in zip(blocks, drop, strict=True) if dropped]
    return kept, removed


@dataclass(slots=True)
class _OpenHeading:
    index: int
    level: int
    scope_dropped: bool = True  # every block under it so far is dropped


def _keep_headings_over_own_text(blocks: list[Block], drop: list[bool]) -> None:
    """Keep a template heading unless every block in its scope is dropped (one forward pass; a
    heading's verdict is final when its scope closes and then counts for the heading above it)."""
    open_headings: list[_OpenHeading] = []

    def close(heading: _OpenHeading) -> None:
        drop[heading.index] = drop[heading.index] and heading.scope_dropped
        if open_headings:
            open_headings[-1].scope_dropped = open_headings[-1].scope_dropped and drop[heading.index]

    for index, block in enumerate(blocks):
        if block.role == "heading":
            level = block.level or 6
            while open_headings and open_headings[-1].level >= level:
                close(open_headings.pop())
            open_headings.append(_OpenHeading(index, level))
        elif open_headings:
            open_headings[-1].scope_dropped = open_headings[-1].scope_dropped and drop[index]
    while open_headings:
        close(open_headings.pop())


def _protected(blocks: list[Block], term: str | None) -> list[bool]:
    term_key = " ".join(_WORDS.findall(term.casefold())) if term else ""
    protected = [bool(term_key) and term_key in " ".join(_WORDS.findall(block.text.casefold())) for block in blocks]
    title_at = next((i for i, block in enumerate(blocks) if block.role == "heading" and term_key
                     and " ".join(_WORDS.findall(block.text.casefold())) == term_key), None)
    start = 0 if title_at is None else title_at + 1
    lead = next((i for i in range(start, len(blocks)) if blocks[i].role == "paragraph"), None)
    if lead is not None:
        protected[lead] = True
    aliases = load_aliases()
    for index, block in enumerate(blocks[:-1]):
        if block.role == "term":
            protected[index] = protected[index + 1] = True
        elif _is_heading_line(block) and aliases.kind_of(block.text) is not None:
            opening = next((i for i in range(index + 1, len(blocks)) if not _is_heading_line(blocks[i])), None)
            if opening is not None:
                protected[opening] = True
    return protected


def _is_heading_line(block: Block) -> bool:
    """A heading, or a line short enough to stand for one: a bold label, a plain-text page's heading line."""
    return block.role == "heading" or len(block.text) <= BOLD_LABEL_CHARS
