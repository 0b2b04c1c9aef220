"""Page metadata the segmenter uses for the term and the record's URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from pipeline.clean.blocks import PageMeta, normalize_space

_MAX_DESCRIPTION_CHARS = 500
# A JSON-LD block past this size is a data dump; its types are not worth the parse.
_MAX_JSON_LD_CHARS = 1_000_000


def read_meta(root: HtmlElement) -> PageMeta:
    """Read title, <h1>s, canonical URL, og:type, description, JSON-LD types and DefinedTerm names, language.

    Call it after consent removal, so that a consent popup's own <h1> is already gone.
    """
    meta = PageMeta()
    title = root.find(".//title")
    if title is not None:
        meta.title = normalize_space(title.text_content()) or None
    meta.h1 = [text for h1 in root.iter("h1") if (text := normalize_space(h1.text_content()))]
    meta.canonical_url = _canonical_link(root)
    for tag in root.iter("meta"):
        key = (tag.get("property") or tag.get("name") or "").lower()
        content = normalize_space(tag.get("content") or "")
        if not content:
            continue
        if key == "og:url" and meta.canonical_url is None:
            meta.canonical_url = content
        elif key == "og:type" and meta.og_type is None:
            meta.og_type = content.lower()
        elif key in ("description", "og:description") and meta.description is None:
            meta.description = content[:_MAX_DESCRIPTION_CHARS]
    for script in root.iter("script"):
        if (script.get("type") or "").lower().strip() == "application/ld+json":
            _read_json_ld(script.text or "", meta)
    html = root if root.tag == "html" else root.find(".//html")
    if html is not None and html.get("lang"):
        meta.language = html.get("lang", "").split("-")[0].lower() or None
    return meta


def declared_url(root: etree._Element) -> str | None:
    """The URL the page gives for itself: its canonical link, else its og:url."""
    url = _canonical_link(root)
    if url is not None:
        return url
    for tag in root.iter("meta"):
        is_og_url = (tag.get("property") or tag.get("name") or "").lower() == "og:url"
        if is_og_url and (content := normalize_space(tag.get("content") or "")):
            return content
    return None


def _canonical_link(root: etree._Element) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return link.get("href", "").strip() or None
    return None


def _read_json_ld(payload: str, meta: PageMeta) -> None:
    """Collect the nodes' schema.org types and the names of DefinedTerm nodes."""
    if len(payload) > _MAX_JSON_LD_CHARS:
        return
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return
    try:
        for node in _json_nodes(data):
            kinds = node.get("@type")
            for kind in kinds if isinstance(kinds, list) else [kinds]:
                name = kind.rsplit("/", 1)[-1] if isinstance(kind, str) else ""  # "http://schema.org/Article"
                if name and name not in meta.jsonld_types:
                    meta.jsonld_types.append(name)
            if _is_type(node, "DefinedTerm") and isinstance(node.get("name"), str) and node["name"].strip():
                meta.defined_terms.append(normalize_space(node["name"]))
    except RecursionError:  # nesting deeper than Python's stack: the types read so far stand
        return


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
