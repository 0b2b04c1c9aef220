"""CleanedPage helpers the later stages rely on."""

from __future__ import annotations

import pytest

from pipeline.clean.blocks import Block, CleanedPage, PageMeta


@pytest.mark.parametrize("chars", range(0, 30))
def test_opening_equals_the_joined_text_cut_to_length(chars: int) -> None:
    """The language sample reads only the blocks it needs, but must be the same text as
    joining every block and cutting: a block boundary must not shift or drop a character."""
    page = CleanedPage([Block("heading", "Serotonin"), Block("paragraph", "is a monoamine."), Block("item", "x")],
                       [], PageMeta())
    assert page.opening(chars) == " ".join(block.text for block in page.blocks)[:chars]


def test_opening_of_a_page_without_blocks_is_empty() -> None:
    assert CleanedPage([], [], PageMeta()).opening(100) == ""
