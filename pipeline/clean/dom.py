"""Small helpers over the parsed tree, shared by the clean stage's rule modules."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from cssselect import parse as cssparse
from cssselect import parser as cssparser
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
    if not len(node) and isinstance(node.tag, str):  # no children: its own text is all (most elements of a dense page)
        return normalize_space(node.text or "")
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
# The attributes that name chrome: chrome.py reads them on every body descendant carrying one.
_CHROME_NAME_ATTRIBUTES = ("class", "id", "role", "data-module")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
# The `i` flag of CSS attribute selectors folds ASCII letters only (as lxml's XPath translation does).
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass(slots=True)
class PageScan:
    """The page's elements listed once, shared by the consent and chrome rules.

    Each rule set used to re-scan the tree (`//*[@id or @class]` three times, one XPath
    per CSS selector group). Holding every element also keeps lxml's Python proxies alive:
    re-creating one runs lxml.html's Python-level class lookup, which was a large share of
    the clean stage's time. The lists are taken before any removal; users skip elements
    that are no longer attached (is_attached), as they did before.
    """

    root: HtmlElement
    elements: list[HtmlElement]  # every element, in document order
    # (element, id, class) for every element with an id or class, in document order
    named: list[tuple[HtmlElement, str, str]]
    # the same for body descendants only (the rules never judge <head> content or <body> itself)
    body_named: list[tuple[HtmlElement, str, str]]
    # body descendants with any attribute that names chrome (class, id, role, data-module)
    body_chrome_named: list[HtmlElement]
    _position: dict[HtmlElement, int] = field(default_factory=dict)
    _classes: dict[str, list[HtmlElement]] | None = None
    _with_attribute: dict[str, list[HtmlElement]] = field(default_factory=dict)
    _body_text: str | None = None

    def body_text(self) -> str:
        """All of the body's text, lowercased, as it was when first asked (read on first use). A rule that
        looks for words in text nodes first searches this: any node's words are in it, so a page without
        them needs no walk node by node. Removals only ever take text away, so it stays a sound filter."""
        if self._body_text is None:
            body = self.root.find("body")
            self._body_text = "" if body is None else "\n".join(body.itertext()).lower()
        return self._body_text

    @classmethod
    def of(
        cls, root: HtmlElement, attributes: Iterable[str] = (), elements: list[HtmlElement] | None = None
    ) -> PageScan:
        """The scan of the tree under `root`; `attributes`: the attributes whose carriers the rules
        will ask for (`with_attribute`), listed in the same pass; `elements`: every element of the
        tree in document order, when the caller already listed them."""
        elements = list(root.iter(etree.Element)) if elements is None else elements
        prefetched = sorted(set(attributes) - {"id", "class"})  # those two are read off `named`
        # One XPath (libxml2 tests the attributes) for every element carrying any attribute the scan
        # lists; only those few are visited in Python. It used to be one XPath per list, each a walk
        # of the whole tree. Document-wide (//), as the rules' XPaths are.
        carriers = _carriers_of(tuple(dict.fromkeys((*_CHROME_NAME_ATTRIBUTES, *prefetched))))(root)
        named = []
        chrome_named = []
        for node in carriers:
            node_id, node_class = node.get("id"), node.get("class")
            if node_id is not None or node_class is not None:
                named.append((node, node_id or "", node_class or ""))
                chrome_named.append(node)
            elif node.get("role") is not None or node.get("data-module") is not None:
                chrome_named.append(node)
        in_body = {node for body in root.iter("body") for node in body.iterdescendants(etree.Element)}
        body_chrome_named = [node for node in chrome_named if node in in_body]
        body_named = [entry for entry in named if entry[0] in in_body]
        scan = cls(root, elements, named, body_named, body_chrome_named)
        for name in prefetched:
            scan._with_attribute[name] = [node for node in carriers if node.get(name) is not None]
        return scan

    def with_attribute(self, name: str) -> list[HtmlElement]:
        """Elements carrying the attribute, in document order (looked up on first use)."""
        if name not in self._with_attribute:
            self.prefetch_attributes((name,))
        return self._with_attribute[name]

    def prefetch_attributes(self, names: Iterable[str]) -> None:
        """List the elements carrying each of `names` in one pass over the tree instead of one per name."""
        missing = {name for name in names if name not in self._with_attribute}
        wanted = sorted(missing - {"id", "class"})
        for name in missing & {"id", "class"}:  # already listed: no second pass over the tree
            self._with_attribute[name] = [element for element, _, _ in self.named if element.get(name) is not None]
        if not wanted:
            return
        carriers = _carriers_of(tuple(wanted))(self.root)
        for name in wanted:
            self._with_attribute[name] = [element for element in carriers if element.get(name) is not None]

    def with_class(self, token: str) -> list[HtmlElement]:
        """Elements whose class has the word `token`, in document order (index built on first use)."""
        if self._classes is None:
            self._classes = {}
            for element, _, classes in self.named:
                for word in classes.split():
                    self._classes.setdefault(word, []).append(element)
        return self._classes.get(token, [])

    def with_id(self, value: str) -> list[HtmlElement]:
        return [element for element, node_id, _ in self.named if node_id == value]

    def in_document_order(self, nodes: set[HtmlElement]) -> list[HtmlElement]:
        if not self._position:
            self._position = {node: index for index, node in enumerate(self.elements)}
        return sorted(nodes, key=self._position.__getitem__)


@lru_cache(maxsize=64)
def _carriers_of(names: tuple[str, ...]) -> etree.XPath:
    """An XPath for the elements carrying any of `names` (compiled once per name set)."""
    for name in names:
        if not _ATTRIBUTE_NAME.match(name):
            raise ValueError(f"not an attribute name: {name!r}")
    # `[@*]` first: one test drops an element without attributes, where each `@name` of the "or" makes a
    # node set of its own in libxml2 (ten times the time on a page of 300,000 bare elements).
    return etree.XPath("//*[@*][" + " or ".join(f"@{name}" for name in names) + "]")


_Test = Callable[[HtmlElement], bool]


@dataclass(frozen=True, slots=True)
class _Compound:
    """One compiled CSS selector: a test per element, and what every match carries (a class
    word, an id, an attribute or a tag), so that only the elements holding it are tested."""

    test: _Test
    anchor: tuple[str, str | None]  # ("class", word), ("id", value), ("attribute", name) or ("tag", tag or None)

    def candidates(self, scan: PageScan) -> Iterable[HtmlElement]:
        kind, value = self.anchor
        if kind == "class" and value is not None:
            return scan.with_class(value)
        if kind == "id" and value is not None:
            return scan.with_id(value)
        if kind == "attribute" and value is not None:
            return scan.with_attribute(value)
        return scan.root.iter(value if value is not None else etree.Element)


def _narrower(anchor: tuple[str, str | None], inner: _Compound) -> tuple[str, str | None]:
    """A class word or id anchor selects fewer elements than an attribute or tag one."""
    return inner.anchor if inner.anchor[0] in ("class", "id") else anchor


def _compile(tree: object) -> _Compound | None:
    """Compile the subset of CSS the rule files use (tag, #id, .class, [attr op value (i)],
    descendant combinator); None for anything else, which then stays an lxml CSSSelector."""
    if isinstance(tree, cssparser.Element):
        if tree.namespace is not None:
            return None
        tag = tree.element
        return _Compound(lambda node: True, ("tag", None)) if tag is None else _Compound(
            lambda node: node.tag == tag, ("tag", tag)
        )
    if isinstance(tree, cssparser.Class):
        inner = _compile(tree.selector)
        name = tree.class_name
        if inner is None:
            return None
        return _Compound(lambda node: name in (node.get("class") or "").split() and inner.test(node), ("class", name))
    if isinstance(tree, cssparser.Hash):
        inner = _compile(tree.selector)
        wanted = tree.id
        if inner is None:
            return None
        return _Compound(lambda node: node.get("id") == wanted and inner.test(node), ("id", wanted))
    if isinstance(tree, cssparser.Attrib):
        return _compile_attrib(tree)
    if isinstance(tree, cssparser.CombinedSelector) and tree.combinator == " ":
        ancestor = _compile(tree.selector)
        inner = _compile(tree.subselector)
        if ancestor is None or inner is None:
            return None
        return _Compound(
            lambda node: inner.test(node) and any(ancestor.test(a) for a in node.iterancestors()), inner.anchor
        )
    return None


def _compile_attrib(tree: cssparser.Attrib) -> _Compound | None:
    inner = _compile(tree.selector)
    if inner is None or tree.namespace is not None or tree.flag not in (None, "i"):
        return None
    name = tree.attrib
    operator = tree.operator
    if operator == "exists":
        return _Compound(
            lambda node: node.get(name) is not None and inner.test(node), _narrower(("attribute", name), inner)
        )
    value = tree.value.value if tree.value is not None else ""
    fold = tree.flag == "i"
    if fold:
        value = value.translate(_ASCII_LOWER)
    compare: Callable[[str], bool]
    if not value:
        return None  # CSS and XPath disagree on empty values: leave them to lxml
    if operator == "=":
        compare = value.__eq__
    elif operator == "^=":
        compare = lambda seen: seen.startswith(value)  # noqa: E731
    elif operator == "$=":
        compare = lambda seen: seen.endswith(value)  # noqa: E731
    elif operator == "*=":
        compare = lambda seen: value in seen  # noqa: E731
    elif operator == "~=":
        compare = lambda seen: value in seen.split()  # noqa: E731
    else:
        return None

    def test(node: HtmlElement) -> bool:
        seen = node.get(name)
        if seen is None:
            return False
        return compare(seen.translate(_ASCII_LOWER) if fold else seen) and inner.test(node)

    return _Compound(test, _narrower(("attribute", name), inner))


@dataclass(frozen=True, slots=True)
class _Group:
    """A selector group that is not a plain #id / .class / tag: compiled parts, or lxml's
    CSSSelector when a part uses CSS the compiler does not know."""

    parts: tuple[_Compound, ...]
    fallback: CSSSelector | None

    @classmethod
    def of(cls, css: str) -> _Group:
        compiled = []
        for selector in cssparse(css):
            part = _compile(selector.parsed_tree) if selector.pseudo_element is None else None
            if part is None:
                return cls((), CSSSelector(css))
            compiled.append(part)
        return cls(tuple(compiled), None)

    def select(self, scan: PageScan) -> list[HtmlElement]:
        """Matching elements in document order (detached ones included, as everywhere in the scan)."""
        if self.fallback is not None:
            return list(self.fallback(scan.root))
        found: list[HtmlElement] = []
        for part in self.parts:
            found.extend(node for node in part.candidates(scan) if part.test(node))
        if len(self.parts) == 1:
            return found
        return scan.in_document_order(set(found))


@dataclass(frozen=True, slots=True)
class SelectorIndex:
    """Selectors split for speed: plain #id / .class / tag.class parts are looked up in one
    pass over the page's named elements (one scan instead of one per selector); the rest
    are compiled to tests over the elements that carry the attribute they test."""

    ids: dict[str, int]
    # (tag or None, rule index) candidates of a class attribute value, in its word order
    class_rules: Callable[[str], tuple[tuple[str | None, int], ...]]
    tags: dict[str, int]
    complex: tuple[tuple[_Group, int], ...]
    attributes: frozenset[str]  # the attributes the complex groups' candidates are found by

    def matches(self, scan: PageScan) -> list[tuple[HtmlElement, int]]:
        """(element, rule index) pairs, each element once (callers skip detached ones)."""
        found: dict[HtmlElement, int] = {}
        scan.prefetch_attributes(self.attributes)
        for tag, index in self.tags.items():
            for node in scan.root.iter(tag):
                found.setdefault(node, index)
        ids, class_rules = self.ids, self.class_rules
        for node, node_id, node_class in scan.named:
            rule = ids.get(node_id)
            if rule is None and node_class:
                # a plain loop: most class values match no rule, and a generator per element costs more
                for tag, index in class_rules(node_class):
                    if tag is None or tag == node.tag:
                        rule = index
                        break
            if rule is not None:
                found[node] = rule
        for group, index in self.complex:
            for node in group.select(scan):
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
    compiled = tuple((_Group.of(", ".join(parts)), index) for index, parts in complex_parts.items())

    # cached: templated pages repeat the same class values on every page and many elements
    @lru_cache(maxsize=1 << 16)
    def class_rules(value: str) -> tuple[tuple[str | None, int], ...]:
        return tuple(rule for word in value.split() for rule in classes.get(word, ()))

    attributes = frozenset(
        part.anchor[1] for group, _ in compiled for part in group.parts
        if part.anchor[0] == "attribute" and part.anchor[1] is not None
    )
    return SelectorIndex(ids=ids, class_rules=class_rules, tags=tags, complex=compiled, attributes=attributes)
