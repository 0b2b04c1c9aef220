"""Page metadata the segmenter uses for the term and the record's URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

from pipeline.clean.blocks import PageMeta, normalize_space


def read_meta(root: HtmlElement) -> PageMeta:
    """Read title, <h1>s, canonical URL, JSON-LD DefinedTerm names and language.

    Call it after consent removal, so that a consent popup's own <h1> is already gone.
    """
    meta = PageMeta()
    title = root.find(".//title")
    if title is not None:
        meta.title = normalize_space(title.text_content()) or None
    meta.h1 = [text for h1 in root.iter("h1") if (text := normalize_space(h1.text_content()))]
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            meta.canonical_url = link.get("href", "").strip() or None
            break
    if meta.canonical_url is None:
        for tag in root.iter("meta"):
            if (tag.get("property") or "").lower() == "og:url" and tag.get("content"):
                meta.canonical_url = tag.get("content", "").strip() or None
                break
    for script in root.iter("script"):
        if (script.get("type") or "").lower().strip() == "application/ld+json":
            meta.defined_terms.extend(_defined_term_names(script.text or ""))
    html = root if root.tag == "html" else root.find(".//html")
    if html is not None and html.get("lang"):
        meta.language = html.get("lang", "").split("-")[0].lower() or None
    return meta


def _defined_term_names(payload: str) -> list[str]:
    try:
        data = json.loads(payload)
    except ValueError:
        return []
    return [
        normalize_space(node["name"])
        for node in _json_nodes(data)
        if _is_type(node, "DefinedTerm") and isinstance(node.get("name"), str) and node["name"].strip()
    ]


def _json_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _json_nodes(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_nodes(item)


def _is_type(node: dict[str, Any], name: str) -> bool:
    kind = node.get("@type")
    return kind == name or (isinstance(kind, list) and name in kind)
