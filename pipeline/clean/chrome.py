"""Site chrome: navigation, related links, share and newsletter boxes, bylines, disclaimers."""

from __future__ import annotations

from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, Removal

_CHROME_TAGS = {"nav": "navigation", "header": "navigation", "footer": "footer", "aside": "related-links"}


def remove_chrome_nodes(root: HtmlElement) -> list[Removal]:
    removed: list[Removal] = []
    for tag, reason in _CHROME_TAGS.items():
        for node in list(root.iter(tag)):
            if node.getparent() is None or node.find(".//h1") is not None:
                continue
            removed.append(Removal.of_text(reason, node.text_content(), rule=tag))  # type: ignore[arg-type]
            node.drop_tree()
    return removed


def drop_boilerplate_blocks(blocks: list[Block]) -> tuple[list[Block], list[Removal]]:
    return blocks, []
