"""Segment stage: cleaned blocks -> glossary entries, each a term and its sections.

Headings are recognised in every form the contract lists (h2-h6, bold-only paragraphs,
heading lines in plain text, run-in labels "Origin: ..."), then mapped to section kinds
through `heading_aliases.json`. A page that lists several terms (a <dl>, or repeated
headings under a glossary-list title) gives one entry per term.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline.clean.blocks import Block, CleanedPage, normalize_space
from pipeline.model import SectionKind
from pipeline.read import page_stem

_ALIASES_PATH = Path(__file__).with_name("heading_aliases.json")

# A heading is short and is not a sentence; question headings ("What is X?") are allowed.
_MAX_HEADING_WORDS = 10
_SENTENCE_END = re.compile(r"[.!,;]$")
# A glossary term set in bold is at most this long, and a dash or colon separates it from its text.
_MAX_TERM_WORDS = 6
_TERM_SEPARATOR = re.compile(r"\s*(?:[—–:]|\s-)\s*(?=\S)")
_RUN_IN = re.compile(r"^(?P<label>[^.:!?]{2,60}?)\s*:\s+(?P<rest>\S.*)$", re.DOTALL)
# Letter headings of A-Z pages: "A", "B", "A–C", "0-9", "#".
_LETTER_HEADING = re.compile(r"^(?:[A-Z]|[A-Z]\s*[-–]\s*[A-Z]|0-9|#)$")
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||::|–|—|-|·|»)\s+|:\s+")
_MIN_ENTRY_WORDS = 12


@dataclass(slots=True)
class SectionDraft:
    kind: SectionKind
    heading: str | None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(slots=True)
class Entry:
    term: str
    sections: list[SectionDraft]
    unrecognised_headings: list[str] = field(default_factory=list)
    terms_on_page: int = 1


@dataclass(frozen=True, slots=True)
class NotAnEntry:
    """Why a page gave no glossary entry (becomes a `not-a-glossary-entry` reject)."""

    detail: str


# Tokens are plain slotted objects, not frozen ones (a frozen dataclass's __init__ costs three
# times as much, and a page makes one token per block). Nothing changes a token once made.
@dataclass(slots=True)
class _Heading:
    text: str
    level: int | None  # 1-6 for <hN>; None for bold paragraphs, text lines, run-in labels
    is_term: bool = False  # a <dt>


@dataclass(slots=True)
class _Text:
    text: str


_Token = _Heading | _Text


_MAX_CACHED_KINDS = 50_000


@dataclass(frozen=True, slots=True)
class HeadingAliases:
    exact: dict[str, SectionKind]
    patterns: list[tuple[re.Pattern[str], SectionKind]]
    apparatus: frozenset[str]
    title_suffix: re.Pattern[str]  # a site or "Meaning & Definition" suffix at the end of a title
    title_question: re.Pattern[str]  # "What is X?", "X: what it is": a title that names its term X
    part_of_speech_labels: frozenset[str]
    # kind_of by heading as written: a page asks about every short line, and repeats its lines
    _kinds: dict[str, SectionKind | None] = field(default_factory=dict, compare=False, repr=False)

    def kind_of(self, heading: str) -> SectionKind | None:
        if heading in self._kinds:
            return self._kinds[heading]
        key = heading_key(heading)
        kind = self.exact.get(key) or next((kind for pattern, kind in self.patterns if pattern.match(key)), None)
        if len(self._kinds) >= _MAX_CACHED_KINDS:
            self._kinds.clear()  # bounded: a long batch asks about many distinct lines
        self._kinds[heading] = kind
        return kind

    def is_apparatus(self, heading: str) -> bool:
        return heading_key(heading) in self.apparatus


@cache
def load_aliases(path: Path = _ALIASES_PATH) -> HeadingAliases:
    data = json.loads(path.read_text(encoding="utf-8"))
    exact: dict[str, SectionKind] = {}
    patterns: list[tuple[re.Pattern[str], SectionKind]] = []
    for kind, entry in data["kinds"].items():
        for heading in entry["headings"]:
            exact[heading_key(heading)] = kind
        patterns.extend((re.compile(p), kind) for p in entry["patterns"])
    return HeadingAliases(
        exact=exact,
        patterns=patterns,
        apparatus=frozenset(heading_key(h) for h in data["apparatus_headings"]["headings"]),
        title_suffix=re.compile(
            r"\s*(?:[:|–—\-]\s*)?(?:"
            + "|".join(re.escape(x) for x in sorted(data["title_suffixes"]["suffixes"], key=len, reverse=True))
            + r")$",
            re.IGNORECASE,
        ),
        part_of_speech_labels=frozenset(data["part_of_speech_labels"]["labels"]),
        title_question=re.compile(data["title_questions"]["pattern"], re.IGNORECASE),
    )


def heading_key(heading: str) -> str:
    """Comparison form of a heading: lower case, folded space, no trailing ':' or '?'."""
    return normalize_space(heading).lower().rstrip(" :?").strip()


def heading_as_written(heading: str) -> str:
    """The heading as the record shows it: a trailing colon dropped, a question mark kept."""
    return normalize_space(heading).rstrip(":").rstrip()


def segment(page: CleanedPage, source_name: str, plain_text: bool, as_list: bool = False) -> list[Entry] | NotAnEntry:
    """The page's entries: one per term when the page stage found a glossary list
    (`as_list`), else one entry for the whole page, whatever lists or FAQs it holds."""
    aliases = load_aliases()
    tokens = _tokenize(page.blocks, aliases, plain_text)
    if sum(len(t.text.split()) for t in tokens if isinstance(t, _Text)) < _MIN_ENTRY_WORDS:
        return NotAnEntry("the page has no entry text after cleaning (too little prose left)")

    if as_list:
        tokens = _with_run_in_terms(page.blocks, tokens, aliases, plain_text)
    groups = _split_terms(tokens, aliases) if as_list else None
    if groups:
        entries = [_build_entry(term, body, aliases) for term, body in groups]
        for entry in entries:
            entry.terms_on_page = len(entries)
    else:
        # Inside a single entry a definition list is content: each <dt> stays a line of the
        # section it sits in, never a section of its own.
        tokens = [_Text(t.text) if isinstance(t, _Heading) and t.is_term else t for t in tokens]
        term, tokens = _single_term(tokens, page, source_name, aliases, plain_text)
        entries = [_build_entry(term, tokens, aliases)]
    entries = [e for e in entries if any(s.paragraphs for s in e.sections)]
    if not entries:
        return NotAnEntry("no term on the page is followed by any text")
    if all(not _is_prose(e) for e in entries):
        return NotAnEntry("the page text is a list of links or labels, not a definition")
    return entries


def _is_prose(entry: Entry) -> bool:
    words = sum(len(p.split()) for s in entry.sections for p in s.paragraphs)
    sentences = sum(p.count(". ") + p.endswith(".") for s in entry.sections for p in s.paragraphs)
    return words >= _MIN_ENTRY_WORDS and sentences >= 1


def _tokenize(blocks: list[Block], aliases: HeadingAliases, plain_text: bool) -> list[_Token]:
    return list(_tokens(blocks, aliases, plain_text))


def _tokens(blocks: list[Block], aliases: HeadingAliases, plain_text: bool) -> Iterator[_Token]:
    for block in blocks:
        if block.text.lower() in aliases.part_of_speech_labels:
            continue
        if block.role == "heading":
            yield _Heading(block.text, block.level)
        elif block.role == "term":
            yield _Heading(block.text, None, is_term=True)
        elif block.all_bold and _looks_like_heading(block.text):
            yield _Heading(block.text, None)
        elif (run_in := _run_in_label(block, aliases)) is not None:
            label, rest = run_in
            yield _Heading(label, None)
            yield _Text(rest)
        elif _looks_like_heading(block.text) and (plain_text or aliases.kind_of(block.text) is not None):
            yield _Heading(block.text, None)
        else:
            yield _Text(block.text)


def _looks_like_heading(text: str) -> bool:
    return len(text.split()) <= _MAX_HEADING_WORDS and not _SENTENCE_END.search(text)


def run_in_term(block: Block) -> tuple[str, str] | None:
    """"<b>Adrenaline</b> — a hormone made ..." -> ("Adrenaline", "a hormone made ..."): a short
    bold name opening a paragraph, then a dash or colon, then its text. The entry form of
    glossary lists that set each term in bold at the start of its paragraph."""
    lead = block.bold_lead
    if block.role not in ("paragraph", "item") or not lead or block.all_bold or len(lead.split()) > _MAX_TERM_WORDS:
        return None
    if not block.text.startswith(lead):
        return None
    if load_aliases().kind_of(heading_as_written(lead)) is not None:
        return None  # "<b>Mechanism:</b> ..." is a run-in section label of one entry, not a listed term
    match = _TERM_SEPARATOR.match(block.text[len(lead):])
    if lead.endswith(":"):
        rest = block.text[len(lead):].strip()
        return (heading_as_written(lead), rest) if rest else None
    return (lead.strip(), block.text[len(lead) + match.end():].strip()) if match else None


def _run_in_label(block: Block, aliases: HeadingAliases) -> tuple[str, str] | None:
    """"Origin: The term ..." -> ("Origin", "The term ..."), when the label is a heading.

    A bold lead ending in ':' is a label whatever it says; an unformatted one only when it
    is a known section heading, so that ordinary sentences with a colon stay prose.
    """
    if block.bold_lead and block.bold_lead.endswith(":") and block.text.startswith(block.bold_lead):
        rest = block.text[len(block.bold_lead):].strip()
        if rest:
            return heading_as_written(block.bold_lead), rest
    match = _RUN_IN.match(block.text)
    if match and aliases.kind_of(match["label"]) is not None:
        return heading_as_written(match["label"]), match["rest"].strip()
    return None


def _split_terms(tokens: list[_Token], aliases: HeadingAliases) -> list[tuple[str, list[_Token]]] | None:
    """The terms of a glossary list: <dt> items, or repeated same-level term headings.

    Letter headings (A, B, ...) of A-Z pages are navigation: they end the previous term's
    text and are never terms themselves.
    """
    starts = [i for i, t in enumerate(tokens) if isinstance(t, _Heading) and t.is_term]
    if not starts:
        starts = _repeated_term_headings(tokens, aliases)
    if not starts:
        return None
    groups: list[tuple[str, list[_Token]]] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        heading = tokens[start]
        assert isinstance(heading, _Heading)
        body = [t for t in tokens[start + 1 : end] if not (isinstance(t, _Heading) and is_letter_heading(t.text))]
        groups.append((heading_as_written(heading.text), body))
    return groups


def _with_run_in_terms(
    blocks: list[Block], tokens: list[_Token], aliases: HeadingAliases, plain_text: bool
) -> list[_Token]:
    """On a glossary list without <dt> terms, paragraphs that open with a bold term become
    the term and its text (a list of "<b>Term</b> — text" paragraphs)."""
    if any(isinstance(t, _Heading) and t.is_term for t in tokens):
        return tokens
    if sum(run_in_term(b) is not None for b in blocks) < 2:
        return tokens
    rebuilt: list[_Token] = []
    for block in blocks:
        found = run_in_term(block)
        if found is None:
            rebuilt.extend(_tokenize([block], aliases, plain_text))
        else:
            rebuilt.extend((_Heading(found[0], None, is_term=True), _Text(found[1])))
    return rebuilt


def is_letter_heading(text: str) -> bool:
    return bool(_LETTER_HEADING.match(text))


def _repeated_term_headings(tokens: list[_Token], aliases: HeadingAliases) -> list[int]:
    by_level: dict[int, list[int]] = {}
    for i, token in enumerate(tokens):
        if isinstance(token, _Heading) and token.level and token.level > 1 and not is_letter_heading(token.text):
            by_level.setdefault(token.level, []).append(i)
    for level in sorted(by_level):
        positions = by_level[level]
        names = [tokens[i].text for i in positions]
        if len(positions) >= 2 and all(aliases.kind_of(n) is None and not n.endswith("?") for n in names):
            return positions
    return []


def entry_term(page: CleanedPage, source_name: str, plain_text: bool) -> str:
    """The term the page titles itself with, as a single entry would be named. It reads the first
    token and the first <h1> only: the page stage asks before the page is segmented."""
    aliases = load_aliases()
    first = next(_tokens(page.blocks, aliases, plain_text), None)
    heading_h1 = next((b.text for b in page.blocks if b.role == "heading" and b.level == 1
                       and b.text.lower() not in aliases.part_of_speech_labels), None)
    return _term(first, heading_h1, page, source_name, aliases, plain_text)


def _single_term(
    tokens: list[_Token], page: CleanedPage, source_name: str, aliases: HeadingAliases, plain_text: bool
) -> tuple[str, list[_Token]]:
    """The entry's term, and the tokens with any leading title heading removed."""
    heading_h1 = next((t.text for t in tokens if isinstance(t, _Heading) and t.level == 1), None)
    term = _term(tokens[0] if tokens else None, heading_h1, page, source_name, aliases, plain_text)
    # The title heading is the term, not a section heading.
    while tokens and isinstance(tokens[0], _Heading) and (
        tokens[0].level == 1 or heading_key(strip_title_suffix(tokens[0].text, aliases)) == heading_key(term)
    ):
        tokens = tokens[1:]
    return term, tokens


def _term(
    first: _Token | None, heading_h1: str | None, page: CleanedPage, source_name: str, aliases: HeadingAliases,
    plain_text: bool,
) -> str:
    """The term, from the page's metadata, its first <h1>, its first token, its title or its file name."""
    meta = page.meta
    candidates = [
        *meta.defined_terms[:1],
        *([heading_h1] if heading_h1 else []),
        *[h for h in meta.h1 if meta.title and strip_title_suffix(h, aliases).lower() in meta.title.lower()],
        *meta.h1[:1],
    ]
    term = next((title_term(c, aliases) for c in candidates if c), None)
    if (
        term is None
        and isinstance(first, _Heading)
        and aliases.kind_of(first.text) is None
        and (plain_text or (meta.title and heading_key(first.text) in meta.title.lower()))
    ):
        term = heading_as_written(first.text)
    if term is None and meta.title:
        term = title_term(_TITLE_SEPARATORS.split(meta.title)[0], aliases) or None
    if term is None:
        term = _term_from_file_name(source_name)
    return term


def title_term(title: str, aliases: HeadingAliases) -> str:
    """The term a title names: 'What is Oxytocin?' -> 'Oxytocin', then without its suffix."""
    text = normalize_space(title)
    question = aliases.title_question.match(text)
    if question:
        text = normalize_space(question["asked"] or question["named"])
    return strip_title_suffix(text, aliases)


def strip_title_suffix(title: str, aliases: HeadingAliases) -> str:
    """'Estrogen Dominance: Meaning & Definition' -> 'Estrogen Dominance'."""
    text = normalize_space(title)
    match = aliases.title_suffix.search(text)
    if match and match.start() > 0:
        return text[: match.start()].rstrip(" :|–—-")
    return text


def _term_from_file_name(source_name: str) -> str:
    words = re.split(r"[-_\s]+", page_stem(source_name))
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def _build_entry(term: str, tokens: list[_Token], aliases: HeadingAliases) -> Entry:
    sections = [SectionDraft("definition", None)]
    unrecognised: list[str] = []
    skipping_apparatus = False
    for token in tokens:
        if isinstance(token, _Heading):
            if aliases.is_apparatus(token.text):
                skipping_apparatus = True
                continue
            skipping_apparatus = False
            heading = heading_as_written(token.text)
            kind = aliases.kind_of(heading)
            if kind == "definition" and sections[-1].kind == "definition" and not sections[-1].paragraphs:
                sections[-1].heading = heading
                continue
            if kind is None:
                unrecognised.append(heading)
            sections.append(SectionDraft(kind or "other", heading))
        elif not skipping_apparatus:
            sections[-1].paragraphs.append(token.text)
    return Entry(term=term, sections=[s for s in sections if s.paragraphs], unrecognised_headings=unrecognised)
