"""Headings trafilatura dropped come back in front of the text that followed them."""

from __future__ import annotations

from pipeline.clean.blocks import Block
from pipeline.clean.headings import DomHeading, restore_headings


def _paragraphs(*texts: str) -> list[Block]:
    return [Block("paragraph", text) for text in texts]


def test_a_dropped_heading_returns_before_the_first_block_that_opens_with_its_following_text():
    blocks = _paragraphs("Cortisol is a steroid hormone.", "Cortisol release follows a daily rhythm.",
                         "Cortisol release follows a daily rhythm.")
    restored = restore_headings(blocks, [DomHeading("Rhythm", 2, "Cortisol release follows")])
    assert [(b.role, b.text) for b in restored[:3]] == [
        ("paragraph", "Cortisol is a steroid hormone."), ("heading", "Rhythm"),
        ("paragraph", "Cortisol release follows a daily rhythm.")]
    assert len(restored) == 4


def test_the_following_text_may_span_a_short_heading_and_the_prose_after_it():
    blocks = [Block("paragraph", "Intro text here."), Block("heading", "Origin", level=3),
              Block("paragraph", "The name comes from Greek.")]
    restored = restore_headings(blocks, [DomHeading("History", 2, "Origin The name comes")])
    assert [b.text for b in restored] == ["Intro text here.", "History", "Origin", "The name comes from Greek."]


def test_kept_headings_short_anchors_and_unmatched_ones_change_nothing():
    blocks = [Block("heading", "Mechanism", level=2), *_paragraphs("It binds to receptors in the gut.")]
    headings = [DomHeading("Mechanism", 2, "It binds to receptors"), DomHeading("Notes", 2, "short"),
                DomHeading("Elsewhere", 2, "Text that is not on the page")]
    assert restore_headings(blocks, headings) == blocks


def test_thousands_of_dropped_headings_each_return_in_front_of_its_own_text():
    texts = [f"Term number {n} is a substance of the nervous system." for n in range(3000)]
    headings = [DomHeading(f"Term {n}", 3, text[:40]) for n, text in enumerate(texts)]
    restored = restore_headings(_paragraphs(*texts), headings)
    assert [b.text for b in restored[:4]] == ["Term 0", texts[0], "Term 1", texts[1]]
    assert sum(b.role == "heading" for b in restored) == 3000
