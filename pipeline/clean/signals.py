"""Page signals: what the page's markup shows about its kind, counted before chrome is cut.

The clean stage removes bylines, comment sections, pagination and menus; the page stage
(pipeline/stages/page_kind.py) still needs to know they were there. This module counts them
in one walk over the elements (after consent removal, so a consent dialog's buttons and
forms are not counted) and hands the counts on with the cleaned page. It judges nothing:
the weights live with the page stage. Vocabulary: signal_rules.json.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree
from lxml.html import HtmlElement

_RULES_PATH = Path(__file__).with_name("signal_rules.json")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_NAME_ATTRIBUTES = ("class", "id", "itemprop", "data-testid")
_CONTROL_TAGS = frozenset({"button", "input", "select"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link"})
# A link text longer than this is a teaser or a sentence, never a button label.
_MAX_LABEL_CHARS = 40
# Groups of this many same-named siblings or more are "repeated" (cards, posts).
_MIN_REPEATS = 3


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    token_groups: dict[str, frozenset[str]]
    cart_phrases: re.Pattern[str]
    cta_phrases: re.Pattern[str]
    generators: dict[str, tuple[str, ...]]
    price: re.Pattern[str]
    max_text_chars: int
    chrome_tags: frozenset[str]
    chrome_tokens: frozenset[str]


@cache
def _vocabulary() -> _Vocabulary:
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))

    def phrases(key: str) -> re.Pattern[str]:
        words = sorted(data[key]["phrases"], key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")

    return _Vocabulary(
        token_groups={name: frozenset(group["tokens"]) for name, group in data["name_tokens"].items()},
        cart_phrases=phrases("cart_phrases"),
        cta_phrases=phrases("cta_phrases"),
        generators={kind: tuple(names) for kind, names in data["generators"].items() if kind != "why"},
        price=re.compile(data["price_pattern"]["pattern"]),
        max_text_chars=int(data["max_text_chars"]),
        chrome_tags=frozenset(data["chrome_containers"]["tags"]),
        chrome_tokens=frozenset(data["chrome_containers"]["tokens"]),
    )


@dataclass(slots=True)
class PageSignals:
    """Counts of the page's structure, for the page stage. All zero for plain text."""

    # elements whose class/id/itemprop words fall in each signal_rules.json group
    named: Counter[str] = field(default_factory=Counter)
    # the largest run of same-tag, same-class elements named as posts/comments/answers
    repeated_posts: int = 0
    # the largest group of same-tag, same-class siblings that each hold a link (cards, results)
    repeated_cards: int = 0
    articles: int = 0  # <article> elements: archives and grids hold many
    cart_controls: int = 0  # buttons, inputs and labels that add to a cart or buy
    cta_controls: int = 0  # buttons and short links that call to action
    prices: int = 0  # money amounts in the page text
    code_blocks: int = 0  # <pre>, and <code> outside <pre>
    time_elements: int = 0  # <time> and elements with a datetime attribute
    text_inputs: int = 0  # text, e-mail, number and search fields
    textareas: int = 0  # reply and comment boxes
    links: int = 0
    link_chars: int = 0  # characters of link text
    text_chars: int = 0  # characters of the body's text
    paginated: bool = False  # rel=next/prev or a pagination container
    generator: str = ""  # <meta name="generator">, lower case
    generator_kind: str | None = None  # the page kind that generator makes (signal_rules.json)
    breadcrumb: str = ""  # the breadcrumb trail's text ("Home > Glossary > Cortisol")

    @property
    def link_density(self) -> float:
        return self.link_chars / self.text_chars if self.text_chars else 0.0


def read_signals(root: HtmlElement) -> PageSignals:
    """Count the page's structure in one walk over its elements."""
    vocabulary = _vocabulary()
    signals = PageSignals()
    groups = vocabulary.token_groups
    siblings: Counter[tuple[int, str, str]] = Counter()  # (parent, tag, class) -> elements
    first_of_group: dict[tuple[int, str, str], list[HtmlElement]] = {}
    post_runs: Counter[tuple[str, str]] = Counter()
    for element in root.iter(etree.Element):
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            if tag == "meta" and (element.get("name") or "").lower() == "generator":
                signals.generator = (element.get("content") or "").lower()[:100]
            elif tag == "link" and "next" in (element.get("rel") or "").lower().split():
                signals.paginated = True
            continue
        classes = element.get("class") or ""
        words = _name_words(element)
        if words:
            hits = [name for name, tokens in groups.items() if not words.isdisjoint(tokens)]
            signals.named.update(hits)
            if "post" in hits:
                post_runs[(tag, classes)] += 1
            if "pagination" in hits:
                signals.paginated = True
            if "breadcrumb" in hits:
                signals.breadcrumb = signals.breadcrumb or " ".join(" ".join(element.itertext()).split())[:300]
        if classes:
            key = (id(element.getparent()), tag, classes)
            siblings[key] += 1
            if siblings[key] <= _MIN_REPEATS:
                first_of_group.setdefault(key, []).append(element)
        if tag == "a":
            _read_link(element, signals, vocabulary)
        elif tag in _CONTROL_TAGS:
            _read_control(element, signals, vocabulary)
        elif tag == "textarea":
            signals.textareas += 1
        elif tag == "pre" or (tag == "code" and element.getparent() is not None and element.getparent().tag != "pre"):
            signals.code_blocks += 1
        elif tag == "article":
            signals.articles += 1
        if tag == "time" or element.get("datetime") is not None:
            signals.time_elements += 1
    signals.repeated_posts = max(post_runs.values(), default=0)
    signals.repeated_cards = next(
        (n for key, n in sorted(siblings.items(), key=lambda kv: -kv[1])
         if n >= _MIN_REPEATS and _is_card_group(first_of_group[key], vocabulary)),
        0,
    )
    body = root.find("body")
    text = " ".join((body if body is not None else root).itertext())[: vocabulary.max_text_chars]
    signals.text_chars = len(" ".join(text.split()))
    signals.prices = len(vocabulary.price.findall(text))
    signals.generator_kind = next(
        (kind for kind, names in vocabulary.generators.items() if any(n in signals.generator for n in names)), None
    ) if signals.generator else None
    return signals


def _is_card_group(items: list[HtmlElement], vocabulary: _Vocabulary) -> bool:
    """Each of the group's first items holds a link, and the group is not in a menu, footer
    or sidebar (their link lists are the site's chrome)."""
    if not all(item.find(".//a[@href]") is not None or item.get("href") for item in items):
        return False
    for ancestor in items[0].iterancestors():
        if ancestor.tag in vocabulary.chrome_tags or not _name_words(ancestor).isdisjoint(vocabulary.chrome_tokens):
            return False
    return True


def _name_words(element: HtmlElement) -> frozenset[str]:
    values = [element.get(name) for name in _NAME_ATTRIBUTES]
    if not any(values):
        return frozenset()
    return frozenset(w.lower() for value in values if value for w in _TOKEN_SPLIT.split(value) if w)


def _read_link(link: HtmlElement, signals: PageSignals, vocabulary: _Vocabulary) -> None:
    text = " ".join(" ".join(link.itertext()).split())
    signals.links += 1
    signals.link_chars += len(text)
    if "next" in (link.get("rel") or "").lower().split() or "prev" in (link.get("rel") or "").lower().split():
        signals.paginated = True
    if text and len(text) <= _MAX_LABEL_CHARS:
        label = text.lower()
        if vocabulary.cart_phrases.search(label):
            signals.cart_controls += 1
        elif vocabulary.cta_phrases.search(label):
            signals.cta_controls += 1


def _read_control(control: HtmlElement, signals: PageSignals, vocabulary: _Vocabulary) -> None:
    kind = (control.get("type") or "").lower()
    if control.tag == "input" and kind in ("", "text", "email", "search", "number", "tel"):
        signals.text_inputs += 1
    label = " ".join(
        " ".join([*control.itertext(), control.get("value") or "", control.get("aria-label") or ""]).split()
    ).lower()[:_MAX_LABEL_CHARS * 2]
    words = _name_words(control) | frozenset(_TOKEN_SPLIT.split((control.get("name") or "").lower()))
    if vocabulary.cart_phrases.search(label) or not words.isdisjoint(vocabulary.token_groups["cart"]):
        signals.cart_controls += 1
    elif vocabulary.cta_phrases.search(label):
        signals.cta_controls += 1
