"""Headings made of styled markup: rewritten to <h2>-<h6> before extraction.

Many templates mark their headings by look, not by tag: `<div class="entry-title">`,
`<span style="font-weight:bold">`, `<font size="5"><b>…</b></font>` in a 1990s table layout,
or a `<b>` line between `<br>`s. Trafilatura keeps <hN> elements as headings and the
segmenter reads headings first, so such a line, when it is short, not a sentence and on a
line of its own, becomes a real heading element in the tree. Levels follow prominence
(a title class or large type above a bold line), starting at <h2>: an <h1> is left to the
page, because the chrome rules protect whatever holds one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml.html import HtmlElement

from pipeline.clean.blocks import normalize_space
from pipeline.clean.chrome import inside_marked
from pipeline.clean.dom import HEADING_TAGS

_RULES_PATH = Path(__file__).with_name("styled_headings.json")

# Block-level elements: a styled element holding one of these is a wrapper, not a line.
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "td", "th", "tr", "ul", *HEADING_TAGS,
})
# Inline wrappers a heading line may sit in (`<font size=2><b>Origin</b></font>`).
_INLINE_WRAPPERS = frozenset({"font", "span", "b", "strong", "em", "i", "u", "big", "small"})
# A heading never sits inside these: link text, form labels, list items and table headers
# are short lines in bold that are not headings of the entry.
_NEVER_INSIDE = frozenset({
    "a", "button", "label", "li", "dt", "dd", "th", "caption", "figcaption", "select", "option", "textarea",
    "summary", "legend", "blockquote", "pre", "code", *HEADING_TAGS,
})
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold(?:er)?|[7-9]00)\b", re.IGNORECASE)
_FONT_SIZE_STYLE = re.compile(
    r"font-size\s*:\s*(?:(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>px|pt|em|rem|%)|(?P<keyword>[a-z-]+))", re.IGNORECASE
)
_FONT_SIZE_ATTRIBUTE = re.compile(r"^\s*(?P<sign>[+-]?)(?P<size>[1-7])\s*$")
_NAME_SPLIT = re.compile(r"[\s_\-]+")
# Sizes relative to the body text (CSS: 16px = 12pt = 1em = 100% = medium).
_UNIT_BODY_SIZE = {"px": 16.0, "pt": 12.0, "em": 1.0, "rem": 1.0, "%": 100.0}
_KEYWORD_RATIO = {"large": 1.2, "x-large": 1.5, "xx-large": 2.0, "xxx-large": 3.0, "larger": 1.2}
_BODY_FONT_STEP = 3
# Prominence of type that is only bold; a size or a class word ranks above it.
_BOLD_PROMINENCE = 0.5
# Text this much larger than the body is a heading's type, whatever its weight.
_LARGER_THAN_BODY = 1.05
_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})
# A heading heads prose: the first block after it has this many words, mostly lower case.
_MIN_PROSE_WORDS = 15
_PROSE_LOOKAHEAD_CHARS = 300
_MAX_LOOKAHEAD_STEPS = 200
# How far up from the line the text after it is looked for (title in a wrapper of its own).
_MAX_CLIMB = 4
_FIRST_LEVEL = 2
# A top-level disclosure's summary heads a section below the page's title.
_SUMMARY_LEVEL = 3
_SECTION_HEADING_TAGS = HEADING_TAGS[1:]
# One <h2>-<h6> is often the entry's title itself (`<h2 class="entrytitle">`), not a section heading.
_MAX_OWN_HEADINGS = 1
_LAST_LEVEL = 6


@dataclass(frozen=True, slots=True)
class _Rules:
    class_prominence: dict[str, float]
    max_words: int
    max_chars: int
    sentence_end: re.Pattern[str]
    font_step_px: dict[int, float]


@cache
def _rules() -> _Rules:
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    text = data["heading_text"]
    return _Rules(
        class_prominence={entry["word"]: float(entry["prominence"]) for entry in data["class_words"]},
        max_words=int(text["max_words"]),
        max_chars=int(text["max_chars"]),
        sentence_end=re.compile(text["sentence_end"]),
        font_step_px={int(step): float(px) for step, px in data["font_size_steps"].items() if step.isdigit()},
    )


def looks_like_heading_line(text: str) -> bool:
    """Short, with a letter, and not a sentence (the shape of every heading the contract lists)."""
    rules = _rules()
    return (
        0 < len(text) <= rules.max_chars
        and len(text.split()) <= rules.max_words
        and any(character.isalpha() for character in text)
        and not rules.sentence_end.search(text)
    )


def promote_styled_headings(root: HtmlElement, chrome: AbstractSet[HtmlElement] | None = None) -> None:
    """Rewrite styled heading lines of the body to <h2>-<h6>, levels in prominence order,
    on pages whose text marks its sections by style only.

    Run after the chrome rules. A page with section headings of its own (two or more
    <h2>-<h6> outside chrome) is left alone: there, styled short lines are decoration
    (slider headlines, card and teaser titles), and making them headings made trafilatura
    keep them as content (wcxb-dev homepages and product pages lost precision).

    `chrome`: inside_marked(root), when the caller has it already.
    """
    body = root.find("body")
    if body is None:
        return
    chrome = inside_marked(root) if chrome is None else chrome
    if sum(1 for heading in body.iter(*_SECTION_HEADING_TAGS) if heading not in chrome) > _MAX_OWN_HEADINGS:
        return
    prominence_of: dict[HtmlElement, float] = {}
    for element in body.iter("div", "p", "span", "font", "b", "strong"):
        if element.tag in _STYLED_BY_ATTRIBUTES_ONLY and element.get("class") is None and element.get("style") is None:
            continue  # nothing styles it (most elements): no need to read its prominence
        if element in chrome:
            continue
        prominence = _styled_prominence(element)
        if prominence is None:
            continue
        line = _line_of(element)
        if line is None or not _is_heading_line(line) or not _heads_prose(line):
            continue
        prominence_of[line] = max(prominence, prominence_of.get(line, 0.0))
    if not prominence_of:
        return
    ranks = sorted(set(prominence_of.values()), reverse=True)
    for element, prominence in prominence_of.items():
        if element.getparent().tag == "p":
            _split_paragraph_at(element)
        element.tag = f"h{min(_FIRST_LEVEL + ranks.index(prominence), _LAST_LEVEL)}"


def _split_paragraph_at(line: HtmlElement) -> None:
    """Move a heading line out of its <p> (`<p><b>Origin</b><br>The word ...`): a heading
    inside a paragraph is no HTML, and trafilatura drops it. The text before it stays in the
    paragraph, the text after it goes to a new paragraph after the heading."""
    paragraph = line.getparent()
    after = paragraph.makeelement("p", {})
    after.text, line.tail = line.tail, None
    for sibling in list(line.itersiblings()):
        after.append(sibling)  # moves it, with its tail
    if len(after) and after[0].tag == "br" and not (after.text or "").strip():
        after.text = after[0].tail  # the line break that ended the heading line
        after.remove(after[0])
    after.tail, paragraph.tail = paragraph.tail, None
    paragraph.addnext(line)
    line.addnext(after)
    if not (paragraph.text or "").strip() and not len(paragraph):
        paragraph.getparent().remove(paragraph)
    if not (after.text or "").strip() and not len(after):
        line.tail = after.tail
        after.getparent().remove(after)


def promote_summaries(root: HtmlElement, chrome: AbstractSet[HtmlElement] | None = None) -> None:
    """`<details><summary>Origin</summary>text</details>`: the summary is the heading of the
    text in its disclosure. An explicit <hN> (h3 for a top-level disclosure, one deeper per
    nesting) gives it a level and lets collect_headings put it back if trafilatura drops it;
    a summary that is a sentence ("Read how the name came about.") is text, not a heading.
    `chrome`: inside_marked(root), when the caller has it already."""
    body = root.find("body")
    if body is None:
        return
    chrome = inside_marked(root) if chrome is None else chrome
    for summary in list(body.iter("summary")):
        details = summary.getparent()
        if summary in chrome or details is None or details.tag != "details":
            continue
        if next(summary.iter(*HEADING_TAGS), None) is not None:
            summary.drop_tag()  # `<summary><h3>Origin</h3></summary>`: the heading is there already
            continue
        if not looks_like_heading_line(normalize_space(" ".join(summary.itertext()))):
            summary.tag = "p"
            continue
        nesting = sum(1 for ancestor in details.iterancestors("details"))
        summary.tag = f"h{min(_SUMMARY_LEVEL + nesting, _LAST_LEVEL)}"


# Tags whose only styling is a class or style attribute (a <b> is bold, a <font> has a size).
_STYLED_BY_ATTRIBUTES_ONLY = frozenset({"div", "p", "span"})


def _styled_prominence(element: HtmlElement) -> float | None:
    """How prominent the element's styling is, or None when nothing styles it as a heading."""
    rules = _rules()
    signals: list[float] = []
    tag = element.tag
    if tag in ("b", "strong"):
        signals.append(_BOLD_PROMINENCE)
    classes = element.get("class")
    if classes and tag != "font":
        words = _NAME_SPLIT.split(classes.lower())
        signals.extend(rules.class_prominence[word] for word in words if word in rules.class_prominence)
    if tag == "font":
        ratio = _font_attribute_ratio(element.get("size"), rules)
        if ratio is not None and ratio > _LARGER_THAN_BODY:
            signals.append(_size_prominence(ratio))
    style = element.get("style")
    if style:
        ratio = _style_size_ratio(style)
        if ratio is not None and ratio > _LARGER_THAN_BODY:
            signals.append(_size_prominence(ratio))
        elif _BOLD_STYLE.search(style):
            signals.append(_BOLD_PROMINENCE)
    return max(signals) if signals else None


def _size_prominence(ratio: float) -> float:
    """Type 1.5 times the body size ranks with a title class, 1.25 times with a heading class."""
    if ratio >= 1.5:
        return 3.0
    if ratio >= 1.25:
        return 2.0
    return 1.0


def _font_attribute_ratio(size: str | None, rules: _Rules) -> float | None:
    match = _FONT_SIZE_ATTRIBUTE.match(size or "")
    if match is None:
        return None
    step = int(match["size"])
    if match["sign"]:
        step = _BODY_FONT_STEP + (step if match["sign"] == "+" else -step)
    step = min(max(step, 1), 7)
    return rules.font_step_px[step] / rules.font_step_px[_BODY_FONT_STEP]


def _style_size_ratio(style: str) -> float | None:
    match = _FONT_SIZE_STYLE.search(style)
    if match is None:
        return None
    if match["keyword"]:
        return _KEYWORD_RATIO.get(match["keyword"].lower())
    return float(match["number"]) / _UNIT_BODY_SIZE[match["unit"].lower()]


def _line_of(element: HtmlElement) -> HtmlElement | None:
    """The element that is the whole line: the styled one, or the inline wrappers around it
    that hold nothing else (`<font><b>Origin</b></font>`). None when it is not a line of its
    own (a bold phrase inside running text)."""
    if element.tag in ("div", "p"):
        inner = element.iterdescendants()
        return None if any(isinstance(node.tag, str) and node.tag in _BLOCK_TAGS for node in inner) else element
    line = element
    parent = line.getparent()
    while (
        parent is not None
        and parent.tag in _INLINE_WRAPPERS
        and len(parent) == 1
        and not (parent.text or "").strip()
        and not (line.tail or "").strip()
    ):
        line, parent = parent, parent.getparent()
    return line if _starts_line(line) and _ends_line(line) else None


def _heads_prose(line: HtmlElement) -> bool:
    """The first block of text after the line is prose (a section's paragraph), not a
    value, a price, a button label or a one-line teaser: labels in product and listing
    templates ("Medium", "Pay with PayPal") are styled just like headings."""
    pieces: list[str] = []
    chars = 0
    for step, piece in enumerate(_text_after(line)):
        if step >= _MAX_LOOKAHEAD_STEPS:
            break  # a run of empty blocks: bounded work per candidate line
        if piece is None:
            if pieces:
                break
            continue
        pieces.append(piece)
        chars += len(piece)
        if chars >= _PROSE_LOOKAHEAD_CHARS:
            break
    words = " ".join(pieces).split()
    return len(words) >= _MIN_PROSE_WORDS and sum(word[:1].islower() for word in words) * 2 >= len(words)


def _text_after(line: HtmlElement) -> Iterator[str | None]:
    """The text after the line in document order, read lazily: text pieces, and None for a
    line break or block boundary."""
    node = line
    for _ in range(_MAX_CLIMB):
        if node.tail and node.tail.strip():
            yield node.tail
        for sibling in node.itersiblings():
            yield from _text_of(sibling)
            if sibling.tail and sibling.tail.strip():
                yield sibling.tail
        parent = node.getparent()
        if parent is None:
            return
        if parent.tag in _BLOCK_TAGS:
            yield None
        node = parent


def _text_of(node: HtmlElement) -> Iterator[str | None]:
    if not isinstance(node.tag, str) or node.tag in _NO_TEXT_TAGS:
        return
    if node.tag == "br":
        yield None
        return
    block = node.tag in _BLOCK_TAGS
    if block:
        yield None
    if node.text and node.text.strip():
        yield node.text
    for child in node:
        yield from _text_of(child)
        if child.tail and child.tail.strip():
            yield child.tail
    if block:
        yield None


def _up_to_block(node: HtmlElement) -> list[HtmlElement]:
    """The node's ancestors up to and including the first block-level one."""
    found = []
    for ancestor in node.iterancestors():
        found.append(ancestor)
        if ancestor.tag in _BLOCK_TAGS:
            break
    return found


def _starts_line(node: HtmlElement) -> bool:
    """Nothing but a line break, a block boundary or empty inline elements before it."""
    while True:
        previous = node.getprevious()
        while previous is not None:
            if (previous.tail or "").strip():
                return False
            if previous.tag == "br" or previous.tag in _BLOCK_TAGS:
                return True
            if normalize_space("".join(previous.itertext())):
                return False
            previous = previous.getprevious()
        parent = node.getparent()
        if parent is None:
            return True
        if (parent.text or "").strip():
            return False
        if parent.tag not in _INLINE_WRAPPERS:
            return True
        node = parent  # first in an inline wrapper: the wrapper must start a line


def _ends_line(node: HtmlElement) -> bool:
    """Nothing but a line break, a block boundary or empty inline elements after it."""
    while True:
        if (node.tail or "").strip():
            return False
        following = node.getnext()
        while following is not None:
            if following.tag == "br" or following.tag in _BLOCK_TAGS:
                return True
            if normalize_space("".join(following.itertext())) or (following.tail or "").strip():
                return False
            following = following.getnext()
        parent = node.getparent()
        if parent is None or parent.tag not in _INLINE_WRAPPERS:
            return True
        node = parent


def _is_heading_line(line: HtmlElement) -> bool:
    parent = line.getparent()
    if parent is not None and parent.tag in _INLINE_WRAPPERS and any(
        ancestor.tag == "p" for ancestor in _up_to_block(parent)
    ):
        return False  # inside a <p> through inline markup that holds more text: cannot be split out
    if any(ancestor.tag in _NEVER_INSIDE for ancestor in line.iterancestors()):
        return False
    text = normalize_space(" ".join(line.itertext()))
    if not looks_like_heading_line(text):
        return False
    # a card's or a menu's linked title: a link, not a heading of this page's text
    linked = normalize_space(" ".join(t for a in line.iter("a") for t in a.itertext()))
    return linked != text

