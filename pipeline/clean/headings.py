"""Put back headings that trafilatura dropped in front of text it kept.

Trafilatura sometimes drops a heading while keeping the paragraph under it (short <h3>
term headings in A-Z blocks, headings with a trailing colon). The segmenter needs every
heading, so before extraction we note each heading with the opening of the text that
follows it, and afterwards insert the missing ones in front of that text.
"""

from __future__ import annotations

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


def collect_headings(root: HtmlElement) -> list[DomHeading]:
    """The page's headings, except those inside chrome: a "Related terms" heading marked
    with its section must not come back in front of an identical paragraph of the entry."""
    headings = []
    chrome = inside_marked(root)
    for element in root.iter(*HEADING_TAGS):
        if element in chrome:
            continue
        text = visible_text(element)
        if not text:
            continue
        following = _following_text(element)
        if following:
            headings.append(DomHeading(text, int(element.tag[1]), following))
    return headings


def _following_text(element: HtmlElement) -> str:
    """The first _ANCHOR_CHARS characters of the visible text after the heading, space-normalised;
    the walk stops as soon as it has them."""
    pieces: list[str] = []
    length = 0
    for node in element.itersiblings():
        for piece in _visible_text(node):
            pieces.append(normalize_space(piece))
            length += len(pieces[-1]) + 1
            if length > _ANCHOR_CHARS:
                return " ".join(pieces)[:_ANCHOR_CHARS]
    return " ".join(pieces)[:_ANCHOR_CHARS]


def _visible_text(node: HtmlElement) -> list[str]:
    if not isinstance(node.tag, str) or node.tag in _SKIP_TEXT_OF:
        return [node.tail] if node.tail and node.tail.strip() else []
    return [t for t in node.itertext() if t.strip()]


def restore_headings(blocks: list[Block], headings: list[DomHeading]) -> list[Block]:
    """Insert each heading trafilatura dropped in front of the first block whose text opens with
    the text that followed the heading. One pass over the blocks per distinct anchor length
    (at most _ANCHOR_CHARS), not one per heading: a page may have thousands of headings."""
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
