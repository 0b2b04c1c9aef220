"""Entry text that only exists in a JSON payload, for pages whose visible body is a skeleton.

Client-rendered sites ship the entry as data (`<script id="__NEXT_DATA__">`, a
`window.__NUXT__ = {...}` literal, JSON-LD `articleBody`) and paint it with JavaScript; the
static HTML holds a loading skeleton. When the extracted text is that little, the payload's
rich text (Contentful, Portable Text, Slate, Strapi or ProseMirror trees) or HTML strings are
turned into heading and paragraph blocks instead. Plain JSON only: a script that is not a
JSON literal (Nuxt's function wrapper) is skipped, never evaluated. The work is bounded:
payloads over a size cap are skipped and the walk stops at a depth and a node count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, PageMeta, normalize_space
from pipeline.clean.dom import HEADING_TAGS, visible_text

_RULES_PATH = Path(__file__).with_name("payload_rules.json")

# A page whose extracted prose is under this many words shows a skeleton, not its entry: a
# loading shell has a title and a few labels, and the segmenter needs 12 words for an entry.
# (At 30, a news listing's one-line blurb was replaced by the site's JSON-LD description.)
SKELETON_MAX_WORDS = 12
# The payload replaces the skeleton only when it says clearly more.
_MIN_PAYLOAD_WORDS = 20
_MAX_PAYLOAD_CHARS = 2_000_000
_MAX_DEPTH = 64
_MAX_NODES = 200_000
# An HTML string in a payload: long enough to be body text, with paragraph or heading tags.
_MIN_HTML_CHARS = 80
_HTML_TAGS = re.compile(r"<(?:p|h[1-6]|li|br)\b", re.IGNORECASE)
_HTML_BLOCKS = (*HEADING_TAGS, "p", "li", "dd", "blockquote")
# "Anandamide | NeuroLex", "Cholecystokinin – Gut Hormone Guide": the site's name follows.
_TITLE_SITE_PART = re.compile(r"\s+[|–—-]\s+|\s*::\s*")
_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)


@dataclass(frozen=True, slots=True)
class _Rules:
    script_ids: frozenset[str]
    script_types: frozenset[str]
    globals: re.Pattern[str]
    text_fields: tuple[str, ...]
    heading_levels: dict[str, int]
    generic_headings: frozenset[str]
    paragraphs: frozenset[str]
    items: frozenset[str]


@cache
def _rules() -> _Rules:
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    names = "|".join(re.escape(name) for name in data["window_globals"]["names"])
    return _Rules(
        script_ids=frozenset(data["script_ids"]["ids"]),
        script_types=frozenset(data["script_types"]["types"]),
        globals=re.compile(rf"(?:window\.|self\.|\b)(?:{names})\s*=\s*"),
        text_fields=tuple(data["jsonld_text_fields"]["fields"]),
        heading_levels={name.lower(): int(level) for name, level in data["heading_types"]["levels"].items()},
        generic_headings=frozenset(data["heading_types"]["generic"]),
        paragraphs=frozenset(data["paragraph_types"]["types"]),
        items=frozenset(name.lower() for name in data["item_types"]["types"]),
    )


@dataclass(frozen=True, slots=True)
class PageScripts:
    """The texts of the page's scripts, read before extraction strips them from the tree, in
    document order: (text, whether the script is a data script, JSON as a whole).

    The payloads in them are looked for only when the page turns out to be a skeleton: most
    pages are not, and searching every inline script for the globals cost more than the rest of
    the payload step.
    """

    scripts: tuple[tuple[str, bool], ...]

    def payloads(self) -> list[str]:
        """The JSON texts: each data script's, and what follows each payload global's assignment."""
        rules = _rules()
        found = []
        for text, is_data in self.scripts:
            if is_data:
                found.append(text)
                continue
            for match in rules.globals.finditer(text):
                found.append(text[match.end():])  # raw_decode reads the literal and ignores what follows
        return found


def collect_payloads(root: HtmlElement) -> PageScripts:
    """The texts of the page's scripts that may hold a payload (read before extraction strips scripts)."""
    rules = _rules()
    scripts = []
    for script in root.iter("script"):
        text = script.text or ""
        if not text.strip() or len(text) > _MAX_PAYLOAD_CHARS:
            continue
        kind = (script.get("type") or "").lower().strip()
        scripts.append((text, kind in rules.script_types or script.get("id") in rules.script_ids))
    return PageScripts(tuple(scripts))


def fill_skeleton(blocks: list[Block], scripts: PageScripts, meta: PageMeta) -> list[Block]:
    """The payload's blocks in place of a skeleton's, or `blocks` unchanged.

    Only a text that names the page's subject (its <h1>, a term its JSON-LD defines, or the
    <title> before any site name) counts: payloads also carry shipping notes, menus and
    teasers of other pages.
    """
    visible_words = sum(len(block.text.split()) for block in blocks if block.role != "heading")
    if visible_words >= SKELETON_MAX_WORDS:
        return blocks
    payloads = scripts.payloads()
    if not payloads:
        return blocks
    subjects = _subjects(meta)
    best: list[Block] = []
    for payload in payloads:
        data = _json_value(payload)
        if data is None:
            continue
        for candidate in _candidates(data):
            if _chars(candidate) > _chars(best) and _names_subject(candidate, subjects):
                best = candidate
    if sum(len(block.text.split()) for block in best if block.role != "heading") < max(
        _MIN_PAYLOAD_WORDS, 2 * visible_words
    ):
        return blocks
    # the skeleton's own headings that open it (the term's <h1>) stay in front
    leading = []
    for block in blocks:
        if block.role != "heading":
            break
        leading.append(block)
    seen = {block.text.lower() for block in leading}
    return leading + [block for block in best if not (block.role == "heading" and block.text.lower() in seen)]


# An entry's JSON-LD defines its own term, a list's a set of terms: the first few are enough to
# recognise the subject, and every candidate text is tested against each subject.
_MAX_DEFINED_SUBJECTS = 10


def _subjects(meta: PageMeta) -> list[str]:
    names = [*meta.h1[:_MAX_DEFINED_SUBJECTS], *meta.defined_terms[:_MAX_DEFINED_SUBJECTS]]
    if meta.title:
        names.append(_TITLE_SITE_PART.split(meta.title)[0])
    return list(dict.fromkeys(key for name in names if (key := normalize_space(name).lower())))


def _names_subject(blocks: list[Block], subjects: list[str]) -> bool:
    text = " ".join(block.text for block in blocks).lower()
    return any(subject in text for subject in subjects)


def _chars(blocks: list[Block]) -> int:
    return sum(len(block.text) for block in blocks)


def _json_value(text: str) -> Any:
    try:
        value, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser's stack
        return None
    return value


def _candidates(data: Any) -> Iterator[list[Block]]:
    """Each rich-text tree, HTML string and schema.org text in the payload, as blocks."""
    rules = _rules()
    stack: list[tuple[Any, int]] = [(data, 0)]
    visited = 0
    while stack and visited < _MAX_NODES:
        node, depth = stack.pop()
        visited += 1
        if isinstance(node, str):
            if len(node) >= _MIN_HTML_CHARS and _HTML_TAGS.search(node):
                yield _html_blocks(node)
            continue
        if depth >= _MAX_DEPTH:
            continue
        if isinstance(node, list):
            if _is_rich_text(node, rules):
                yield [block for item in node for block in _rich_blocks(item, rules, depth)]
                continue
            stack.extend((item, depth + 1) for item in reversed(node))
        elif isinstance(node, dict):
            if "@type" in node:
                for field in rules.text_fields:
                    value = node.get(field)
                    if isinstance(value, str) and not _HTML_TAGS.search(value):
                        yield [Block("paragraph", text) for part in re.split(r"\n\s*\n|\n", value)
                               if (text := normalize_space(part))]
            stack.extend((value, depth + 1) for value in reversed(list(node.values())))


def _kind(node: Any) -> str | None:
    if not isinstance(node, dict):
        return None
    if node.get("_type") == "block":  # Portable Text
        style = node.get("style") or "normal"
        return "list-item" if node.get("listItem") else str(style).lower()
    kind = node.get("nodeType") or node.get("type")
    return kind.lower() if isinstance(kind, str) else None


def _is_rich_text(node: list[Any], rules: _Rules) -> bool:
    """A list of rich-text block nodes: most of its dicts are paragraphs, headings or lists."""
    kinds = [_kind(item) for item in node if isinstance(item, dict)]
    known = [k for k in kinds if k is not None and (_level(k, {}, rules) is not None or k in rules.paragraphs)]
    return bool(known) and 2 * len(known) >= len(node)


def _level(kind: str, node: dict[str, Any], rules: _Rules) -> int | None:
    if kind in rules.heading_levels:
        return rules.heading_levels[kind]
    if kind in rules.generic_headings:
        attrs = node.get("attrs")
        level = node.get("level", attrs.get("level") if isinstance(attrs, dict) else None)
        return level if isinstance(level, int) and 1 <= level <= 6 else 2
    return None


def _rich_blocks(node: Any, rules: _Rules, depth: int) -> Iterator[Block]:
    kind = _kind(node)
    if kind is None or depth >= _MAX_DEPTH:
        return
    level = _level(kind, node, rules)
    if level is not None or kind in rules.paragraphs or kind in rules.items:
        text = normalize_space("".join(_inline_text(node, depth)))
        if text:
            role = "heading" if level is not None else "item" if kind in rules.items else "paragraph"
            yield Block(role, text, level=level)
        return
    for child in _children(node):
        yield from _rich_blocks(child, rules, depth + 1)


def _children(node: dict[str, Any]) -> list[Any]:
    for key in ("content", "children"):
        value = node.get(key)
        if isinstance(value, list):
            return value
    return []


def _inline_text(node: Any, depth: int) -> Iterator[str]:
    if depth >= _MAX_DEPTH or not isinstance(node, dict):
        return
    for key in ("value", "text"):
        if isinstance(node.get(key), str):
            yield node[key]
    for child in _children(node):
        yield from _inline_text(child, depth + 1)


def _html_blocks(html: str) -> list[Block]:
    try:
        fragment = lxml.html.fragment_fromstring(html, create_parent="div", parser=_PARSER)
    except (etree.ParserError, ValueError):
        return []
    blocks = []
    for element in fragment.iter(*_HTML_BLOCKS):
        if element.tag == "li" and element.find(".//p") is not None:
            continue  # its paragraphs are read themselves
        text = visible_text(element)
        if not text:
            continue
        if element.tag in HEADING_TAGS:
            blocks.append(Block("heading", text, level=int(element.tag[1])))
        else:
            blocks.append(Block("item" if element.tag == "li" else "paragraph", text))
    return blocks
