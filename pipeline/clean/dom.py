"""Small helpers over the parsed tree, shared by the clean stage's rule modules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from pipeline.clean.blocks import normalize_space

HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Page roots and article containers: a rule that matches one of them matched a state class
# (body.cookies-not-set) or a wrapper, never a banner or chrome box.
ROOT_TAGS = frozenset({"html", "body", "main", "article", "head"})


def visible_text(node: HtmlElement) -> str:
    """The node's text with its pieces space-separated.

    text_content() glues neighbouring elements ("Accept</button><button>Deny" becomes
    "AcceptDeny"), which breaks both text rules and removal snippets.
    """
    return normalize_space(" ".join(node.itertext()))


def is_attached(node: HtmlElement | None, root: HtmlElement) -> bool:
    """Still in the tree under root (not inside a subtree dropped earlier)."""
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


_SIMPLE_ID = re.compile(r"^#([\w-]+)$")
_SIMPLE_CLASS = re.compile(r"^([a-z][\w-]*)?\.([\w-]+)$")
_SIMPLE_TAG = re.compile(r"^([a-z][a-z0-9]*)$")
_WITH_NAMES = etree.XPath("//*[@id or @class]")


@dataclass(frozen=True, slots=True)
class SelectorIndex:
    """Selectors split for speed: plain #id / .class / tag.class parts are looked up in one
    pass over the elements that carry an id or class (one scan instead of one per selector);
    the rest stay compiled CSS selectors."""

    ids: dict[str, int]
    classes: dict[str, list[tuple[str | None, int]]]
    tags: dict[str, int]
    complex: tuple[tuple[CSSSelector, int], ...]

    def matches(self, root: HtmlElement) -> list[tuple[HtmlElement, int]]:
        """(element, rule index) pairs, each element once (callers skip detached ones)."""
        found: dict[HtmlElement, int] = {}
        for tag, index in self.tags.items():
            for node in root.iter(tag):
                found.setdefault(node, index)
        for node in _WITH_NAMES(root):
            rule = self.ids.get(node.get("id") or "")
            if rule is None and self.classes:
                for token in (node.get("class") or "").split():
                    for tag, index in self.classes.get(token, ()):
                        if tag is None or tag == node.tag:
                            rule = index
                            break
                    if rule is not None:
                        break
            if rule is not None:
                found[node] = rule
        for selector, index in self.complex:
            for node in selector(root):
                found.setdefault(node, index)
        return list(found.items())


def build_selector_index(groups: list[str]) -> SelectorIndex:
    """Index comma-separated CSS selector groups; a match reports its group's index."""
    ids: dict[str, int] = {}
    classes: dict[str, list[tuple[str | None, int]]] = {}
    tags: dict[str, int] = {}
    complex_parts: dict[int, list[str]] = {}
    for index, group in enumerate(groups):
        for part in (piece.strip() for piece in group.split(",")):
            if match := _SIMPLE_ID.match(part):
                ids.setdefault(match.group(1), index)
            elif match := _SIMPLE_TAG.match(part):
                tags.setdefault(match.group(1), index)
            elif match := _SIMPLE_CLASS.match(part):
                classes.setdefault(match.group(2), []).append((match.group(1), index))
            elif part:
                complex_parts.setdefault(index, []).append(part)
    compiled = tuple((CSSSelector(", ".join(parts)), index) for index, parts in complex_parts.items())
    return SelectorIndex(ids=ids, classes=classes, tags=tags, complex=compiled)
