"""Small helpers over the parsed tree, shared by the clean stage's rule modules."""

from __future__ import annotations

from lxml.html import HtmlElement

from pipeline.clean.blocks import normalize_space


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
