"""Clean stage: strip consent banners and site chrome, keep the main text as blocks.

HTML: parse once with lxml, remove consent and chrome nodes by rule, read the page's
metadata, hand the same tree to trafilatura, then drop leftover blocks whose text is
consent or boilerplate (banners often sit inside the article, where no extractor sees them
as chrome). Plain text: every line is a block, and the same text rules apply.
"""

from __future__ import annotations

import re

import lxml.html
from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, CleanedPage, PageMeta, Removal, normalize_space
from pipeline.clean.chrome import drop_boilerplate_blocks, remove_chrome_nodes
from pipeline.clean.consent import drop_consent_blocks, remove_consent_nodes
from pipeline.clean.dom import PageScan
from pipeline.clean.extract import extract_blocks
from pipeline.clean.headings import collect_headings, restore_headings
from pipeline.clean.meta import read_meta

__all__ = ["Block", "CleanedPage", "PageMeta", "Removal", "clean_html", "clean_text", "parse_html"]

# lxml refuses str input that carries an encoding declaration; the text is already decoded.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

_PARSER = lxml.html.HTMLParser(
    remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False, no_network=True
)


class ParseError(ValueError):
    """The text could not be parsed as HTML at all."""


def parse_html(text: str) -> HtmlElement:
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (ValueError, lxml.etree.ParserError) as error:
        raise ParseError(str(error)) from error
    if root is None:
        raise ParseError("the document has no elements")
    return root


def clean_html(text: str, url: str | None = None) -> CleanedPage:
    root = parse_html(text)
    markup_chars = len(text)
    scan = PageScan.of(root)  # one pass over the elements, shared by the consent and chrome rules
    removed = remove_consent_nodes(scan)
    removed += remove_chrome_nodes(scan)
    meta = read_meta(root)
    headings = collect_headings(root)
    blocks = restore_headings(extract_blocks(root, url=url or meta.canonical_url), headings)
    blocks, removed = _drop_text_boilerplate(blocks, removed)
    return CleanedPage(
        blocks=blocks,
        removed=removed,
        meta=meta,
        markup_chars=markup_chars,
    )


def clean_text(text: str) -> CleanedPage:
    blocks = [Block("paragraph", line) for raw in text.splitlines() if (line := normalize_space(raw))]
    blocks, removed = _drop_text_boilerplate(blocks, [])
    return CleanedPage(blocks=blocks, removed=removed, meta=PageMeta(), markup_chars=len(text))


def _drop_text_boilerplate(blocks: list[Block], removed: list[Removal]) -> tuple[list[Block], list[Removal]]:
    blocks, consent = drop_consent_blocks(blocks)
    blocks, boilerplate = drop_boilerplate_blocks(blocks)
    return blocks, removed + consent + boilerplate
