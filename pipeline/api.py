"""One call from a page's bytes to its records or one reject, through every stage.

    >>> from pipeline.api import GlossaryPipeline
    >>> outcome = GlossaryPipeline().process(html_bytes, path="page.html")
    >>> outcome.records, outcome.reject

The command line, the local process pool and Dask all call `GlossaryPipeline.process`; the
expensive parts (the spaCy pipeline, rule files) are built once per `GlossaryPipeline`.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import chain, islice
from operator import attrgetter
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from pipeline import __version__
from pipeline.clean import MAX_DEPTH, CleanedPage, ParseError, TooDeep, clean_html, clean_text, parse_html_to_read
from pipeline.clean.consent import is_consent_text
from pipeline.clean.meta import declared_url
from pipeline.clean.plain_text import text_blocks
from pipeline.clean.site_template import (
    PageFingerprint,
    SiteTemplates,
    block_hashes,
    html_block_hashes,
    site_of,
)
from pipeline.decode import Decoded, decode
from pipeline.entities import EntityTagger, Mention
from pipeline.language import SAMPLE_CHARS, LanguageCheck
from pipeline.model import (
    Entity,
    EntityIds,
    PageEvidence,
    Provenance,
    Quality,
    QualityWarning,
    Record,
    Reject,
    RejectSource,
    RemovedText,
    Section,
    Source,
)
from pipeline.read import GZIP_MAGIC, Limits, gunzip, printable_path
from pipeline.rejects import Rejected, RejectReason
from pipeline.segment import Entry, NotAnEntry, segment
from pipeline.stages.page_kind import PageVerdict, classify

_PACKAGE_DIR = Path(__file__).parent
# Rule and lexicon files whose content changes what a run produces: part of the config hash.
_RULE_FILES = (
    "heading_aliases.json", "clean/consent_rules.json", "clean/chrome_rules.json", "clean/signal_rules.json",
    "clean/styled_headings.json", "clean/payload_rules.json", "clean/reference_rules.json",
    "clean/site_template_rules.json",
    "stages/page_kind_rules.json", "entities/lexicon.tsv", "entities/never_tag.tsv", "entities/ambiguous_context.tsv",
    "entities/name_rules.tsv", "entities/salt_ester_suffixes.tsv", "entities/peptide_residues.tsv",
)
_SHORT_SECTION_WORDS = 12
_LONG_SECTION_WORDS = 1500
_LOW_TEXT_SHARE = 0.02
_MAX_REMOVED_LISTED = 30
# A record lists at most this many mentions: each costs a validated object in memory and in the
# output, and an entry names its substances tens of times, not tens of thousands (a page that
# repeats one word 100,000 times spent half its time building them). Past it, a warning says so.
MAX_ENTITIES_LISTED = 10_000
_LABEL = attrgetter("label")
# Warnings of one code listed per record (a page of 30,000 headings has as many unrecognised ones);
# one more warning counts the rest.
_MAX_WARNINGS_PER_CODE = 20
_MENU_SEPARATORS = re.compile(r"\s[|•·›»/]\s")
_SENTENCE_PUNCTUATION_AT_END = re.compile(r"[.!?;:,]\s*$")
# The longest per-page limit (11 days): past about 1e9 s the timers overflow, and each page was an internal error.
MAX_SECONDS_PER_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    limits: Limits = field(default_factory=Limits)
    language: str = "en"
    # A pathological page must not stall a worker; 0 turns the limit off.
    max_seconds_per_page: float = 30.0
    # Decoded characters; a page this long is a dump, not a glossary entry.
    max_text_chars: int = 5_000_000
    # Element nesting (<html> is level 1); at most libxml2's own limit of 256.
    max_depth: int = MAX_DEPTH
    # Batches (`run`, `clean` on many pages) learn each site's template text from its other pages
    # and drop it (`site-template`); a single page is never affected.
    site_templates: bool = True

    def __post_init__(self) -> None:
        # Checked here, once, rather than failing every page as an internal error.
        if not 1 <= self.max_depth <= MAX_DEPTH:
            raise ValueError(f"max_depth must be between 1 and {MAX_DEPTH} (libxml2's own limit)")
        if not 0 <= self.max_seconds_per_page <= MAX_SECONDS_PER_PAGE:  # the timers overflow past about 1e9 s
            raise ValueError(f"max_seconds_per_page must be between 0 (no limit) and {MAX_SECONDS_PER_PAGE:,}")

    def digest(self) -> str:
        """A hash of the settings and rule files, so a record says which configuration made it."""
        hasher = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode())
        hasher.update(__version__.encode())
        for name in _RULE_FILES:
            path = _PACKAGE_DIR / name
            if path.exists():
                hasher.update(name.encode() + path.read_bytes())
        return hasher.hexdigest()[:16]


@dataclass(slots=True)
class Outcome:
    """What one input gave: records, or a reject; and the seconds each stage took."""

    records: list[Record]
    reject: Reject | None
    timings: dict[str, float] = field(default_factory=dict)
    site: str | None = None  # the site whose template was applied (None: no template step ran)
    template: str | None = None  # that template's digest (None: the site has none)


class GlossaryPipeline:
    def __init__(self, config: PipelineConfig | None = None, tagger: EntityTagger | None = None) -> None:
        self.config = config or PipelineConfig()
        self.tagger = tagger or EntityTagger()
        self.config_hash = self.config.digest()
        self.language_check = LanguageCheck(self.config.language)

    def process(
        self, data: bytes | str, path: str, url: str | None = None, templates: SiteTemplates | None = None
    ) -> Outcome:
        """The page's records or its reject. `templates`: the site templates learnt over the batch
        the page belongs to (`runner.run`); a page processed on its own has none."""
        path = printable_path(path)  # a file name that is not UTF-8 must not make the record unwritable
        # surrogatepass: a caller's string may hold lone surrogates; they become bytes that decode judges
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        sha256 = hashlib.sha256(raw).hexdigest()
        outcome = Outcome([], None)
        try:
            with _collector_paused, _deadline(self.config.max_seconds_per_page):
                outcome.records = self._records(raw, path, url, sha256, outcome, templates)
        except _PageTimeout:
            outcome.reject = self.reject(path, url, sha256, "timeout", _timeout_detail(self.config))
        except Rejected as rejected:
            outcome.reject = self.reject(path, url, sha256, rejected.reason, rejected.detail, rejected.page_kind)
        except Exception as error:  # a bug on one page must not stop the batch
            detail = f"the pipeline failed on this input: {type(error).__name__}: {error}"
            outcome.reject = self.reject(path, url, sha256, "internal-error", detail[:500])
        return outcome

    def _records(
        self, raw: bytes, path: str, url: str | None, sha256: str, outcome: Outcome, templates: SiteTemplates | None
    ) -> list[Record]:
        timings = outcome.timings
        decoded, page = clean_page(raw, path, self.config, url, timings, templates)
        outcome.site, outcome.template = page.site, page.template
        plain_text = decoded.media_type == "text/plain"
        with _timed(timings, "page"):
            verdict = classify(page, _page_name(path, url), url, plain_text=plain_text)
            if not verdict.is_entry:
                # The text checks read English: a page in another language whose markup does not
                # already show what it is gets the language as its reason.
                if not verdict.structural:
                    self._check_language(page)
                raise Rejected("not-a-glossary-entry", verdict.detail(), page_kind=verdict.kind)
        with _timed(timings, "segment"):
            as_list = verdict.kind == "glossary-list"
            entries = segment(page, _page_name(path, url), plain_text=plain_text, as_list=as_list)
            if isinstance(entries, NotAnEntry):
                raise Rejected("not-a-glossary-entry", entries.detail, page_kind=verdict.fallback)
            self._check_language(page)
        with _timed(timings, "tag"):
            mentions = [self.tagger.tag_record([s.text for s in entry.sections]) for entry in entries]
        with _timed(timings, "validate"):
            source = Source(
                path=path,
                url=url or page.meta.canonical_url,
                sha256=sha256,
                media_type=decoded.media_type,
                encoding=decoded.encoding,
            )
            seen: Counter[str] = Counter()
            records = []
            for entry, entry_mentions in zip(entries, mentions, strict=True):
                # counted as the id hashes the term: "Cortisol" and "cortisol " are one term, two occurrences
                occurrence = seen[_term_key(entry.term)]
                seen[_term_key(entry.term)] += 1
                try:
                    records.append(self._record(entry, entry_mentions, page, decoded, source, occurrence, verdict))
                except ValidationError as error:
                    raise Rejected("internal-error", f"a record failed validation: {error}") from error
        return records

    def _check_language(self, page: CleanedPage) -> None:
        language = self.language_check.other_language(page.opening(SAMPLE_CHARS))
        if language is not None:
            wanted = "English" if self.config.language == "en" else repr(self.config.language)
            raise Rejected("not-english", f"the page text is in another language ({language!r}), not {wanted}")

    def _record(
        self,
        entry: Entry,
        mentions: list[list[Mention]],
        page: CleanedPage,
        decoded: Decoded,
        source: Source,
        occurrence: int,
        verdict: PageVerdict,
    ) -> Record:
        sections = [Section(kind=s.kind, heading=s.heading, text=s.text) for s in entry.sections]
        # One validated EntityIds per substance, not per mention: a page may name one substance 100,000 times.
        ids_of: dict[tuple[str | None, str | None], EntityIds] = {}
        # Only the first MAX_ENTITIES_LISTED are listed: the rest are only counted, without a Python step each.
        found = islice(((index, m) for index, section_mentions in enumerate(mentions) for m in section_mentions),
                       MAX_ENTITIES_LISTED)
        entities = [
            Entity(
                text=m.text,
                label=m.label,  # type: ignore[arg-type]
                labels=list(m.labels),  # type: ignore[arg-type]
                canonical=m.canonical,
                ids=ids_of.get((m.mesh, m.chebi)) or ids_of.setdefault((m.mesh, m.chebi), EntityIds(mesh=m.mesh,
                                                                                                    chebi=m.chebi)),
                source=m.source,
                section=index,
                start=m.start,
                end=m.end,
            )
            for index, m in found
        ]
        counts = Counter(map(_LABEL, chain.from_iterable(mentions)))
        first_text = {kind: next((s.text for s in sections if s.kind == kind), None) for kind in
                      ("definition", "origin", "mechanism")}
        return Record(
            id=_record_id(source, entry.term, occurrence),
            term=entry.term,
            page_kind="glossary-list" if verdict.kind == "glossary-list" else "entry",
            source=source,
            sections=sections,
            definition=first_text["definition"],
            origin=first_text["origin"],
            mechanism=first_text["mechanism"],
            entities=entities,
            quality=_quality(entry, sections, counts, page, decoded, verdict),
            provenance=Provenance(pipeline_version=__version__, config_hash=self.config_hash),
        )

    def reject(
        self, path: str, url: str | None, sha256: str | None, reason: RejectReason, detail: str,
        page_kind: str | None = None,
    ) -> Reject:
        """A reject in this pipeline's format (also for inputs that never reached `process`)."""
        return Reject(
            source=RejectSource(path=path, url=url, sha256=sha256), reason=reason, detail=detail,
            page_kind=page_kind,  # type: ignore[arg-type]
        )


def clean_page(
    raw: bytes, path: str, config: PipelineConfig, url: str | None = None, timings: dict[str, float] | None = None,
    templates: SiteTemplates | None = None,
) -> tuple[Decoded, CleanedPage]:
    """The decode and clean stages: raw bytes to the page's kept blocks (Rejected on failure)."""
    timings = {} if timings is None else timings
    decoded = _decode_page(raw, path, config, timings)
    with _timed(timings, "clean"):
        if decoded.media_type == "text/plain":
            return decoded, clean_text(decoded.text, templates, path)
        try:
            return decoded, clean_html(decoded.text, url=url, max_depth=config.max_depth, templates=templates,
                                       path=path)
        except TooDeep as error:
            raise Rejected("too-deep", str(error)) from error
        except ParseError as error:
            raise Rejected("parse-error", f"the HTML could not be parsed: {error}") from error


def clean_page_in_time(
    raw: bytes, path: str, config: PipelineConfig, templates: SiteTemplates | None = None
) -> tuple[Decoded, CleanedPage]:
    """`clean_page` within the per-page time limit, as `GlossaryPipeline.process` runs it (Rejected `timeout`
    past it): for the clean stage run alone (the `clean` command, whose --timeout was not applied)."""
    try:
        with _collector_paused, _deadline(config.max_seconds_per_page):
            return clean_page(raw, path, config, templates=templates)
    except _PageTimeout:
        raise Rejected("timeout", _timeout_detail(config)) from None


def _timeout_detail(config: PipelineConfig) -> str:
    return f"processing took longer than the limit of {config.max_seconds_per_page:g} s"


def page_fingerprint(raw: bytes, path: str, config: PipelineConfig, url: str | None = None) -> PageFingerprint:
    """The site template map step for one page: its site and the hashes of its block texts, from
    a plain lxml parse (Rejected when the page cannot be decoded or parsed: it then counts for no site).
    The tree is only read, so it gets lxml's plain elements: the walk visits every one of them."""
    decoded = _decode_page(raw, path, config, {})
    if decoded.media_type == "text/plain":
        return PageFingerprint(site_of(url, path), block_hashes(text_blocks(decoded.text)))
    try:
        root = parse_html_to_read(decoded.text, max_depth=config.max_depth)
    except ParseError as error:
        raise Rejected("parse-error", f"the HTML could not be parsed: {error}") from error
    return PageFingerprint(site_of(url or declared_url(root), path), html_block_hashes(root))


def _decode_page(raw: bytes, path: str, config: PipelineConfig, timings: dict[str, float]) -> Decoded:
    """The decode stage, with the size limits before and after it."""
    limits = config.limits
    if len(raw) > limits.max_bytes:
        raise Rejected("too-large", f"the input has {len(raw):,} bytes, over the limit of {limits.max_bytes:,}")
    with _timed(timings, "decode"):
        unpacked = gunzip(raw, limits.max_decompressed_bytes) if raw.startswith(GZIP_MAGIC) else raw
        decoded = decode(unpacked, path)
    if len(decoded.text) > config.max_text_chars:
        detail = (f"the page has {len(decoded.text):,} characters, over the limit of {config.max_text_chars:,} "
                  f"decoded characters (a limit on text, apart from the {limits.max_bytes:,}-byte limit on raw bytes)")
        raise Rejected("text-too-long", detail)
    return decoded


def _page_name(path: str, url: str | None) -> str:
    """The name a page's term falls back to: the URL's last path segment when the page came
    with a URL (a WARC record or JSON line, whose path is 'crawl.warc.gz#offset=N'), else
    the file name."""
    if url:
        segment_name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        if segment_name:
            return unquote(segment_name)
    return path.split("#", 1)[0]


def _term_key(term: str) -> str:
    """The term as the id hashes it, and as the occurrences on a page are counted by."""
    return term.strip().lower()


def _record_id(source: Source, term: str, occurrence: int) -> str:
    """Same source (its URL, else its path) and same term give the same id in every run. Two inputs that name
    one URL would give the same ids: a run keeps the records of the first (`runner.RecordIdClaims`)."""
    key = f"{source.url or source.path}\x1f{_term_key(term)}\x1f{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _quality(
    entry: Entry, sections: list[Section], mention_counts: Counter[str], page: CleanedPage, decoded: Decoded,
    verdict: PageVerdict,
) -> Quality:
    removed_chars: Counter[str] = Counter()
    for removal in page.removed:
        removed_chars[removal.reason] += removal.chars
    warnings: list[QualityWarning] = []
    per_code: Counter[str] = Counter()

    def warn(code: str, message: str) -> None:
        per_code[code] += 1
        if per_code[code] <= _MAX_WARNINGS_PER_CODE:
            warnings.append(QualityWarning(code=code, message=message))

    if not any(s.kind == "definition" for s in sections):
        warn("no-definition", "the entry has no definition section")
    for index, section in enumerate(sections):
        words = len(section.text.split())
        label = section.heading or section.kind
        if words < _SHORT_SECTION_WORDS:
            warn("short-section", f"section {index} ({label}) has only {words} words")
        elif words > _LONG_SECTION_WORDS:
            warn("long-section", f"section {index} ({label}) has {words} words")
        paragraphs = set(section.text.split("\n\n"))  # each distinct line judged once: pages repeat lines
        if any(is_consent_text(paragraph) for paragraph in paragraphs):
            warn("consent-like-text", f"section {index} ({label}) still has text that reads like a consent banner")
        if any(_menu_like(paragraph) for paragraph in paragraphs):
            warn("menu-like-text", f"section {index} ({label}) has a line that reads like a menu or link list")
    for heading in entry.unrecognised_headings:
        warn("heading-not-recognised", f"heading {heading!r} matches no known section kind (kept as 'other')")
    if entry.terms_on_page > 1:
        warn("several-terms", f"the page lists {entry.terms_on_page} terms; this record is one of them")
    if decoded.media_type == "text/html" and page.markup_chars:
        share = page.text_chars / page.markup_chars
        if share < _LOW_TEXT_SHARE:
            warn("low-text-ratio", f"only {share:.1%} of the page's characters are kept text")
    for message in decoded.warnings:
        warn("charset-uncertain", message)
    if (mentions := sum(mention_counts.values())) > MAX_ENTITIES_LISTED:
        warn("entities-capped", f"the entry names substances {mentions:,} times; `entities` lists the first "
             f"{MAX_ENTITIES_LISTED:,}, `entity_counts` counts them all")
    if page.extractor == "linear":
        warn("linear-extraction", "the page has far more blocks than a real page, so its blocks were read in one "
             "linear walk instead of by trafilatura: boilerplate that only trafilatura would judge may remain")
    for code, times in per_code.items():
        if times > _MAX_WARNINGS_PER_CODE:
            more = times - _MAX_WARNINGS_PER_CODE
            warnings.append(QualityWarning(code=code, message=f"… and {more:,} more like these"))
    return Quality(
        kept_chars=sum(len(s.text) for s in sections),
        removed_chars=dict(sorted(removed_chars.items())),
        removed=[RemovedText(reason=r.reason, chars=r.chars, snippet=r.snippet) for r in page.removed][
            :_MAX_REMOVED_LISTED
        ],
        sections_found=list(dict.fromkeys(s.kind for s in sections)),
        entity_counts=dict(sorted(mention_counts.items())),
        warnings=warnings,
        page_evidence=[PageEvidence(code=e.code, kind=e.kind, weight=e.weight, fact=e.fact) for e in verdict.evidence],
        page_scores={kind: round(score, 2) for kind, score in verdict.scores.items() if score},
    )


def _menu_like(paragraph: str) -> bool:
    """A line of separated labels ("Home | Glossary | Hormones") or of capitalised words
    only, with no sentence punctuation: navigation that escaped the cleaner."""
    if len(paragraph) > 200 or _SENTENCE_PUNCTUATION_AT_END.search(paragraph):
        return False
    if len(_MENU_SEPARATORS.findall(paragraph)) >= 2:
        return True
    words = [w for w in paragraph.split() if w[:1].isalpha()]
    return len(words) >= 5 and sum(w[:1].isupper() for w in words) >= 0.9 * len(words)


class _CollectorPause:
    """The cyclic garbage collector off while pages are processed, on again when the last one is done.

    A dense page makes hundreds of thousands of objects that live until the page is done (a hit and a
    mention per substance named, a block per line). Each full collection while they pile up walks them
    all again: a quarter of the time of a 1 MB page of `<br>` lines, a sixth of one naming a substance
    every five characters. What a page leaves in reference cycles is collected after it, as usual.
    Counted, for pages processed in several threads at once; a collector the caller had turned off
    stays off.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages = 0
        self._enable_after = False

    def __enter__(self) -> None:
        with self._lock:
            if self._pages == 0:
                self._enable_after = gc.isenabled()
                gc.disable()
            self._pages += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._pages -= 1
            if self._pages == 0 and self._enable_after:
                gc.enable()


_collector_paused = _CollectorPause()


class _PageTimeout(BaseException):
    """Raised by the page deadline's alarm. A BaseException, so that the broad `except
    Exception` inside libraries (trafilatura has some) cannot swallow it."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the page after `seconds`.

    In the main thread (the command line, process-pool workers) SIGALRM does it. Signals reach
    only the main thread, so elsewhere (a Dask worker runs tasks in threads) a timer raises the
    timeout in the page's thread (`PyThreadState_SetAsyncExc`). Either way the exception
    arrives at the page's next Python instruction, between two calls into C.
    """
    if seconds <= 0:
        yield
    elif threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _thread_timer(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def interrupt(signum: int, frame: object) -> None:
        raise _PageTimeout

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _thread_timer(seconds: float) -> Iterator[None]:
    page_thread = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"finished": False, "fired": False}

    def expire() -> None:
        with lock:
            if not state["finished"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(page_thread, ctypes.py_object(_PageTimeout))
                state["fired"] = True

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["finished"] = True
            if state["fired"]:  # raised but not yet delivered: it must not hit whatever this thread runs next
                ctypes.pythonapi.PyThreadState_SetAsyncExc(page_thread, None)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
