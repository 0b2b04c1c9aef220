"""Clean stage: strip consent banners and site chrome, keep the main text as blocks.

HTML: parse once with lxml, remove consent and chrome nodes by rule, read the page's
metadata, hand the same tree to trafilatura, then drop leftover blocks whose text is
consent or boilerplate (banners often sit inside the article, where no extractor sees them
as chrome). Plain text: underlined headings, hard-wrapped paragraphs joined, every other
line a block (plain_text.py), and the same text rules apply.
"""

from __future__ import annotations

import re
import sys
import threading

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, CleanedPage, PageMeta, Removal
from pipeline.clean.chrome import drop_boilerplate_blocks, inside_marked, remove_chrome_nodes
from pipeline.clean.chrome import scanned_attributes as chrome_attributes
from pipeline.clean.consent import drop_consent_blocks, remove_consent_nodes
from pipeline.clean.consent import scanned_attributes as consent_attributes
from pipeline.clean.dense_markup import simplify_dense_markup
from pipeline.clean.dom import PageScan
from pipeline.clean.extract import choose_extractor, extract_blocks
from pipeline.clean.headings import collect_headings, restore_headings
from pipeline.clean.meta import declared_url, read_meta
from pipeline.clean.payload import collect_payloads, fill_skeleton
from pipeline.clean.plain_text import text_blocks
from pipeline.clean.signals import read_signals
from pipeline.clean.site_template import SiteTemplates, drop_template_blocks, site_of
from pipeline.clean.styled_headings import promote_styled_headings, promote_summaries

__all__ = [
    "Block", "CleanedPage", "PageMeta", "ParseError", "Removal", "TooDeep", "clean_html", "clean_text", "parse_html",
    "parse_html_to_read",
]

# lxml refuses str input that carries an encoding declaration; the text is already decoded.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Characters XML 1.0 forbids (C0 controls but tab, line feed and carriage return; lone
# surrogates; U+FFFE/U+FFFF). HTML parsers treat them as parse errors, and a single one in a
# text node makes trafilatura's XML step fail on the whole page; a space stands in for each.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A numeric character reference puts the same characters in the tree as the parser expands it
# ("&#x1F;" or "&#11" lost a whole page's text that way): such references get the space too.
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
# libxml2 checks each attribute of an element against every one before it: one start tag of 80,000
# attributes took 13 s to parse, and the time grows faster than the square. No real element has anywhere
# near a thousand attributes; past that many, the rest of a start tag's attributes are dropped unparsed.
MAX_ATTRIBUTES = 1000
_ATTRIBUTE = r"""(?>(?:[\s/]+|(?<=["']))[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)"""
_CROWDED_START_TAG = re.compile(rf"(<[A-Za-z][^\s/>]*{_ATTRIBUTE}{{{MAX_ATTRIBUTES}}}){_ATTRIBUTE}+")
# Void elements (no content, no end tag) that libxml2's HTML parser does not know as void: it opens each one, and
# what follows nests inside it. A paragraph with a few hundred <wbr> (line-break chances in long chemical
# names) nested past the depth limit, a `too-deep` reject of a good page. Each gets its end tag right after it
# (<wbr> itself is removed, below).
_UNKNOWN_VOID_START = re.compile(r"(<(source|track|embed|keygen)\b[^<>]*)>", re.IGNORECASE)
# <wbr> (a line-break chance) holds nothing and no step reads it: it goes, so that a word broken at every
# letter is one text, not thousands of elements (2 s per MB on "d<wbr>o<wbr>p<wbr>...").
_WORD_BREAK_TAG = re.compile(r"</?wbr\b[^<>]*>", re.IGNORECASE)

# libxml2 keeps elements at most this many levels deep (<html> is level 1) unless told
# XML_PARSE_HUGE; past it, it stops building the tree and silently drops the rest of the page.
LIBXML2_MAX_DEPTH = 256
MAX_DEPTH = LIBXML2_MAX_DEPTH

_PARSER_OPTIONS = {"remove_comments": True, "remove_pis": True, "collect_ids": False, "default_doctype": False,
                   "no_network": True}
# lxml.html picks each element's class with a Python call (`HtmlElementClassLookup.lookup`) every time
# Python first touches the element, and trafilatura touches every element of its copies of the tree several
# times. Its classes differ only on form controls (FormElement, InputElement, ...), whose form helpers
# nothing here reads: every element gets HtmlElement, chosen in C.
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
# One parser per thread: a parser's error_log is overwritten by the next parse, and Dask
# workers parse in threads.
_parsers = threading.local()


class ParseError(ValueError):
    """The text could not be parsed as HTML at all."""


class TooDeep(ParseError):
    """The page's elements nest deeper than the depth limit (a `too-deep` reject)."""


def parse_html(text: str, max_depth: int = MAX_DEPTH) -> HtmlElement:
    """Parse the whole page, or raise: never a tree that silently lost part of the page.

    `max_depth` (at most LIBXML2_MAX_DEPTH) is the deepest element level allowed, <html>
    being level 1. Entities declared in the page are never expanded (libxml2's HTML parser
    keeps `&name;` as text) and nothing is fetched.
    """
    root: HtmlElement = _parse(text, max_depth, _parser())
    return root


def parse_html_to_read(text: str, max_depth: int = MAX_DEPTH) -> etree._Element:
    """What parse_html gives, as lxml's plain elements instead of lxml.html's (no text_content,
    drop_tree, ...): for a caller that only reads the tree. lxml.html picks the class of every
    element Python visits with a Python call, a large share of a walk over every element."""
    return _parse(text, max_depth, _plain_parser())


def _parse(text: str, max_depth: int, parser: etree.HTMLParser) -> etree._Element:
    if not 1 <= max_depth <= LIBXML2_MAX_DEPTH:
        raise ValueError(f"max_depth must be between 1 and {LIBXML2_MAX_DEPTH}, not {max_depth}")
    text = _NOT_XML_CHARS.sub(" ", _XML_DECLARATION.sub("", text, count=1))
    if "&#" in text:
        text = _CHARACTER_REFERENCE.sub(_xml_safe_reference, text)
    text = _CROWDED_START_TAG.sub(r"\1", text)
    text = _UNKNOWN_VOID_START.sub(r"\1></\2>", _WORD_BREAK_TAG.sub("", text))
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (ValueError, lxml.etree.ParserError) as error:
        raise ParseError(str(error)) from error
    for entry in parser.error_log:
        if entry.type == lxml.etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            if "depth" in entry.message.lower():
                raise TooDeep(f"the elements nest deeper than {LIBXML2_MAX_DEPTH} levels")
            # A text or attribute over libxml2's 10 MB buffer limit: the parser drops the page.
            raise ParseError(f"the page exceeds a parser limit ({entry.message.strip()})")
    if root is None:
        raise ParseError("the document has no elements")
    _fold_extra_roots(root)
    # Cheap (one XPath step per level, in C); only needed below libxml2's own limit.
    if max_depth < LIBXML2_MAX_DEPTH and root.xpath(f"boolean(/{'/'.join(['*'] * (max_depth + 1))})"):
        raise TooDeep(f"the elements nest deeper than {max_depth} levels")
    return root


def _xml_safe_reference(reference: re.Match[str]) -> str:
    """The reference as written, or a space when it names a character XML forbids. Code points past
    Unicode are left to the parser, which makes them U+FFFD."""
    hexadecimal, decimal = reference.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return " " if code <= sys.maxunicode and _NOT_XML_CHARS.match(chr(code)) else reference.group()


def _fold_extra_roots(root: etree._Element) -> None:
    """Move what a second top-level <html> holds into the first one's <head> and <body>.

    libxml2 starts a second root element for markup after a stray </html> (a footer saved
    after the document's end). Document-wide XPaths ("//*", in our rules and in trafilatura)
    see those elements while iterating the root does not, so the rules disagreed about which
    elements exist; folded in, the page is one tree again and its text is judged like the rest.
    The emptied root stays behind (lxml cannot remove a top-level element); it holds nothing.
    """
    for extra in list(root.itersiblings()):
        if not isinstance(extra.tag, str):
            continue
        for part in list(extra):
            target = root.find(part.tag) if part.tag in ("head", "body") else None
            if target is None:
                fallback = root.find("body")
                (root if fallback is None else fallback).append(part)
                continue
            for child in list(part):
                target.append(child)


def _parser() -> lxml.html.HTMLParser:
    parser: lxml.html.HTMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = lxml.html.HTMLParser(**_PARSER_OPTIONS)
        parser.set_element_class_lookup(_HTML_CLASSES)
    return parser


def _plain_parser() -> etree.HTMLParser:
    parser: etree.HTMLParser | None = getattr(_parsers, "plain_parser", None)
    if parser is None:
        parser = _parsers.plain_parser = etree.HTMLParser(**_PARSER_OPTIONS)
    return parser


def clean_html(
    text: str, url: str | None = None, max_depth: int = MAX_DEPTH, templates: SiteTemplates | None = None,
    path: str = "",
) -> CleanedPage:
    """The page's kept blocks. `templates` (learnt over the batch the page is in) drop the text its
    site repeats on most pages; `path` names the page's folder, its site when it gives no URL."""
    root = parse_html(text, max_depth=max_depth)
    # read before any removal, as the batch's fingerprint step read it (site_template.py)
    site = site_of(url or declared_url(root), path) if templates is not None else None
    # Listed once: the dense-markup check and the scan read the same list (and so the same lxml
    # proxies, which are costly to create on a tree parsed with lxml.html's element classes).
    elements = list(root.iter(etree.Element))
    dense = simplify_dense_markup(root, elements)  # before anything walks every element
    markup_chars = len(text)
    # one pass over the elements, shared by the consent and chrome rules
    scan = PageScan.of(root, attributes=consent_attributes() | chrome_attributes(), elements=elements)
    consent = remove_consent_nodes(scan)
    # before the chrome goes: bylines, comments and pagination are evidence
    signals = read_signals(scan, removed_any=bool(consent))
    removed = dense + consent + remove_chrome_nodes(scan)
    # The chrome is marked for good now (the steps below add no marks, and the elements they make
    # sit outside it): the set of elements inside it is read once for the three steps that skip it.
    chrome = inside_marked(root)
    promote_styled_headings(root, chrome)
    promote_summaries(root, chrome)
    meta = read_meta(root)
    extractor = choose_extractor(root, markup_chars)
    # Only trafilatura drops headings; the linear walk keeps every one.
    headings = collect_headings(root, chrome) if extractor == "trafilatura" else []
    scripts = collect_payloads(root)  # their texts: extraction may strip the scripts from the tree
    extracted, left_out = extract_blocks(root, extractor, url=url or meta.canonical_url)
    removed += left_out
    blocks = restore_headings(extracted, headings)
    blocks = fill_skeleton(blocks, scripts, meta)
    blocks, removed = _drop_text_boilerplate(blocks, removed, title=meta.title)
    page = CleanedPage(blocks=blocks, removed=removed, meta=meta, markup_chars=markup_chars, signals=signals,
                       extractor=extractor)
    return _drop_site_template(page, templates, site, term=meta.h1[0] if meta.h1 else None)


def clean_text(text: str, templates: SiteTemplates | None = None, path: str = "") -> CleanedPage:
    blocks, removed = _drop_text_boilerplate(text_blocks(text), [])
    page = CleanedPage(blocks=blocks, removed=removed, meta=PageMeta(), markup_chars=len(text))
    return _drop_site_template(page, templates, site_of(None, path) if templates is not None else None, term=None)


def _drop_site_template(
    page: CleanedPage, templates: SiteTemplates | None, site: str | None, term: str | None
) -> CleanedPage:
    if templates is None or site is None:
        return page
    page.site, page.template = site, templates.digest(site)
    page.blocks, removed = drop_template_blocks(page.blocks, templates.hashes(site), term=term)
    page.removed += removed
    return page


def _drop_text_boilerplate(
    blocks: list[Block], removed: list[Removal], title: str | None = None
) -> tuple[list[Block], list[Removal]]:
    blocks, consent = drop_consent_blocks(blocks)
    blocks, boilerplate = drop_boilerplate_blocks(blocks, title=title)
    return blocks, removed + consent + boilerplate
