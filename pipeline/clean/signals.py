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
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree
from lxml.html import HtmlElement

if TYPE_CHECKING:  # dom.py imports blocks.py, which holds PageSignals
    from pipeline.clean.dom import PageScan

_RULES_PATH = Path(__file__).with_name("signal_rules.json")
_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NAME_ATTRIBUTES = ("class", "id")
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
    price_currency_first: re.Pattern[str]
    price_currency_last: re.Pattern[str]
    price_currency_last_markers: tuple[str, ...]
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
        price_currency_first=re.compile(data["price_pattern"]["currency_first"]),
        price_currency_last=re.compile(data["price_pattern"]["currency_last"]),
        price_currency_last_markers=tuple(data["price_pattern"]["currency_last_markers"]),
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
    time_elements: int = 0  # <time> elements
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


def read_signals(scan: PageScan, removed_any: bool = True) -> PageSignals:
    """Count the page's structure in one walk over its elements (the clean stage's element
    lists, so no element is looked up twice). The scan lists elements removed since it was
    made (consent nodes); with `removed_any` they are told apart and skipped."""
    vocabulary = _vocabulary()
    signals = PageSignals()
    words_of = _WordCache(vocabulary)
    root = scan.root
    elements = list(root.iter(etree.Element)) if removed_any else scan.elements
    attached = set(elements) if removed_any else None
    hidden_chars = 0  # text of scripts and styles, which body.text_content() includes
    tags: Counter[str] = Counter()
    links: list[HtmlElement] = []
    for element in elements:
        tag = element.tag
        if tag not in _READ_TAGS:
            continue
        tags[tag] += 1
        if tag == "a":
            links.append(element)
        elif tag in ("button", "input", "select"):
            _read_control(element, signals, vocabulary, words_of)
        elif tag in _HIDDEN_TAGS:
            hidden_chars += len(element.text or "")
        elif tag == "code" and (parent := element.getparent()) is not None and parent.tag == "pre":
            tags["code"] -= 1  # the code of a <pre> is one block, counted with the <pre>
        elif tag == "meta" and (element.get("name") or "").lower() == "generator":
            signals.generator = (element.get("content") or "").lower()[:100]
        elif tag == "link" and "next" in (element.get("rel") or "").lower().split():
            signals.paginated = True
    _read_links(links, signals, vocabulary)
    signals.textareas = tags["textarea"]
    signals.code_blocks = tags["pre"] + tags["code"]
    signals.articles = tags["article"]
    signals.time_elements = tags["time"]
    # Name words are judged once per distinct class or id string, not once per element.
    by_class: Counter[tuple[str, str]] = Counter()  # (tag, class) -> attached elements
    by_id: Counter[str] = Counter()
    siblings: Counter[tuple[int, str, str]] = Counter()  # (parent, tag, class) -> elements
    first_of_group: dict[tuple[int, str, str], list[HtmlElement]] = {}
    # dict.get rather than Counter's item lookup: most keys are new, and a missing key costs a
    # Python-level __missing__ call
    for element, node_id, classes in scan.body_named:
        if attached is not None and element not in attached:
            continue
        if node_id:
            by_id[node_id] = by_id.get(node_id, 0) + 1
        if classes:
            tag = element.tag
            by_class[(tag, classes)] = by_class.get((tag, classes), 0) + 1
            key = (id(element.getparent()), tag, classes)
            repeats = siblings[key] = siblings.get(key, 0) + 1
            if repeats <= _MIN_REPEATS:
                first_of_group.setdefault(key, []).append(element)
    post_runs: Counter[tuple[str, str]] = Counter()
    breadcrumb_names: set[str] = set()
    for (tag, classes), count in by_class.items():
        hits = words_of.groups_of(classes)
        for hit in hits:
            signals.named[hit] += count
        if "post" in hits:
            post_runs[(tag, classes)] += count
        if "breadcrumb" in hits:
            breadcrumb_names.add(classes)
    for node_id, count in by_id.items():
        hits = words_of.groups_of(node_id)
        for hit in hits:
            signals.named[hit] += count
        if "breadcrumb" in hits:
            breadcrumb_names.add(node_id)
    signals.paginated = signals.paginated or signals.named["pagination"] > 0
    if breadcrumb_names:
        trail = next(e for e, node_id, classes in scan.body_named
                     if (attached is None or e in attached)
                     and (classes in breadcrumb_names or node_id in breadcrumb_names))
        signals.breadcrumb = " ".join(" ".join(trail.itertext()).split())[:300]  # text_content() glues the items
    signals.repeated_posts = max(post_runs.values(), default=0)
    # only groups of repeats are sorted (most "groups" are one element); the sort is stable, so
    # the groups keep their order among themselves
    repeated = [(key, n) for key, n in siblings.items() if n >= _MIN_REPEATS]
    signals.repeated_cards = next(
        (n for key, n in sorted(repeated, key=lambda kv: -kv[1]) if _is_card_group(first_of_group[key], words_of)),
        0,
    )
    body = root.find("body")
    text = (body if body is not None else root).text_content()
    signals.text_chars = max(0, len(text) - text.count(" ") - hidden_chars)  # as link text: spaces not counted
    signals.prices = _count_prices(text[: vocabulary.max_text_chars], vocabulary)
    signals.generator_kind = next(
        (kind for kind, names in vocabulary.generators.items() if any(n in signals.generator for n in names)), None
    ) if signals.generator else None
    return signals


def _split_name(value: str) -> frozenset[str]:
    """The lower-case words of a class, id or name: split at spaces, '-', '_' and camelCase."""
    if not value.islower():
        value = _CAMEL_CASE.sub(" ", value).lower()
    return frozenset(value.replace("-", " ").replace("_", " ").split())


def _count_prices(text: str, vocabulary: _Vocabulary) -> int:
    count = len(vocabulary.price_currency_first.findall(text))
    if any(marker in text for marker in vocabulary.price_currency_last_markers):
        count += len(vocabulary.price_currency_last.findall(text))
    return count


class _WordCache:
    """Name words and signal groups per distinct attribute value: pages repeat class strings."""

    def __init__(self, vocabulary: _Vocabulary) -> None:
        self._groups_of_token: dict[str, list[str]] = {}
        for name, tokens in vocabulary.token_groups.items():
            for token in tokens:
                self._groups_of_token.setdefault(token, []).append(name)
        self._words: dict[str, frozenset[str]] = {}
        self._groups: dict[str, frozenset[str]] = {}

    def _of(self, value: str) -> frozenset[str]:
        words = self._words.get(value)
        if words is None:
            words = self._words[value] = _split_name(value)
        return words

    def words(self, element: HtmlElement) -> frozenset[str]:
        """The words of the element's class and id."""
        return frozenset().union(*(self._of(value) for name in _NAME_ATTRIBUTES if (value := element.get(name))))

    def groups_of(self, value: str) -> frozenset[str]:
        """The signal groups the words of one class or id string fall in (once per string: a class
        string is asked about once per tag that carries it)."""
        groups = self._groups.get(value)
        if groups is None:
            groups = self._groups[value] = frozenset(
                group for word in self._of(value) for group in self._groups_of_token.get(word, ())
            )
        return groups


# Elements whose text is no page text: body.text_content() counts it, so it is taken off.
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})
# The tags the walk reads or counts; every other element is passed over at the cost of one lookup.
_READ_TAGS = frozenset({"a", "button", "input", "select", "textarea", "pre", "code", "article", "time", "meta", "link",
                        *_HIDDEN_TAGS})


def _is_card_group(items: list[HtmlElement], words_of: _WordCache) -> bool:
    """Each of the group's first items holds a link, and the group is not in a menu, footer
    or sidebar (their link lists are the site's chrome)."""
    if not all(item.find(".//a[@href]") is not None or item.get("href") for item in items):
        return False
    vocabulary = _vocabulary()
    for ancestor in items[0].iterancestors():
        if ancestor.tag in vocabulary.chrome_tags or not words_of.words(ancestor).isdisjoint(vocabulary.chrome_tokens):
            return False
    return True


def _read_links(links: list[HtmlElement], signals: PageSignals, vocabulary: _Vocabulary) -> None:
    """Link count, link text and the calls to action among short link labels. The labels
    are matched as one text, a line each: one regex call per page, not one per link."""
    labels: list[str] = []
    for link in links:
        raw = "".join(link.itertext())  # what text_content() gives, without an XPath call per link
        signals.link_chars += len(raw) - raw.count(" ")
        if len(raw) <= _MAX_LABEL_CHARS * 4 and (label := " ".join(raw.split())) and len(label) <= _MAX_LABEL_CHARS:
            labels.append(label)
        rel = link.get("rel")
        if rel and ("next" in rel.lower().split() or "prev" in rel.lower().split()):
            signals.paginated = True
    signals.links = len(links)
    text = "\n".join(labels).lower()
    starts = list(accumulate((len(label) + 1 for label in labels[:-1]), initial=0))  # where each label begins
    carts = {bisect_right(starts, m.start()) for m in vocabulary.cart_phrases.finditer(text)}
    calls = {bisect_right(starts, m.start()) for m in vocabulary.cta_phrases.finditer(text)}
    signals.cart_controls += len(carts)
    signals.cta_controls += len(calls - carts)  # a label that buys is a cart control, not a call to action


def _read_control(control: HtmlElement, signals: PageSignals, vocabulary: _Vocabulary, words_of: _WordCache) -> None:
    label = " ".join(
        " ".join([*control.itertext(), control.get("value") or "", control.get("aria-label") or ""]).split()
    ).lower()[:_MAX_LABEL_CHARS * 2]
    words = words_of.words(control) | _split_name(control.get("name") or "")
    if vocabulary.cart_phrases.search(label) or not words.isdisjoint(vocabulary.token_groups["cart"]):
        signals.cart_controls += 1
    elif vocabulary.cta_phrases.search(label):
        signals.cta_controls += 1
