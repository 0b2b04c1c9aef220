"""Consent banners: remove known consent-platform containers, then banner text anywhere.

Three layers, all driven by consent_rules.json:
1. container selectors of consent platforms (OneTrust, Cookiebot, Complianz, ...);
2. home-made banners: an element whose id/class names consent *and* whose text reads as
   consent text (the name alone matches look-alikes such as body.cookies-not-set);
3. text rules: consent sentences wherever they sit (about a fifth of real banners sit in
   neutrally named markup, some inside the article container), widened to the run of
   neighbouring preference-panel lines that do not say "cookie" themselves.

A page whose article *is* a privacy or cookie policy keeps its cookie wording: there only
banner UI labels ("Accept all", "Cookie settings") are removed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from lxml import etree
from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, Removal, normalize_space
from pipeline.clean.dom import ROOT_TAGS, PageScan, SelectorIndex, build_selector_index, is_attached, visible_text

_RULES_PATH = Path(__file__).with_name("consent_rules.json")

# Elements whose own text can be a banner sentence or a banner's wrapper. Inline tags are
# left out so that a content paragraph is judged whole, not by one of its links.
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "aside", "li", "dd", "dt", "td", "form", "dialog", "details",
    "summary", "noscript", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "label",
    "center", "blockquote", "ul", "ol", "dl", "table", "tbody", "tr", "span", "font",
})
# Inline markup: part of the text of the block around it.
_INLINE_TAGS = frozenset({
    "a", "abbr", "b", "cite", "code", "em", "font", "i", "mark", "q", "small", "span", "strong",
    "sub", "sup", "time", "u", "br",
})
# Stems of the common banner sentences: text nodes without any are not judged in the tree
# (rarer wordings are still caught in the extracted blocks). Matched against lowercased
# text: an IGNORECASE alternation is several times slower.
_PREFILTER = re.compile(
    r"cooki|consent|akzept|accept|allow|reject|deny|ablehn|refus|rechaz|acept|akceptu|privacy|datenschutz|"
    r"privatsph|einwillig|zustimm|continu|browsing|partner|youtube|vimeo|google maps|twitter|instagram|"
    r"facebook|externe|ciasteczk|einverstanden"
)
# Elements whose text is never page text.
_NO_TEXT_TAGS = frozenset({"script", "style", "template"})
# Banner furniture that carries no content of its own: swept together with a banner.
_CONTROL_TAGS = frozenset({"button", "form", "input", "label", "select", "option", "a", "img", "svg", "i"})
_SKIP_TAGS = frozenset({"script", "style", "template", "head", "title", "meta", "link"})
# Longest element judged by the text rules: longer ones are containers, judged by parts.
_MAX_TEXT_ELEMENT = 700
# Banner UI labels ("Accept all", "Cookie settings") count only as (nearly) the whole text.
_UI_MAX_CHARS = 120
# A consent run in blocks may start with a short title ("Your privacy, your choice").
_TITLE_MAX_CHARS = 80
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@dataclass(frozen=True, slots=True)
class _TextRule:
    pattern: re.Pattern[str]
    source: str
    needs_context: bool
    max_chars: int | None
    ui: bool


@dataclass(frozen=True, slots=True)
class _Rules:
    remove: SelectorIndex
    remove_sources: tuple[str, ...]
    keep: SelectorIndex
    named: re.Pattern[str]
    named_max_chars: int
    strong: tuple[_TextRule, ...]
    category: tuple[re.Pattern[str], ...]
    weak: re.Pattern[str]
    context: re.Pattern[str]
    policy: re.Pattern[str]
    run_max_chars: int
    vocabulary: re.Pattern[str]  # lowercase text matching no strong or category rule lacks all of it


@cache
def _rules() -> _Rules:
    """Load and compile the rules once per process."""
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    text = data["text_rules"]
    flags = re.IGNORECASE | re.UNICODE
    return _Rules(
        remove=build_selector_index([rule["css"] for rule in data["container_selectors"]]),
        remove_sources=tuple(rule["source"] for rule in data["container_selectors"]),
        keep=build_selector_index([rule["css"] for rule in data["never_match"]]),
        named=re.compile(data["named_container"]["attribute_pattern"], flags),
        named_max_chars=int(data["named_container"]["max_chars"]),
        strong=tuple(
            _TextRule(
                pattern=re.compile(rule["re"], flags),
                source=rule["source"],
                needs_context=bool(rule.get("needs_context")),
                max_chars=rule.get("max_chars"),
                ui=bool(rule.get("ui")),
            )
            for rule in text["strong"]
        ),
        category=tuple(re.compile(rule["re"], flags) for rule in text["category"]),
        weak=re.compile(text["weak"], flags),
        context=re.compile(text["context"], flags),
        policy=re.compile(text["policy_title"], flags),
        run_max_chars=int(text["run_max_chars"]),
        vocabulary=re.compile(text["required_vocabulary"]["re"]),
    )


def scanned_attributes() -> frozenset[str]:
    """The attributes the consent selectors find their candidates by, for `PageScan.of` to list in its one pass."""
    rules = _rules()
    return rules.remove.attributes | rules.keep.attributes


def _consent_rule(text: str, *, policy_page: bool = False) -> str | None:
    """The source of the first rule that marks `text` as consent text, or None."""
    rules = _rules()
    text = normalize_space(text)
    if not text or not rules.vocabulary.search(text.lower()):
        return None  # most text says nothing about consent: skip the dozen rule searches
    text = text.translate(_APOSTROPHES)
    for rule in rules.strong:
        if policy_page and not rule.ui:
            continue
        if rule.max_chars is not None and len(text) > rule.max_chars and not rules.context.search(text):
            continue
        if (policy_page or rule.ui) and len(text) > _UI_MAX_CHARS:
            continue  # a label inside a long text is a link in content, not the banner itself
        if rule.pattern.search(text) and (not rule.needs_context or rules.context.search(text)):
            return rule.source
    if not policy_page:
        for pattern in rules.category:
            if pattern.search(text):
                return "preference-panel category description"
    return None


def is_consent_text(text: str) -> bool:
    """True when the text reads as cookie/consent banner text (any of the strong rules)."""
    return _consent_rule(text) is not None


def _continues_run(text: str, role: str | None = None) -> bool:
    """A line without the word cookie that still belongs to an adjacent consent run.

    Preference panels describe categories in lines such as "This helps support our free
    resources through personalized marketing efforts and promotions." They are short and
    dense in consent vocabulary; entry text is longer or talks about something else.
    """
    rules = _rules()
    text = normalize_space(text)
    if not text:
        return True
    if len(text) > rules.run_max_chars or role == "heading":
        return False
    hits = len(rules.weak.findall(text))
    return hits >= 2 or (hits >= 1 and len(text) <= _TITLE_MAX_CHARS)


def _own_text(node: HtmlElement) -> str:
    """Text of the element without its block-level descendants (inline children included).

    Judging each block by its own text finds the innermost banner block in one pass over
    the tree, instead of re-reading every ancestor's whole text.
    """
    parts = [node.text or ""]
    for child in node:
        if isinstance(child.tag, str) and child.tag in _INLINE_TAGS:
            parts.append(" ".join(child.itertext()))
        parts.append(child.tail or "")
    return normalize_space(" ".join(parts))


def _is_policy_title(text: str) -> bool:
    return bool(_rules().policy.search(text))


def _policy_page(root: HtmlElement) -> bool:
    """The page's own title or h1 says it is a privacy/cookie policy."""
    for tag in ("title", "h1"):
        for node in root.iter(tag):
            if _is_policy_title(visible_text(node)):
                return True
    return False


def _protected(scan: PageScan, keep: SelectorIndex) -> set[HtmlElement]:
    return {node for node, _ in keep.matches(scan)}


@lru_cache(maxsize=1 << 16)
def _consent_named(names: str) -> bool:
    """The id/class words name consent (cached: templated pages repeat their class names)."""
    return bool(_rules().named.search(names))


def _text_owners(scan: PageScan) -> Iterator[HtmlElement]:
    """The element holding each body text node that has a banner stem, in document order.

    One walk with a lowercase test per text node, instead of an XPath over every text node
    (with ancestor tests) and an IGNORECASE search per node; none on a page whose text holds no stem.
    """
    body = scan.root.find("body")
    if body is None or not _PREFILTER.search(scan.body_text()):
        return
    walker = etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            if not isinstance(element.tag, str) or element.tag in _NO_TEXT_TAGS:
                walker.skip_subtree()  # its tail still comes with its end event
                continue
            text, owner = element.text, element
        elif element is body:
            continue  # body's tail is not body text
        else:
            text, owner = element.tail, element.getparent()
        # most text nodes are the whitespace between tags: told apart before any lowering
        if text and not text.isspace() and _PREFILTER.search(text.lower()):
            yield owner


def _text_up_to(node: HtmlElement, limit: int) -> str | None:
    """visible_text(node) when it has at most `limit` characters, else None, reading no further."""
    pieces: list[str] = []
    length = -1
    for piece in node.itertext():
        normal = normalize_space(piece)
        if normal:
            pieces.append(normal)
            length += len(normal) + 1
            if length > limit:
                return None
    return " ".join(pieces)


def _removable(node: HtmlElement, protected: set[HtmlElement]) -> bool:
    if node in protected or node.tag in ROOT_TAGS or node.getparent() is None or node.get("role") == "main":
        return False
    # a consent class on a wrapper that also holds the page heading is a state class
    return next(node.iter("h1"), None) is None


def _drop(node: HtmlElement, removed: list[Removal], rule: str) -> None:
    text = visible_text(node)
    if text:
        removed.append(Removal.of_text("consent", text, rule=rule))
    node.drop_tree()


def remove_consent_nodes(scan: PageScan) -> list[Removal]:
    """Remove consent containers and consent text elements from the parsed tree."""
    rules = _rules()
    root = scan.root
    protected = _protected(scan, rules.keep)
    removed: list[Removal] = []

    # 1. consent platforms' own containers
    for node, index in rules.remove.matches(scan):
        if is_attached(node, root) and _removable(node, protected):
            _drop(node, removed, f"selector: {rules.remove_sources[index]}")

    policy_page = _policy_page(root)

    # 2. home-made containers: consent-named and reading as consent
    for node, node_id, node_class in scan.body_named:
        if node.tag in _SKIP_TAGS or node.tag in ROOT_TAGS:
            continue
        if not _consent_named(f"{node_id} {node_class}") or not is_attached(node, root):
            continue
        if not _removable(node, protected):
            continue
        text = visible_text(node)
        if text and len(text) <= rules.named_max_chars and _consent_rule(text, policy_page=policy_page):
            _drop(node, removed, "named consent container")

    # 3. consent text in neutral markup: the block whose own text reads as consent text,
    # then the banner furniture and preference lines around it
    candidates: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    for node in _text_owners(scan):
        while node is not None and node.tag not in _BLOCK_TAGS:
            node = node.getparent()
        if node is None or node in seen or node in protected:
            continue
        seen.add(node)
        own = _own_text(node)
        if 0 < len(own) <= _MAX_TEXT_ELEMENT and _consent_rule(own, policy_page=policy_page):
            candidates.append(node)
    for node in candidates:
        if not is_attached(node, root) or not _removable(node, protected):
            continue
        text = visible_text(node)
        if len(text) > _MAX_TEXT_ELEMENT:
            continue  # the sentence sits in a container with more text: leave it to the block rules
        rule = _consent_rule(text, policy_page=policy_page) or "consent text"
        _drop_with_run(node, removed, protected, f"text: {rule}", policy_page)
    return removed


def _sibling_is_furniture(node: HtmlElement, policy_page: bool) -> bool:
    if not isinstance(node.tag, str):
        return True
    if node.tag in _CONTROL_TAGS:
        return True
    if next(node.iter("h1"), None) is not None:
        return False
    text = visible_text(node)
    if not text:
        return True
    if _consent_rule(text, policy_page=policy_page):
        return True
    return not policy_page and _continues_run(text)


def _drop_with_run(
    node: HtmlElement, removed: list[Removal], protected: set[HtmlElement], rule: str, policy_page: bool
) -> None:
    """Drop a consent element with its adjacent furniture, then empty wrappers upwards."""
    while True:
        parent = node.getparent()
        siblings: list[HtmlElement] = []
        for direction in (node.itersiblings(preceding=True), node.itersiblings()):
            for sibling in direction:
                if sibling in protected or not _sibling_is_furniture(sibling, policy_page):
                    break
                siblings.append(sibling)
        for sibling in siblings:
            if (sibling.tail or "").strip() and sibling.getparent() is not None:
                continue  # loose text after it belongs to the parent: keep the element's tail
            _drop(sibling, removed, rule)
        _drop(node, removed, rule)
        if parent is None or parent.tag in ROOT_TAGS:
            return
        # the wrapper's text is read only up to a title's length, and its subtree searched for an
        # h1 only when that text is short: a wrapper holding many consent paragraphs between
        # prose must not be read whole once per paragraph
        rest = _text_up_to(parent, _TITLE_MAX_CHARS)
        if rest is None or (rest and not (_consent_rule(rest) or _continues_run(rest))):
            return
        if not _removable(parent, protected):
            return
        node = parent


def drop_consent_blocks(blocks: list[Block]) -> tuple[list[Block], list[Removal]]:
    """Drop consent blocks and the preference-panel lines of the same run."""
    policy_page = _blocks_are_policy(blocks)
    rule_of: dict[str, str | None] = {}  # a page repeats its lines: each text is judged once
    marks = [
        rule_of[block.text] if block.text in rule_of
        else rule_of.setdefault(block.text, _consent_rule(block.text, policy_page=policy_page))
        for block in blocks
    ]
    drop = [mark is not None for mark in marks]
    if not policy_page:
        for index, mark in enumerate(marks):
            if mark is None:
                continue
            # forward: category descriptions and panel lines after the banner sentence
            after = index + 1
            while after < len(blocks) and (drop[after] or _continues_run(blocks[after].text, blocks[after].role)):
                drop[after] = True
                after += 1
            # backward: a short banner title right before it
            before = index - 1
            if before >= 0 and not drop[before] and _continues_run(blocks[before].text):
                drop[before] = len(blocks[before].text) <= _TITLE_MAX_CHARS
    kept: list[Block] = []
    removed: list[Removal] = []
    for block, mark, dropped in zip(blocks, marks, drop, strict=True):
        if dropped:
            removed.append(Removal.of_text("consent", block.text, rule=f"text: {mark or 'consent run'}"))
        else:
            kept.append(block)
    return kept, removed


def _blocks_are_policy(blocks: Sequence[Block]) -> bool:
    """A privacy/cookie-policy article announces itself in its first lines or a heading."""
    return any(
        _is_policy_title(block.text) and _consent_rule(block.text) is None
        for index, block in enumerate(blocks)
        if len(block.text) <= _TITLE_MAX_CHARS and (index < 2 or (block.role == "heading" and (block.level or 9) <= 2))
    )
