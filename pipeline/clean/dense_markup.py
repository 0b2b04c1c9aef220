"""Markup far denser than any real page, simplified before the rules and trafilatura walk it.

Extraction costs something per element, and two shapes make that cost explode:
- **Long runs of inline elements under one parent** (10,000 links or classed spans in one
  paragraph). Trafilatura strips such tags (span, links, font...) and then asks lxml for the
  paragraph's text nodes by XPath; lxml walks back over the whole run of neighbouring text
  nodes for each one it returns, so the time grows with the square of the run: 13,000 links
  in one paragraph took 11 s.
- **Formatting that covers the text instead of marking parts of it** (a `<b>` around every
  word): each formatting element costs trafilatura about 40 µs, 5 s for a 1 MB page.

Both are replaced by their text, merged into one text node per gap (lxml's `strip_tags`
would leave the pieces as neighbouring text nodes, the first shape again). The limits sit
well above the 1,943 real pages in ../shared/data, so no real page changes except where a
run is already past a limit (syntax-highlighting spans in `<pre>`, whose text stays).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED, MANUALLY_STRIPPED

from pipeline.clean.blocks import Removal

# Inline tags whose element carries no structure the later steps need once its text is
# kept: formatting, and the tags trafilatura strips itself (settings.MANUALLY_STRIPPED, plus
# links and spans after its link-density step).
INLINE_TAGS = frozenset({
    "a", "span", "font", "small", "big", "abbr", "acronym", "bdi", "bdo", "cite", "data", "dfn", "ins", "mark",
    "nobr", "ruby", "b", "strong", "i", "em", "u", "s", "strike", "tt", "sub", "sup", "del", "q", "kbd", "samp", "var",
})
FORMATTING_TAGS = frozenset({"b", "strong", "i", "em", "u", "s", "strike", "tt", "big", "small", "font", "mark"})

# Trafilatura deletes the elements of settings.MANUALLY_CLEANED with their text (ruby glosses, <time>,
# <nav>, <aside>, <footer>, form controls, media, ...) and unwraps those of MANUALLY_STRIPPED (<address>,
# <meta>, <template>, ...), one tree operation each that joins a tail onto the parent's growing text: a
# run of thousands in one parent costs it the square of the run (4,000 <template> in one paragraph:
# 48 s per MB). In a run, of any mix of them, they are dropped or unwrapped here in one pass, as
# trafilatura would have. Not dropped: <script>, <style>, <link> and <head>, which the payload and
# consent steps read; not unwrapped: the table sections, which hold rows.
RUN_DROPPED_TAGS = frozenset(MANUALLY_CLEANED) - {"script", "style", "link", "head"}
RUN_UNWRAPPED_TAGS = (INLINE_TAGS | frozenset(MANUALLY_STRIPPED)) - RUN_DROPPED_TAGS - {"tbody", "thead", "tfoot"}
# An unwrapped run puts its elements' children in the parent ("<sup><a>[1]</a></sup>" by the thousand
# leaves thousands of links): the runs are looked for again, this many times at most (each pass is
# linear; real inline markup nests two or three deep).
_RUN_PASSES = 4
# More inline children than this under one parent is a run to merge. The longest run on the
# real pages is 1,521 (syntax-highlighting spans inside one <pre>); the square of 1,000 is
# a few milliseconds.
RUN_LIMIT = 1_000
# A run whose links carry this share of the parent's text is a link list (what trafilatura's
# link-density test would delete), removed as navigation instead of merged into prose.
LINK_RUN_SHARE = 0.5
# Formatting elements: past this many on a page, and more than one per this many characters
# of text, they cover the text rather than mark parts of it. Real pages have at most 558 of
# one formatting tag, and a glossary's bold terms come one per sentence or more.
FORMATTING_LIMIT = 2_000
FORMATTING_CHARS_EACH = 20
# Spans without attributes match no rule of ours or of trafilatura; past this many they go.
# The most on the real pages is 1,008.
BARE_SPAN_LIMIT = 10_000


# Fewer inline elements than this on the whole page and no limit above can be reached: the page is left as it is.
_FEWEST_TO_SIMPLIFY = min(RUN_LIMIT, FORMATTING_LIMIT, BARE_SPAN_LIMIT) + 1


def simplify_dense_markup(root: HtmlElement, elements: list[HtmlElement] | None = None) -> list[Removal]:
    """Merge long inline runs and covering formatting into text; drop runs of links (navigation).

    `elements`: every element of the tree in document order, when the caller has them listed
    (the clean stage's scan reuses the list); it is listed again here when the markup changes.
    """
    removed: list[Removal] = []
    if elements is None:
        inline = list(root.iter(*INLINE_TAGS))
    else:
        inline = [element for element in elements if element.tag in INLINE_TAGS]
    run_tags = RUN_UNWRAPPED_TAGS | RUN_DROPPED_TAGS
    if len(inline) < _FEWEST_TO_SIMPLIFY and not _may_hold_run(root, elements, run_tags - INLINE_TAGS):
        return removed  # what real pages are: none of the counts below can pass its limit
    to_unwrap: set[HtmlElement] = set()
    to_drop: set[HtmlElement] = set()

    formatting = [element for element in inline if element.tag in FORMATTING_TAGS]
    if len(formatting) > FORMATTING_LIMIT:
        text_chars = sum(len(piece) for piece in root.itertext())
        if len(formatting) * FORMATTING_CHARS_EACH > text_chars:
            to_unwrap.update(formatting)
    bare_spans = [element for element in inline if element.tag == "span" and not element.attrib]
    if len(bare_spans) > BARE_SPAN_LIMIT:
        to_unwrap.update(bare_spans)

    changed = False
    for _ in range(_RUN_PASSES):
        runs_found = _find_runs(list(root.iter(*run_tags)), to_unwrap, to_drop, removed)
        if to_unwrap or to_drop:
            rebuild(to_unwrap, to_drop)
            changed = True
        to_unwrap, to_drop = set(), set()
        if not runs_found:
            break
    if changed and elements is not None:
        elements[:] = root.iter(etree.Element)
    return removed


def _may_hold_run(root: HtmlElement, elements: list[HtmlElement] | None, tags: AbstractSet[str]) -> bool:
    """More than RUN_LIMIT elements of `tags` on the page, which a run of them needs."""
    found = (element for element in elements if element.tag in tags) if elements is not None else root.iter(*tags)
    return sum(1 for _ in found) > RUN_LIMIT


def _find_runs(
    candidates: list[HtmlElement], to_unwrap: set[HtmlElement], to_drop: set[HtmlElement], removed: list[Removal]
) -> bool:
    """Add the elements of each run (more than RUN_LIMIT run tags under one parent) to `to_drop` (links
    that carry the parent's text, tags trafilatura deletes) or `to_unwrap` (the rest); whether any was found."""
    children_by_parent: dict[HtmlElement, list[HtmlElement]] = {}
    for element in candidates:
        parent = element.getparent()
        if parent is not None:
            children_by_parent.setdefault(parent, []).append(element)
    found = False
    for parent, children in children_by_parent.items():
        if len(children) <= RUN_LIMIT:
            continue
        found = True
        links = [child for child in children if child.tag == "a"]
        link_text = " ".join(" ".join(link.itertext()) for link in links)
        if links and len(link_text) >= LINK_RUN_SHARE * len(parent.text_content()):
            to_drop.update(links)
            removed.append(Removal.of_text("navigation", link_text,
                                           rule=f"a run of {len(links):,} links in one <{parent.tag}>"))
        deleted = [child for child in children if child.tag in RUN_DROPPED_TAGS]
        if deleted:
            to_drop.update(deleted)
            tags = ", ".join(sorted({f"<{child.tag}>" for child in deleted}))
            deleted_text = " ".join(" ".join(child.itertext()) for child in deleted)
            rule = f"a run of {len(deleted):,} {tags} in one <{parent.tag}>, which trafilatura deletes"
            removed.append(Removal.of_text("other-boilerplate", deleted_text, rule=rule))
        to_unwrap.update(child for child in children if child not in to_drop)
    return found


def rebuild(unwrap: AbstractSet[HtmlElement], drop: AbstractSet[HtmlElement] = frozenset()) -> None:
    """Replace each element of `unwrap` by its text and children, and each of `drop` by nothing
    (its tail stays), with the text of each gap in one piece.

    Linear in the children of the elements' parents: each parent is rebuilt once, with one
    assignment per text gap.
    """
    changed = unwrap | drop
    for parent in {element.getparent() for element in changed}:
        if parent is not None and parent not in changed:
            _rebuild(parent, unwrap, drop)


def _rebuild(parent: HtmlElement, unwrap: AbstractSet[HtmlElement], drop: AbstractSet[HtmlElement]) -> None:
    kept: list[HtmlElement] = []
    gaps: list[list[str]] = [[parent.text or ""]]  # gaps[0] is parent.text, gaps[i] is kept[i-1].tail
    # a stack of child iterators, and of the tails of unwrapped elements, due after their children
    stack: list[Iterator[HtmlElement] | str] = [iter(list(parent))]
    while stack:
        top = stack[-1]
        if isinstance(top, str):
            stack.pop()
            gaps[-1].append(top)
            continue
        child = next(top, None)
        if child is None:
            stack.pop()
        elif child in drop:
            gaps[-1].append(child.tail or "")
        elif child in unwrap:
            gaps[-1].append(child.text or "")
            if len(child):
                stack.append(child.tail or "")
                stack.append(iter(list(child)))
            else:
                gaps[-1].append(child.tail or "")
        else:
            kept.append(child)
            gaps.append([child.tail or ""])
    parent[:] = kept
    parent.text = "".join(gaps[0]) or None
    for element, gap in zip(kept, gaps[1:], strict=True):
        element.tail = "".join(gap) or None
