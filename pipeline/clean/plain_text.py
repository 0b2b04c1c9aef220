"""Plain-text pages into blocks: underlined headings, and hard-wrapped paragraphs joined.

Text files come in two shapes. Some hold one paragraph or heading per line (the seed
page); every line is a block, and the segmenter reads each short non-sentence line as a
heading. Others are hard-wrapped at 70-80 columns, with blank lines between paragraphs
and headings underlined with `===` or `---` (setext style). There a paragraph spans
several lines and must be one block, or its broken lines would be read as headings.

A line continues the previous one only when the file is hard-wrapped (its prose lines all
end before a common width) and the previous line was full: the next line's first word
would not have fitted after it. A short line after a sentence end stays a line of its own.
"""

from __future__ import annotations

import re

from pipeline.clean.blocks import Block, normalize_space

# A setext underline: only '=' or only '-' (three or more), nothing else on the line.
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
# List items start a block of their own: "- item", "* item", "• item", "1. item", "a) item".
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)]|[a-z][.)])\s+\S")
_SENTENCE_END = re.compile(r"[.!?:;]['\"”’)]*$")
# Lines at least this long are prose lines, the ones that show a wrap width.
_MIN_PROSE_LINE = 40
# A hard-wrapped file keeps (nearly) all prose lines within this many columns.
_MAX_WRAP_WIDTH = 100
_MAX_LONG_LINE_SHARE = 0.1
_MIN_PROSE_LINES = 3
# A line this close to the wrap width is full even when the next word is short
# (hand-wrapped text breaks a few columns early).
_FULL_SHARE = 0.85
_MAX_HEADING_WORDS = 10


def text_blocks(text: str) -> list[Block]:
    """The page's blocks: underlined headings, then paragraphs (wrapped lines joined) and lines."""
    lines = [line.expandtabs().rstrip() for line in text.splitlines()]
    width = _wrap_width(lines)
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", normalize_space(" ".join(paragraph))))
            paragraph.clear()

    for index, raw in enumerate(lines):
        line = normalize_space(raw)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line:
            flush()
        elif _UNDERLINE.match(raw):
            flush()  # the underline of the heading before it, or a rule between parts: no text
        elif _UNDERLINE.match(following) and len(line.split()) <= _MAX_HEADING_WORDS:
            flush()
            # the page's first line is its title; '=' underlines rank above '-' ones
            level = 1 if not blocks else (2 if "=" in following else 3)
            blocks.append(Block("heading", line, level=level))
        elif paragraph and width is not None and _continues(paragraph[-1], line, width):
            paragraph.append(line)
        else:
            flush()
            paragraph.append(line)
    flush()
    return blocks


def _wrap_width(lines: list[str]) -> int | None:
    """The column the file is wrapped at, or None when its lines are not hard-wrapped."""
    prose = [len(line) for line in lines if len(line.strip()) >= _MIN_PROSE_LINE and not _UNDERLINE.match(line)]
    if len(prose) < _MIN_PROSE_LINES:
        return None
    within = [length for length in prose if length <= _MAX_WRAP_WIDTH]
    if len(prose) - len(within) > _MAX_LONG_LINE_SHARE * len(prose) or not within:
        return None
    return max(within)


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether `line` is the rest of the paragraph whose last line so far is `previous`."""
    if _LIST_ITEM.match(line):
        return False
    if _SENTENCE_END.search(previous) and _looks_like_heading(line):
        return False  # "...the end of a paragraph." then "Mechanism": a heading line of its own
    first_word = line.split()[0]
    return len(previous) + 1 + len(first_word) > width or len(previous) >= _FULL_SHARE * width


def _looks_like_heading(line: str) -> bool:
    return len(line.split()) <= _MAX_HEADING_WORDS and not _SENTENCE_END.search(line)
