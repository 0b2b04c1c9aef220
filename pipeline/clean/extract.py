"""Main-content extraction: trafilatura on the already-parsed tree, its XML turned into blocks.

Trafilatura's XML keeps headings, <dl> items, bold runs (include_formatting=True) and <br>
as <lb/>, which the segmenter needs. Chrome that chrome.py marked (not cut, so that
trafilatura judges the page as it is) is dropped from the blocks here.
"""

from __future__ import annotations

import re
from collections import Counter
from copy import deepcopy

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.core import determine_returnstring
from trafilatura.metadata import Document
from trafilatura.settings import MIN_DUPLICATE_LENGTH, Extractor, use_config
from trafilatura.xpaths import BODY_XPATH

from pipeline.clean.blocks import Block, BlockRole, ExtractorName, Removal, normalize_space
from pipeline.clean.chrome import MARKED, PROSE_CHARS, PROSE_INLINE
from pipeline.clean.dense_markup import INLINE_TAGS, rebuild

# Trafilatura falls back to a whole-page dump (banners included) when the main text it
# found is under MIN_EXTRACTED_SIZE characters; glossary entries are often that short.
_CONFIG = deepcopy(use_config())
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")


def choose_extractor(root: HtmlElement, markup_chars: int) -> ExtractorName:
    """Trafilatura, or on a page of far more blocks than a real page has, the linear walk."""
    return "linear" if _too_many_blocks(root, markup_chars) else "trafilatura"


def extract_blocks(
    root: HtmlElement, extractor: ExtractorName, url: str | None = None
) -> tuple[list[Block], list[Removal]]:
    """Run trafilatura over the cleaned tree and flatten its XML into blocks, or read the blocks
    in one linear walk (`choose_extractor`). The removals: the copies of kept text that trafilatura
    left out (`_repeats_left_out`); the linear walk keeps every block.

    Consumes the tree: the chrome check at the end cuts marked elements out of it.
    """
    if extractor == "linear":
        return _blocks_of(_as_trafilatura_xml(root)), []
    _point_at_entry_container(root)
    _wrap_loose_prose(root)
    _clamp_table_spans(root)
    try:
        xml = _trafilatura_xml(root, url)
    except etree.XMLSyntaxError:
        # lxml's HTML parser accepts tag names XML does not ("t<h1" from "<T<h1>"), and
        # trafilatura's XML step then fails; unwrap such elements (their text stays) and retry.
        _unwrap_non_xml_names(root)
        xml = _trafilatura_xml(root, url)
    if not xml:
        return [], []
    doc = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    main = doc.find("main")
    if main is None:
        return [], []
    blocks = _drop_marked_chrome(root, _blocks_of(main))
    return blocks, _repeats_left_out(root, main)  # the chrome is out of `root` now: its copies do not count


def _repeats_left_out(page: etree._Element, main: etree._Element) -> list[Removal]:
    """Copies of kept text that the page holds more often than trafilatura's text does, each a
    `repeated-text` removal.

    Trafilatura drops a block whose text repeats the block kept right before it, when it is over
    MIN_DUPLICATE_LENGTH characters (50), with no option to keep it: blocks it prunes in between
    (an advert, an empty layout div) do not separate the two. When its main pass finds no text and it
    recovers paragraphs from the whole page instead, it also skips any text it already took, anywhere.
    Left out, not restored: on real pages the repeat is mostly a copy no reader sees twice (a hidden
    copy of a code block for a copy button, a teaser repeating the lead; of 12 such drops on 9 of 500
    WCXB pages, the benchmark's main text keeps the copy on one), and a record gains nothing from the same
    paragraph twice. A glossary page may still repeat its definition in a summary box: the record then
    says so, and the audit shows it with the other removals. A repeat after its own heading is another
    block's neighbour and stays.

    Counted, not watched (trafilatura gives no hook): the outermost elements of each kept text (over
    MIN_DUPLICATE_LENGTH characters, compared without whitespace) in the page's body and in the
    extracted tree are counted alike. A copy trafilatura pruned for another reason (in a sidebar it
    judged boilerplate) counts too: the page does repeat the text. A copy it changed (an inline element
    dropped) does not, so no removal is claimed for text that is there.
    """
    kept: dict[str, str] = {}
    for child in main:
        text = normalize_space("".join(child.itertext()))
        if len(text) > MIN_DUPLICATE_LENGTH:
            kept.setdefault(_squash(text), text)
    if not kept:
        return []
    body = page.find("body")  # not the <title>, which often repeats a long heading
    on_page, extracted = _outermost_counts(page if body is None else body, kept), _outermost_counts(main, kept)
    return [Removal("repeated-text", len(kept[text]) * (times - extracted[text]), kept[text][:120],
                    rule=f"the page has it {times} times, the kept text {extracted[text]}")
            for text, times in on_page.items() if times > extracted[text]]


def _outermost_counts(tree: etree._Element, texts: dict[str, str]) -> Counter[str]:
    """How many elements of `tree` have each of `texts` (whitespace removed) as their text, counting
    an element whose parent has the same text once (a <p> alone in a <div> is one copy).

    Linear: each element's text length comes from its children's, and only an outermost element of
    a wanted length has its text built; those of one length never nest, so no text is built twice
    for one length."""
    lengths = {len(text) for text in texts}
    size: dict[etree._Element, int] = {}
    for element in reversed(list(tree.iter())):  # every child before its parent
        own = len(_squash(element.text or "")) if isinstance(element.tag, str) else 0
        size[element] = own + sum(size[child] + len(_squash(child.tail or "")) for child in element)
    counts: Counter[str] = Counter()
    for element, length in size.items():
        parent = element.getparent()
        if length in lengths and (parent is None or size.get(parent) != length):
            text = _squash("".join(element.itertext()))
            if text in texts:
                counts[text] += 1
    return counts


# Trafilatura costs about 30 µs an element, its paragraph tests ask libxml2 for `//p//text()`,
# which merges node sets one paragraph at a time (time with the square of the paragraphs:
# 40,000 take 4 s per test), and when it finds little text its jusText fallback walks from each
# short paragraph to its neighbours (the square of a run of them: forms, noscript notices).
# A block element costs it more than an inline one: each is a candidate of its paragraph,
# link-density and class-name tests, and when the first pass keeps little of the page (a page
# of short blocks in boxes it discards), its cascade runs them again in recall mode and in
# readability and jusText. A page of 3,600 `<div class="item-N"><p>short</p></div>` (27 blocks
# per KB) cost it 1.3-1.7 CPU s per MB, and the whole page over 2; at 15 blocks per KB the
# page still cost 1.9 (scripts/bench_more_shapes.py's cards under the bound).
# Past these bounds the clean stage reads the blocks itself. The 1,943 real pages in
# ../shared/data stay well inside them: at most 1,541 <p>, 9,245 block elements, 15,793
# elements, and 28 elements per KB of markup on pages of over 1,000 elements; at most 12 block
# elements per KB on such pages but one (a German school's page of 9,245 table cells, 25 per
# KB, a not-english reject either way).
_BLOCK_TAGS = ("p", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "br", "div",
               "blockquote", "pre", "section", "article")
_MAX_PARAGRAPHS = 5_000
_MAX_BLOCKS = 20_000
_DENSE_MIN_ELEMENTS = 3_000
_DENSE_ELEMENTS_PER_KB = 35
_DENSE_BLOCKS_MIN_ELEMENTS = 1_000
DENSE_BLOCKS_PER_KB = 14


def _too_many_blocks(root: HtmlElement, markup_chars: int) -> bool:
    tags = Counter(element.tag for element in root.iter() if isinstance(element.tag, str))  # one walk
    elements = sum(tags.values())
    blocks = sum(tags[tag] for tag in _BLOCK_TAGS)
    return (
        tags["p"] > _MAX_PARAGRAPHS
        or blocks > _MAX_BLOCKS
        or (elements > _DENSE_MIN_ELEMENTS and elements > _DENSE_ELEMENTS_PER_KB * markup_chars / 1000)
        or (elements > _DENSE_BLOCKS_MIN_ELEMENTS and blocks > DENSE_BLOCKS_PER_KB * markup_chars / 1000)
    )


# HTML tags renamed to the trafilatura XML elements _walk reads; any other element that is
# not inline becomes a container ("div"), so its blocks are read one by one.
_AS_XML = {"h1": "head", "h2": "head", "h3": "head", "h4": "head", "h5": "head", "h6": "head",
           "ul": "list", "ol": "list", "dl": "list", "li": "item", "dt": "item", "dd": "item",
           "table": "table", "tr": "row", "td": "cell", "th": "cell", "br": "lb", "p": "p", "pre": "p",
           "b": "hi", "strong": "hi"}
_NOT_TEXT = ("script", "style", "noscript", "template", "head", "title", "meta", "link")


def _as_trafilatura_xml(root: HtmlElement) -> etree._Element:
    """The page's body turned, in place, into the XML trafilatura writes, without trafilatura's
    judgement: every block but the marked chrome kept, in document order."""
    body = root.find("body")
    body = root if body is None else body
    # in one pass per parent, keeping each tail (not chrome): drop_tree one by one joins every tail onto the
    # parent's growing text, the square of a run of chrome boxes in one container
    rebuild(frozenset(), frozenset(_outermost(MARKED(root))))
    etree.strip_elements(body, *_NOT_TEXT, with_tail=False)
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag
        renamed = _AS_XML.get(tag)
        if renamed is None:
            renamed = tag if tag in INLINE_TAGS else "div"
        rend = "#b" if renamed == "hi" else tag if renamed in ("head", "item") and tag != "li" else None
        element.attrib.clear()
        if rend is not None:
            element.set("rend", rend)
        element.tag = renamed
    body.tag = "main"
    return body


def _trafilatura_xml(root: HtmlElement, url: str | None) -> str | None:
    """What trafilatura.extract(root, output_format="xml", ...) returns, minus its cost we do not use.

    extract() also hashes the whole text for the XML's fingerprint attribute, about a tenth
    of the call on our pages; bare_extraction plus the same serialisation step skips it.
    """
    options = Extractor(
        config=_CONFIG,
        output_format="xml",
        formatting=True,
        comments=False,
        tables=True,
        images=False,
        links=False,
        dedup=False,
        url=url,
        with_metadata=False,
    )
    document = trafilatura.bare_extraction(root, options=options)
    if not isinstance(document, Document):
        return None
    return determine_returnstring(document, options)


def _clamp_table_spans(root: HtmlElement) -> None:
    """Clamp each cell's colspan to its table's widest row and its rowspan to the table's rows.

    Trafilatura makes an empty cell for every column and row a span covers, up to 100 each: a page of
    one-cell tables claiming colspan=1000000 cost it 2.8 s per MB. A span past the table's own columns or
    rows covers nothing (the cells it makes are empty), so the clamp changes no text. Real pages span at
    most 7, once 68.
    """
    sizes: dict[HtmlElement, tuple[int, int]] = {}
    for cell in root.iter("td", "th"):
        if cell.get("colspan") is None and cell.get("rowspan") is None:
            continue
        table = next(cell.iterancestors("table"), None)
        if table is None:
            continue
        if table not in sizes:
            rows = table.xpath("tr|*/tr")
            sizes[table] = (max((len(row.xpath("td|th")) for row in rows), default=1), max(len(rows), 1))
        columns, rows_count = sizes[table]
        for attribute, limit in (("colspan", columns), ("rowspan", rows_count)):
            value = cell.get(attribute)
            if value is not None and value.strip().isdecimal() and int(value) > limit:
                cell.set(attribute, str(limit))


# Containers whose loose text (not inside a <p>) trafilatura drops when it keeps formatting.
_LOOSE_TEXT_PARENTS = ("div", "section", "article", "main", "td")
_LOOSE_RUN_INLINE = PROSE_INLINE | {"a", "br"}


def _wrap_loose_prose(root: HtmlElement) -> None:
    """Turn a container that is a paragraph in all but name (only text and inline elements, a
    paragraph's worth of text outside links) into a <p> inside it. With include_formatting,
    trafilatura keeps the text of <p>s but drops such divs ("<div class='preview'>Gesine aus
    Tübingen läuft ...</div>": an article's whole first paragraph). Only such a container among
    the article's <p>s: alone, next to an image or in a list of cards it is a caption or a
    teaser. Containers that also hold blocks are left alone: wrapping their loose runs changed
    which part of a page trafilatura judged to be the article (a live ticker lost its entries)."""
    for parent in list(root.iter(*_LOOSE_TEXT_PARENTS)):
        if not (parent.text or "").strip() or any(child.tag not in _LOOSE_RUN_INLINE for child in parent):
            continue
        if not _among_paragraphs(parent):
            continue
        own = len(parent.text.strip()) + sum(
            len((child.tail or "").strip()) + (len(" ".join(child.itertext())) if child.tag != "a" else 0)
            for child in parent)
        if own >= PROSE_CHARS:
            paragraph = parent.makeelement("p", {})
            paragraph.text, parent.text = parent.text, None
            paragraph.extend(list(parent))  # each child moves with its tail
            parent.append(paragraph)


def _among_paragraphs(element: HtmlElement) -> bool:
    """The element sits next to the article's paragraphs: a <p> is its sibling, or its parent's."""
    parent = element.getparent()
    for level in (parent, parent.getparent() if parent is not None else None):
        if level is not None and level.find("p") is not None:
            return True
    return False


# An element holding the page's h1 and this much paragraph text is the entry's container.
_MIN_CONTAINER_PROSE = 100


def _point_at_entry_container(root: HtmlElement) -> None:
    """When no element matches trafilatura's content-container XPaths, it falls back to
    collecting paragraphs and loses the entry's lists ("<div class='content glossary-term'>"
    matches none). Then the nearest div/section around the h1 that also holds prose is
    given role="main", which trafilatura's last container XPath accepts."""
    # <article> and <main> are among those XPaths and cheap to find; the rest test class
    # names with regular expressions (a Python call per element), so they come last
    if root.find(".//article") is not None or root.find(".//main") is not None:
        return
    if any(expression(root) for expression in BODY_XPATH):
        return
    body = root.find("body")
    h1 = next(body.iter("h1"), None) if body is not None else None
    if h1 is None:
        return
    # Each paragraph's text is read once (asking every ancestor of the h1 for its paragraphs read the
    # deepest ones again at every level), and each element is marked once: above a marked one, all are.
    holds_prose: set[HtmlElement] = set()
    for paragraph in body.iter("p"):
        if len(paragraph.text_content().strip()) >= _MIN_CONTAINER_PROSE:
            for ancestor in paragraph.iterancestors():
                if ancestor in holds_prose:
                    break
                holds_prose.add(ancestor)
    for ancestor in h1.iterancestors():
        if ancestor is body:
            return
        if ancestor.tag in ("div", "section") and ancestor in holds_prose:
            ancestor.set("role", "main")
            return


_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*")


def _unwrap_non_xml_names(root: HtmlElement) -> None:
    for element in list(root.iter()):
        if isinstance(element.tag, str) and not _XML_NAME.fullmatch(element.tag) and element.getparent() is not None:
            element.drop_tag()


# Trafilatura XML elements that start a block of their own inside a paragraph or container.
_BLOCK_CHILDREN = {"head", "p", "item", "list", "quote", "table", "row", "cell", "div", "main", "code"}


def _blocks_of(element: etree._Element) -> list[Block]:
    """The blocks of a trafilatura XML element, in document order."""
    blocks: list[Block] = []
    _walk(element, "paragraph", blocks)
    return blocks


# The walk appends to one list, not yielding: a block yielded through nested generators would pass
# through one frame per level, the depth of the tree for every block of a deep page.
def _walk(element: etree._Element, role: BlockRole, out: list[Block]) -> None:
    """Flatten mixed content: inline runs become `role` blocks split at <lb/>, block children recurse.

    Containers (quote, cell, main, ...) can hold loose text next to their children; it is
    read too, so text trafilatura kept outside a <p> is not lost.
    """
    if not len(element):  # no children: its own text is its one block (most elements of a dense page)
        _leaf_block(element, role, out)
        return
    pieces: list[list[tuple[str, bool]]] = [[]]

    def add(text: str | None, bold: bool) -> None:
        if text:
            pieces[-1].append((text, bold))

    add(element.text, False)
    for child in element:
        tag = child.tag
        if tag == "lb":
            pieces.append([])
        elif tag in _BLOCK_CHILDREN:
            if len(pieces) > 1 or pieces[0]:
                _pieces_to_blocks(pieces, role, out)
                pieces = [[]]
            if not len(child) and tag not in _OWN_BLOCK_KINDS:
                _leaf_block(child, "paragraph", out)  # as _block would, one call less
            else:
                _block(child, out)
        else:
            bold = tag == "hi" and "#b" in (child.get("rend") or "")
            add("".join(child.itertext()), bold)
        add(child.tail, False)
    _pieces_to_blocks(pieces, role, out)


def _leaf_block(element: etree._Element, role: BlockRole, out: list[Block]) -> None:
    """The one block of an element without children: its own text, if any."""
    text = normalize_space(element.text or "")
    if text:
        out.append(Block(role, text))


# Block elements that _block reads in a way of their own, not as a paragraph of their text.
_OWN_BLOCK_KINDS = frozenset({"head", "item", "row"})


def _block(element: etree._Element, out: list[Block]) -> None:
    tag = element.tag
    if tag == "head":
        text = normalize_space((element.text or "") if not len(element) else "".join(element.itertext()))
        if text:
            out.append(Block("heading", text, level=_heading_level(element.get("rend"))))
    elif tag == "item":
        _item_blocks(element, out)
    elif tag == "row" and (term := _term_cell(element)) is not None:
        out.append(Block("term", term))
        _walk(element[1], "paragraph", out)
    else:
        _walk(element, "paragraph", out)


# A glossary table row: a short name cell, then a cell of prose that explains it.
_MAX_TERM_CELL_WORDS = 8
_MIN_DEFINITION_CELL_WORDS = 8


def _term_cell(row: etree._Element) -> str | None:
    """The name in a two-cell "term | definition" row, else None. The segmenter treats it
    as a <dt>: a term on a glossary list, a line of the entry elsewhere."""
    cells = [child for child in row if child.tag == "cell"]
    if len(cells) != 2 or len(row) != 2 or cells[0].get("role") == "head":
        return None
    name = normalize_space("".join(cells[0].itertext()))
    words = len(normalize_space("".join(cells[1].itertext())).split())
    if 0 < len(name.split()) <= _MAX_TERM_CELL_WORDS and words >= _MIN_DEFINITION_CELL_WORDS:
        return name
    return None


def _item_blocks(item: etree._Element, out: list[Block]) -> None:
    rend = item.get("rend") or ""
    if rend.startswith("dt"):
        text = normalize_space("".join(item.itertext()))
        if text:
            out.append(Block("term", text))
        return
    _walk(item, "paragraph" if rend.startswith("dd") else "item", out)


def _pieces_to_blocks(pieces: list[list[tuple[str, bool]]], role: BlockRole, out: list[Block]) -> None:
    for runs in pieces:
        if len(runs) == 1:  # one run: the common case, without the lists below
            run, bold = runs[0]
            text = normalize_space(run)
            if text:
                out.append(Block(role, text, bold_lead=text if bold else None, all_bold=bold))
            continue
        text = normalize_space("".join(t for t, _ in runs))
        if not text:
            continue
        visible = [(t, b) for t, b in runs if t.strip()]
        lead = normalize_space(visible[0][0]) if visible and visible[0][1] else None
        all_bold = all(b for _, b in visible)
        out.append(Block(role, text, bold_lead=lead, all_bold=all_bold))


def _heading_level(rend: str | None) -> int | None:
    if rend and len(rend) == 2 and rend[0] == "h" and rend[1].isdigit():
        return int(rend[1])
    return None


def _squash(text: str) -> str:
    return "".join(text.split())


def _outermost(marked: list[HtmlElement]) -> list[HtmlElement]:
    """The marked elements that no other marked element holds, in document order."""
    inside = set(marked)
    return [node for node in marked if not any(parent in inside for parent in node.iterancestors())]


def _drop_marked_chrome(root: HtmlElement, blocks: list[Block]) -> list[Block]:
    """Drop blocks whose text comes only from elements chrome.py marked as chrome.

    Compared without whitespace, since trafilatura and the tree space inline runs
    differently. Text that also occurs outside the chrome (a term named in the page title
    and in the breadcrumb) is kept.

    Both texts are read by cutting parts out of the tree, which trafilatura no longer
    needs (script and style, then the chrome, then noscript): XPaths excluding them by
    ancestor tests on every text node cost more than the extraction's own parsing.
    """
    if not MARKED(root):
        return blocks
    etree.strip_elements(root, "script", "style", with_tail=False)  # the tail is page text
    # again: a marked <style> or <script> is gone, its text was never chrome
    outermost = _outermost(MARKED(root))
    chrome = _squash("".join(text for node in outermost for text in node.itertext()))
    rebuild(frozenset(), frozenset(outermost))  # keeps each tail, which is not chrome; one pass per parent
    etree.strip_elements(root, "noscript", with_tail=False)
    content = _squash("".join(text for body in root.iter("body") for text in body.itertext()))
    kept = []
    for block in blocks:
        squashed = _squash(block.text)
        if squashed and squashed in chrome and squashed not in content:
            continue
        kept.append(block)
    return kept
