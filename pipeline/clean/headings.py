"""Put back headings that trafilatura dropped in front of text it kept.

Trafilatura sometimes drops a heading while keeping the paragraph under it (short <h3>
term headings in A-Z blocks, headings with a trailing colon). The segmenter needs every
heading, so before extraction we note each heading with the opening of the text that
follows it, and afterwards insert the missing ones in front of that text.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, normalize_space
from pipeline.clean.chrome import inside_marked
from pipeline.clean.dom import HEADING_TAGS, visible_text

_ANCHOR_CHARS = 40
_SKIP_TEXT_OF = {"script", "style", "noscript", "template"}


@dataclass(frozen=True, slots=True)
class DomHeading:
    text: str
    level: int
    following_text: str  # the opening characters of the text after the heading


def collect_headings(root: HtmlElement, chrome: AbstractSet[HtmlElement] | None = None) -> list[DomHeading]:
    """The page's headings, except those inside chrome: a "Related terms" heading marked
    with its section must not come back in front of an identical paragraph of the entry.
    `chrome`: inside_marked(root), when the caller has it already.

    The text after each heading is read once per parent, walking its children from the last:
    each child's opening is read once, however many headings precede it."""
    chrome = inside_marked(root) if chrome is None else chrome
    following_of: dict[HtmlElement, str] = {}
    for parent in dict.fromkeys(heading.getparent() for heading in root.iter(*HEADING_TAGS)):
        if parent is None:
            continue
        following = ""
        for child in reversed(list(parent)):
            if isinstance(child.tag, str) and child.tag in HEADING_TAGS:
                following_of[child] = following
            following = " ".join(part for part in (_opening(child), following) if part)[:_ANCHOR_CHARS]
    headings = []
    for element in root.iter(*HEADING_TAGS):
        if element in chrome:
            continue
        text = visible_text(element)
        following = following_of.get(element, "")
        if text and following:
            headings.append(DomHeading(text, int(element.tag[1]), following))
    return headings


def _opening(node: HtmlElement) -> str:
    """The first _ANCHOR_CHARS characters of the node's visible text, space-normalised."""
    pieces: list[str] = []
    length = 0
    for piece in _visible_text(node):
        pieces.append(normalize_space(piece))
        length += len(pieces[-1]) + 1
        if length > _ANCHOR_CHARS:
            break
    return " ".join(pieces)[:_ANCHOR_CHARS]


def _visible_text(node: HtmlElement) -> Iterator[str]:
    if not isinstance(node.tag, str) or node.tag in _SKIP_TEXT_OF:
        if node.tail and node.tail.strip():
            yield node.tail
        return
    yield from (text for text in node.itertext() if text.strip())


def restore_headings(blocks: list[Block], headings: list[DomHeading]) -> list[Block]:
    """Insert each heading trafilatura dropped in front of the first block whose text opens with
    the text that followed the heading. One pass over the blocks per distinct anchor length
    (at most _ANCHOR_CHARS), not one per heading: a page may have thousands of headings."""
    if not headings:
        return blocks
    kept = {normalize_space(b.text).rstrip(":").lower() for b in blocks if b.role != "paragraph" or b.all_bold}
    # The text after a heading may span a few blocks (a sub-heading, then prose).
    openings = [" ".join(b.text[:_ANCHOR_CHARS] for b in blocks[index : index + 3])[:_ANCHOR_CHARS]
                for index in range(len(blocks))]
    first_by_length: dict[int, dict[str, int]] = {}
    inserts: dict[int, list[Block]] = {}
    for heading in headings:
        name = heading.text.rstrip(":").lower()
        if name in kept or len(heading.following_text) < 10:
            continue
        anchor = heading.following_text
        if len(anchor) not in first_by_length:
            first: dict[str, int] = {}
            for index, opening in enumerate(openings):
                first.setdefault(opening[: len(anchor)], index)
            first_by_length[len(anchor)] = first
        index = first_by_length[len(anchor)].get(anchor)
        if index is not None:
            inserts.setdefault(index, []).append(Block("heading", heading.text, level=heading.level))
            kept.add(name)
    if not inserts:
        return blocks
    restored: list[Block] = []
    for index, block in enumerate(blocks):
        restored += inserts.get(index, [])
        restored.append(block)
    return restored
