"""Consent banners: remove known consent-platform containers, then banner text anywhere."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from pipeline.clean.blocks import Block, Removal

_RULES_PATH = Path(__file__).with_name("consent_rules.json")

# First version of the text rule; see consent_rules.json for the selectors.
_CONSENT_TEXT = re.compile(
    r"\b(?:we|this (?:site|website))\s+(?:use|uses)\s+cookies\b"
    r"|\bcookie (?:preferences|settings|choices|policy)\b"
    r"|\baccept all\b",
    re.IGNORECASE,
)


@cache
def _selectors() -> tuple[list[CSSSelector], list[CSSSelector]]:
    rules = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    remove = [CSSSelector(rule["css"]) for rule in rules["container_selectors"]]
    keep = [CSSSelector(rule["css"]) for rule in rules["never_match"]]
    return remove, keep


def is_consent_text(text: str) -> bool:
    return bool(_CONSENT_TEXT.search(text))


def remove_consent_nodes(root: HtmlElement) -> list[Removal]:
    remove, keep = _selectors()
    protected = {id(node) for selector in keep for node in selector(root)}
    removed: list[Removal] = []
    for selector in remove:
        for node in selector(root):
            if id(node) in protected or node.getparent() is None:
                continue
            removed.append(Removal.of_text("consent", node.text_content(), rule=selector.css))
            node.drop_tree()
    return removed


def drop_consent_blocks(blocks: list[Block]) -> tuple[list[Block], list[Removal]]:
    kept: list[Block] = []
    removed: list[Removal] = []
    for block in blocks:
        if is_consent_text(block.text):
            removed.append(Removal.of_text("consent", block.text, rule="consent-text"))
        else:
            kept.append(block)
    return kept, removed
