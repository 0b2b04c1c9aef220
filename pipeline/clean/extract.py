"""Main-content extraction: trafilatura on the already-parsed tree, its XML turned into blocks.

Trafilatura keeps headings only with include_formatting=True and XML (or markdown) output;
its XML also keeps <dl> items, bold runs and <br> as <lb/>, which the segmenter needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import use_config

from pipeline.clean.blocks import Block, normalize_space

# Trafilatura falls back to a whole-page dump (banners included) when the main text it
# found is under MIN_EXTRACTED_SIZE characters; glossary entries are often that short.
_CONFIG = deepcopy(use_config())
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")

_CONTAINERS = {"div", "quote", "main", "list", "item", "table", "row", "cell", "code"}


def extract_blocks(root: HtmlElement, url: str | None = None) -> list[Block]:
    """Run trafilatura over the cleaned tree and flatten its XML into blocks."""
    xml = trafilatura.extract(
        root,
        url=url,
        output_format="xml",
        include_formatting=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
        deduplicate=False,
        config=_CONFIG,
    )
    if not xml:
        return []
    doc = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    main = doc.find("main")
    return list(_walk(main)) if main is not None else []


def _walk(element: etree._Element) -> Iterator[Block]:
    for child in element:
        tag = child.tag
        if tag == "head":
            text = normalize_space("".join(child.itertext()))
            if text:
                yield Block("heading", text, level=_heading_level(child.get("rend")))
        elif tag == "p":
            yield from _paragraph_blocks(child)
        elif tag == "item":
            yield from _item_blocks(child)
        elif tag in _CONTAINERS:
            yield from _walk(child)
        else:
            text = normalize_space("".join(child.itertext()))
            if text:
                yield Block("paragraph", text)


def _item_blocks(item: etree._Element) -> Iterator[Block]:
    rend = item.get("rend") or ""
    if rend.startswith("dt"):
        text = normalize_space("".join(item.itertext()))
        if text:
            yield Block("term", text)
        return
    if any(child.tag in ("p", "head", "list") for child in item):
        if item.text and item.text.strip():
            yield Block("paragraph" if rend.startswith("dd") else "item", normalize_space(item.text))
        yield from _walk(item)
        return
    for block in _paragraph_blocks(item):
        role = "paragraph" if rend.startswith("dd") else "item"
        yield Block(role, block.text, bold_lead=block.bold_lead, all_bold=block.all_bold)


def _paragraph_blocks(paragraph: etree._Element) -> Iterator[Block]:
    """Split a paragraph at <lb/> and note the bold run that opens each piece."""
    pieces: list[list[tuple[str, bool]]] = [[]]

    def add(text: str | None, bold: bool) -> None:
        if text:
            pieces[-1].append((text, bold))

    add(paragraph.text, False)
    for child in paragraph:
        if child.tag == "lb":
            pieces.append([])
        elif child.tag in ("p", "list", "head"):
            # nested block content inside a paragraph: flush and walk it
            yield from _pieces_to_blocks(pieces)
            pieces = [[]]
            yield from _walk(_wrap(child))
        else:
            bold = child.tag == "hi" and "#b" in (child.get("rend") or "")
            add("".join(child.itertext()), bold)
        add(child.tail, False)
    yield from _pieces_to_blocks(pieces)


def _wrap(element: etree._Element) -> etree._Element:
    wrapper = etree.Element("wrap")
    wrapper.append(deepcopy(element))
    return wrapper


def _pieces_to_blocks(pieces: list[list[tuple[str, bool]]]) -> Iterator[Block]:
    for runs in pieces:
        text = normalize_space("".join(t for t, _ in runs))
        if not text:
            continue
        visible = [(t, b) for t, b in runs if t.strip()]
        lead = normalize_space(visible[0][0]) if visible and visible[0][1] else None
        all_bold = all(b for _, b in visible)
        yield Block("paragraph", text, bold_lead=lead, all_bold=all_bold)


def _heading_level(rend: str | None) -> int | None:
    if rend and len(rend) == 2 and rend[0] == "h" and rend[1].isdigit():
        return int(rend[1])
    return None
