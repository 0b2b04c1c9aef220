"""Site chrome: navigation, related links, share and newsletter boxes, bylines, disclaimers.

Tree rules (chrome_rules.json) remove chrome by markup before extraction: landmarks (nav,
footer, aside), encyclopedia apparatus, and elements whose id/class *words* name chrome.
Text rules then drop short extracted blocks that are chrome by wording alone (copyright
lines, disclaimers repeated on every page, bylines), which also covers plain-text pages.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice
from pathlib import Path
from typing import cast

from lxml import etree
from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, Removal, RemovalReason, normalize_space
from pipeline.clean.dense_markup import rebuild
from pipeline.clean.dom import (
    HEADING_TAGS,
    ROOT_TAGS,
    PageScan,
    SelectorIndex,
    build_selector_index,
    is_attached,
    visible_text,
)
from pipeline.clean.needles import NeedleIndex, Needles, required_needles
from pipeline.clean.references import is_citation

_RULES_PATH = Path(__file__).with_name("chrome_rules.json")

# Most chrome containers are marked with this attribute instead of being cut out before
# extraction: trafilatura's own choices (how much of the page is main text, whether to
# fall back to a recall pass) depend on the whole page, and cutting every kind of chrome
# first cost it real article text (consent-pages with_recall 0.933 -> 0.924).
# extract.extract_blocks drops the blocks that come only from marked elements.
CHROME_MARK = "data-clean-chrome"
MARKED = etree.XPath(f"//*[@{CHROME_MARK}]")  # every marked element, in document order


def inside_marked(root: HtmlElement, marked: list[HtmlElement] | None = None) -> set[HtmlElement]:
    """Every element inside an element marked as chrome, the marked ones included. `marked`: the
    marked elements when the caller has them listed already (else they are looked up)."""
    inside: set[HtmlElement] = set()
    for node in MARKED(root) if marked is None else marked:
        inside.update(node.iter())
    return inside


def scanned_attributes() -> frozenset[str]:
    """The attributes the chrome selectors find their candidates by, and the chrome mark a page may
    carry already, for `PageScan.of` to list in its one pass."""
    return _rules().selectors.attributes | {CHROME_MARK}


# Cut out at once: apparatus inside paragraphs ([n], [edit]); menus and footers, which are
# most of a real page's markup (cutting them halves the clean stage on pages of real size);
# newsletter and share boxes, whose short paragraphs next to an A-Z list made trafilatura
# read the list's terms as paragraphs and lose the first one (28 of 100 benchmark A-Z
# pages). Together they cost two content snippets of 765 on the consent pages and let less
# boilerplate through (README, "Measured").
_CUT_REASONS = frozenset({"apparatus", "references", "navigation", "footer", "newsletter", "share"})

_ANCHOR_TAGS = frozenset({*HEADING_TAGS, "dt"})
_SKIP_TAGS = frozenset({"script", "style", "template", "head", "title", "meta", "link", "html", "body"})
# A chrome-named element that holds more than this share of the page's text is a wrapper
# with an unlucky class name ("print-area", "page-meta-wrap"), not chrome.
_MAX_PAGE_SHARE = 0.4
# Attribute values are split into words at these characters, so that BEM names
# ("masthead__nav", "share-bar") expose their parts.
_NAME_SPLIT = re.compile(r"[\s_\-]+")
# Running text: a block with this much non-link text of its own is a paragraph of prose.
PROSE_CHARS = 150
# One paragraph this long is an article lead, not a box's blurb.
_LONG_PROSE_CHARS = 250
PROSE_INLINE = frozenset({"b", "strong", "em", "i", "span", "font", "sup", "sub", "small", "code", "mark", "abbr"})
# Letter navigation is a run of one-letter links; only their parents are read. The links are
# found first and counted per parent (an XPath counting each element's children was slower).
_ONE_LETTER_LINKS = etree.XPath("//body//a[string-length(normalize-space(.)) = 1]")
_MIN_LETTER_LINKS = 5
# Boxes whose name is unambiguous keep no prose worth saving, however long it is.
_NO_PROSE_GUARD = frozenset({"disclaimer", "newsletter", "references"})
# Letter navigation: at least this many single letters (or digit ranges) and nothing else.
_LETTER_TOKEN = re.compile(r"^(?:[A-Za-zÄÖÜ]|0-9|#|[·|•/–-])$")
_MIN_LETTERS = 5


@dataclass(frozen=True, slots=True)
class _TextRule:
    pattern: re.Pattern[str]
    reason: RemovalReason
    max_chars: int
    source: str
    tail_only: bool  # judged only in the page's second half (author bios follow the article)
    needles: Needles | None  # the words the pattern cannot match without (needles.py)


@dataclass(frozen=True, slots=True)
class _Rules:
    selectors: SelectorIndex
    selector_meta: tuple[tuple[RemovalReason, str], ...]
    tokens: dict[str, RemovalReason]
    az_intro_tokens: frozenset[str]
    az_page_title: re.Pattern[str]
    box_label: re.Pattern[str]
    box_max_chars: int
    box_reason: RemovalReason
    link_cell_min_links: int
    link_cell_min_share: float
    heading_sections: tuple[tuple[re.Pattern[str], RemovalReason], ...]
    text_rules: tuple[_TextRule, ...]
    text_rule_needles: NeedleIndex  # every text rule's needles, found in one scan per block
    section_max_block_chars: int
    topics: tuple[tuple[re.Pattern[str], RemovalReason], ...]
    topic_max_label_chars: int


@cache
def _rules() -> _Rules:
    """Load and compile the rules once per process."""
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    flags = re.IGNORECASE | re.UNICODE
    tokens: dict[str, RemovalReason] = {}
    for group in data["name_tokens"]:
        for token in group["tokens"]:
            tokens[token.lower()] = cast(RemovalReason, group["reason"])
    text_rules = tuple(
        _TextRule(
            pattern=(pattern := re.compile(rule["re"], flags)),
            reason=cast(RemovalReason, rule["reason"]),
            max_chars=int(rule["max_chars"]),
            source=rule["source"],
            tail_only=bool(rule.get("tail_only")),
            needles=required_needles(pattern),
        )
        for rule in data["text_rules"]
    )
    return _Rules(
        selectors=build_selector_index([rule["css"] for rule in data["selectors"]]),
        selector_meta=tuple((cast(RemovalReason, rule["reason"]), rule["source"]) for rule in data["selectors"]),
        tokens=tokens,
        az_intro_tokens=frozenset(data["az_intro_tokens"]),
        az_page_title=re.compile(data["az_page_title"], flags),
        box_label=re.compile(data["box_labels"]["re"], flags),
        box_max_chars=int(data["box_labels"]["max_chars"]),
        box_reason=cast(RemovalReason, data["box_labels"]["reason"]),
        link_cell_min_links=int(data["layout_link_cells"]["min_links"]),
        link_cell_min_share=float(data["layout_link_cells"]["min_link_share"]),
        heading_sections=tuple(
            (re.compile(rule["re"], flags), cast(RemovalReason, rule["reason"])) for rule in data["heading_sections"]
        ),
        text_rules=text_rules,
        text_rule_needles=NeedleIndex(needle for rule in text_rules for needle in rule.needles or ()),
        section_max_block_chars=int(data["block_sections"]["max_block_chars"]),
        topics=tuple(
            (re.compile(topic["re"], flags), cast(RemovalReason, topic["reason"]))
            for topic in data["topic_pages"]["topics"]
        ),
        topic_max_label_chars=int(data["topic_pages"]["max_label_chars"]),
    )


class _Remover:
    """Drops chrome nodes under the guards that keep the article itself safe."""

    def __init__(self, scan: PageScan) -> None:
        self.root = scan.root
        self._page_chars: int | None = None
        self.removed: list[Removal] = []
        self.emptied: list[HtmlElement] = []
        # Every element inside a subtree already marked or cut: menus repeat chrome class
        # words on each item ("menu-item"), so most candidates sit inside a box already
        # judged, and a set lookup replaces a walk up the ancestors for each of them.
        # Marks the page itself carried are marks too (the scan's list may hold elements the
        # consent rules removed since: drop() skips detached elements anyway).
        self._judged = inside_marked(self.root, scan.with_attribute(CHROME_MARK))

    def page_chars(self) -> int:
        """Visible characters of the page before any chrome was cut out.

        Reading the whole page's text is costly and only long candidates need it, so it is
        read on first use; drop() reads it before the first cut, so it is always the
        length of the page as it came in.
        """
        if self._page_chars is None:
            body = self.root.find("body")
            self._page_chars = max(len(visible_text(body if body is not None else self.root)), 1)
        return self._page_chars

    def drop(
        self, node: HtmlElement, reason: RemovalReason, rule: str, *, allow_h1: bool = False, prose_guard: bool = False
    ) -> bool:
        if node in self._judged:
            return False
        if node.tag in ROOT_TAGS or node.getparent() is None or not is_attached(node, self.root):
            return False
        if prose_guard and _holds_prose(node):
            return False
        if not allow_h1 and next(node.iter("h1"), None) is not None:
            return False
        text = visible_text(node)
        if len(text) > 500 and len(text) > _MAX_PAGE_SHARE * self.page_chars():
            return False
        if text:
            self.removed.append(Removal.of_text(reason, text, rule=rule))
        self._judged.update(node.iter())
        if reason in _CUT_REASONS:
            self.page_chars()  # measured on the page as it came in, before the first cut
            # Emptied now (its text, children and attributes go; the tail belongs to the parent), taken out at
            # the end in one pass per parent (`cut_emptied`): drop_tree here joined every tail onto the parent's
            # growing text, the square of a run of share boxes in one container.
            node.clear(keep_tail=True)
            self.emptied.append(node)
        else:
            node.set(CHROME_MARK, reason)
        return True


def _holds_prose(node: HtmlElement) -> bool:
    """Two paragraphs of running (non-link) text, or one long one: an article wrapper, not chrome.

    Class words such as "widget", "share" or "sidebar" also name page-builder wrappers
    around the article; chrome boxes hold at most one sentence-length paragraph.
    """
    paragraphs = 0
    for block in node.iter("p", "div", "td", "li", "dd", "blockquote"):
        own = len((block.text or "").strip()) + sum(
            len((child.tail or "").strip()) + (len(" ".join(child.itertext())) if child.tag in PROSE_INLINE else 0)
            for child in block
        )
        if own >= PROSE_CHARS:
            paragraphs += 1
            if paragraphs >= 2 or own >= _LONG_PROSE_CHARS:
                return True
    return False


@lru_cache(maxsize=1 << 16)
def _name_hit(values: tuple[str | None, ...]) -> tuple[str | None, bool]:
    """(the first chrome word among the attribute values, whether they name an A-Z page intro).

    Whole words come before their BEM parts and earlier attributes before later ones, so
    an element naming two kinds of chrome ("widget footer-links") is judged the same way
    in every run (a set's order changed with the interpreter's hash seed). Cached:
    templated pages repeat the same class names on every page and many elements.
    """
    rules = _rules()
    words = _name_words(values)
    hit = next((word for word in words if word in rules.tokens), None)
    return hit, not rules.az_intro_tokens.isdisjoint(words)


def _name_words(values: tuple[str | None, ...]) -> list[str]:
    lowered = [value.lower() for value in values if value]
    whole = [word for value in lowered for word in value.split()]
    parts = [part for value in lowered for part in _NAME_SPLIT.split(value) if part]
    return list(dict.fromkeys(whole + parts))


def _is_letter_navigation(text: str) -> bool:
    """Every token a letter or separator ("A B C D E", "A | B | C"); prose fails at its first word."""
    tokens = text.split()
    return len(tokens) >= _MIN_LETTERS and all(_LETTER_TOKEN.match(token) for token in tokens)


def _is_az_page(root: HtmlElement, rules: _Rules) -> bool:
    """An A-Z/list page: its h1 names a glossary, letter or term list."""
    h1 = next(root.iter("h1"), None)
    return h1 is not None and bool(rules.az_page_title.search(visible_text(h1)))


def remove_chrome_nodes(scan: PageScan) -> list[Removal]:
    """Remove apparatus and mark navigation, footers, sidebars, share/newsletter boxes by markup.

    Marked elements stay in the tree for trafilatura's page-level heuristics; their text
    is dropped from the extracted blocks (see CHROME_MARK).
    """
    rules = _rules()
    root = scan.root
    remover = _Remover(scan)

    for node, index in rules.selectors.matches(scan):
        reason, source = rules.selector_meta[index]
        remover.drop(node, reason, f"selector: {source}", prose_guard=reason == "related-links")

    # a site header without the page title is masthead chrome (logo, tagline, menu); a
    # <header> inside the article or one of its sections introduces content instead
    for node in list(root.iter("header")):
        if not any(ancestor.tag in ("article", "main", "section") for ancestor in node.iterancestors()):
            remover.drop(node, "navigation", "header without h1", prose_guard=True)

    az_page = _is_az_page(root, rules)
    for node in scan.body_chrome_named:
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        # the id of a heading or a list term is an anchor made from its own text ("feedback"
        # for the term Feedback), not the name of a component
        node_id = None if tag in _ANCHOR_TAGS else node.get("id")
        hit, az_intro = _name_hit((node.get("class"), node_id, node.get("role"), node.get("data-module")))
        if hit is not None:
            guard = tag != "p" and rules.tokens[hit] not in _NO_PROSE_GUARD
            remover.drop(node, rules.tokens[hit], f"name word: {hit}", prose_guard=guard)
        elif az_page and az_intro:
            remover.drop(node, "other-boilerplate", "A-Z page intro")
    for node in _letter_link_parents(scan):
        text = visible_text(node)
        if text and len(text) < 200 and _is_letter_navigation(text):
            remover.drop(node, "navigation", "letter navigation")
    for cell in _link_only_layout_cells(root, rules):
        remover.drop(cell, "navigation", "layout-table cell of links only")
    for box, label in _labelled_boxes(scan, rules):
        remover.drop(box, rules.box_reason, f"box label: {label}")

    _remove_heading_sections(root, rules, remover)
    rebuild(frozenset(), frozenset(remover.emptied))  # those inside another emptied box are detached already
    return remover.removed


def _letter_link_parents(scan: PageScan) -> list[HtmlElement]:
    """Body descendants with at least five one-letter links as children, in document order."""
    counts = Counter(link.getparent() for link in _ONE_LETTER_LINKS(scan.root))
    body = scan.root.find("body")
    return scan.in_document_order({node for node, n in counts.items() if n >= _MIN_LETTER_LINKS and node is not body})


# Elements with a short own text that may be a box label ("Term of the Day"): only these few
# are judged by the label pattern. A Python walk over the text pieces: the XPath it replaces
# (a translate() per text node) cost about 50 µs an element.
_BOX_LABEL_STEMS = (" of the ", "featured", "today", "spotlight")
_BOX_LABEL_MAX_CHARS = 60


def _box_label_candidates(scan: PageScan) -> list[HtmlElement]:
    body = scan.root.find("body")
    if body is None or not any(stem in scan.body_text() for stem in _BOX_LABEL_STEMS):
        return []
    found = []
    for element in body.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        if _is_box_label_piece(element.text):
            found.append(element)
            continue
        for child in element:
            if _is_box_label_piece(child.tail):
                found.append(element)
                break
    return found


def _is_box_label_piece(piece: str | None) -> bool:
    # most pieces are the whitespace between tags: told apart before any lowering
    if not piece or piece.isspace():
        return False
    lowered = piece.lower()
    return any(stem in lowered for stem in _BOX_LABEL_STEMS) and len(normalize_space(piece)) < _BOX_LABEL_MAX_CHARS


_BOX_TAGS = frozenset({"div", "section", "aside", "td", "li", "dl", "table", "form"})


def _labelled_boxes(scan: PageScan, rules: _Rules) -> list[tuple[HtmlElement, str]]:
    """Small boxes that open with a label such as "Term of the day" (the label element can
    be anything: a styled div, a <b>, an <hN>), with the label's text."""
    found = []
    for element in _box_label_candidates(scan):
        label = visible_text(element)
        if not rules.box_label.match(label.rstrip(":")):
            continue
        box = next(element.iterancestors(*_BOX_TAGS), None)  # past the label's own <p>, <b> or <hN>
        if box is None:
            continue
        text = visible_text(box)
        if text.startswith(label) and len(text) <= rules.box_max_chars:
            found.append((box, label))
    return found


def _link_only_layout_cells(root: HtmlElement, rules: _Rules) -> list[HtmlElement]:
    """Layout tables (no <th>), or cells of them, whose text is almost all link text: the
    menu column, as one cell of links or as a nested table with a link in each cell."""
    # Each table's test reads its whole subtree, nested tables included: on a page without the links
    # any unit needs (most pages with tables nested deep have none), no table is read at all.
    if next(islice(root.iter("a"), rules.link_cell_min_links - 1, None), None) is None:
        return []
    found = []
    for table in root.iter("table"):
        if next(table.iter("th"), None) is not None:
            continue
        found.extend(unit for unit in (table, *table.iter("td")) if _is_link_list(unit, rules))
    return found


def _is_link_list(unit: HtmlElement, rules: _Rules) -> bool:
    if unit.tag == "td" and next(unit.iter("table"), None) is not None:
        return False  # a cell holding a nested table is judged by that table
    links = [text for link in unit.iter("a") if (text := visible_text(link))]
    if len(links) < rules.link_cell_min_links:
        return False
    # letters and digits only: separators between the links (" · ", " | ") are no text of their own
    return _word_chars(" ".join(links)) >= rules.link_cell_min_share * _word_chars(visible_text(unit))


def _word_chars(text: str) -> int:
    return sum(character.isalnum() for character in text)


def _remove_heading_sections(root: HtmlElement, rules: _Rules, remover: _Remover) -> None:
    """Drop 'References' / 'Related terms' headings with the lists they introduce."""
    dropped_any = False  # until this loop drops something, every heading it listed is still in the tree
    for heading in list(root.iter(*HEADING_TAGS)):
        if dropped_any and not is_attached(heading, root):
            continue
        title = visible_text(heading).rstrip(":").strip()
        match = heading_section_reason(title)
        if match is None:
            continue
        level = int(heading.tag[1])
        following: list[HtmlElement] = []
        for sibling in heading.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in HEADING_TAGS and int(sibling.tag[1]) <= level:
                break
            inner = next(sibling.iter(*HEADING_TAGS), None)
            if inner is not None and int(inner.tag[1]) <= level:
                break
            following.append(sibling)
        for sibling in following:
            remover.drop(sibling, match, f"section under heading: {title}")
        remover.drop(heading, match, f"heading: {title}")
        dropped_any = True


def _text_rule(text: str, *, in_tail: bool, topic_reasons: frozenset[RemovalReason]) -> _TextRule | None:
    rules = _rules()
    present = rules.text_rule_needles.present(text.lower())
    for rule in rules.text_rules:
        if len(text) > rule.max_chars or (rule.tail_only and not in_tail):
            continue
        if rule.reason in topic_reasons and len(text) > rules.topic_max_label_chars:
            continue  # the page is about this: only its short label lines are judged
        if (rule.needles is None or not rule.needles.isdisjoint(present)) and rule.pattern.search(text):
            return rule
    return None


def _topic_reasons(blocks: list[Block], title: str | None) -> frozenset[RemovalReason]:
    """Reasons whose subject the page itself is about (its title or first heading names it)."""
    first_heading = next((block.text for block in blocks[:5] if block.role == "heading"), "")
    names = f"{title or ''} {first_heading}"
    return frozenset(reason for pattern, reason in _rules().topics if pattern.search(names))


# A bold line this short stands for a heading ("<p><b>Sources</b></p>").
BOLD_LABEL_CHARS = 40


def _section_reason(block: Block) -> RemovalReason | None:
    """The reason of a heading or bold label line that opens a run of boilerplate blocks
    ("References", "Read next")."""
    if block.role != "heading" and not (block.all_bold and len(block.text) <= BOLD_LABEL_CHARS):
        return None
    return heading_section_reason(block.text.rstrip(":").strip())


@lru_cache(maxsize=4096)
def heading_section_reason(title: str) -> RemovalReason | None:
    """The boilerplate reason a heading's title names ("References", "Read next"), or None. Cached: a
    page asks about every heading twice (in the tree, then as a block), and many pages repeat theirs."""
    return next((reason for pattern, reason in _rules().heading_sections if pattern.search(title)), None)


@dataclass(slots=True)
class _Section:
    """An open run of boilerplate blocks under a heading such as "References" or "Read next"."""

    reason: RemovalReason
    level: int
    heading: str
    lines_since_heading: int = 0


def _continues_section(block: Block, section: _Section) -> bool:
    """A block under a boilerplate heading that still belongs to its run: short lines,
    citations of any length under a references heading, and deeper headings while the run
    reads as cards (a title, at most one blurb). A deeper heading after two or more lines is
    the page's next part (a chart after a one-line "Related resources" list)."""
    if block.role == "heading":
        if (block.level or 6) <= section.level or section.lines_since_heading > 1:
            return False
        section.lines_since_heading = 0
        return True
    section.lines_since_heading += 1
    reason = section.reason
    if reason == "references" and is_citation(block.text):
        return True
    return len(block.text) <= _rules().section_max_block_chars


def drop_boilerplate_blocks(blocks: list[Block], title: str | None = None) -> tuple[list[Block], list[Removal]]:
    """Drop blocks that are boilerplate by wording or shape, in one pass over the blocks.

    Short blocks by wording: copyright, disclaimers, bylines, share lines, notices, ads,
    calls to action, paywalls, teasers. Citations by shape. A References / Read-next
    heading with the run of blocks under it. `title` is the page's <title>: a page about
    advertising or copyright keeps its own sentences on the subject (topic_pages).
    """
    topic_reasons = _topic_reasons(blocks, title)
    tail_start = len(blocks) // 2
    # A page repeats its lines (table cells, "Reply" under each comment): each text is judged once.
    text_rule_of: dict[tuple[str, bool], _TextRule | None] = {}
    citation_of: dict[str, bool] = {}
    kept: list[Block] = []
    removed: list[Removal] = []
    section: _Section | None = None
    for index, block in enumerate(blocks):
        text = block.text
        if section is not None:
            if _continues_section(block, section):
                removed.append(Removal.of_text(section.reason, text, rule=f"section under heading: {section.heading}"))
                continue
            section = None
        in_tail = index >= tail_start
        if (text, in_tail) not in text_rule_of:
            text_rule_of[text, in_tail] = _text_rule(text, in_tail=in_tail, topic_reasons=topic_reasons)
        rule = text_rule_of[text, in_tail]
        if rule is not None:
            removed.append(Removal.of_text(rule.reason, text, rule=f"text: {rule.source}"))
        elif _is_letter_navigation(text):
            removed.append(Removal.of_text("navigation", text, rule="letter navigation"))
        elif (opened := _section_reason(block)) is not None:
            # a bold label is below every real heading: the next heading of any level ends its run
            level = (block.level or 2) if block.role == "heading" else 6
            section = _Section(opened, level, text)
            removed.append(Removal.of_text(opened, text, rule=f"heading: {text}"))
        elif "references" not in topic_reasons and (
            citation_of[text] if text in citation_of else citation_of.setdefault(text, is_citation(text))
        ):
            removed.append(Removal.of_text("references", text, rule="citation shape"))
        else:
            kept.append(block)
    return kept, removed
