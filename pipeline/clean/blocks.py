"""The clean stage's output: the page's kept text as a flat list of typed blocks.

The segmenter reads blocks, never HTML, so an HTML page and a plain-text page look the same
to it. Removals record what the cleaner took out and why, for the record's quality field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.clean.signals import PageSignals

BlockRole = Literal["heading", "term", "paragraph", "item"]
# What read the page's blocks: trafilatura, or the clean stage's own linear walk on a page of
# far more blocks than a real page has (extract.py says why).
ExtractorName = Literal["trafilatura", "linear"]


def normalize_space(text: str) -> str:
    """One space between words, none at the ends (the gold's paragraph convention).

    str.split() breaks at exactly the characters re's \\s matches (Unicode whitespace),
    several times faster than a regex substitution on the clean stage's hot paths.
    """
    return " ".join(text.split())


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, three
# times the cost, and a dense page makes a block every few bytes. No stage changes a block.
@dataclass(slots=True)
class Block:
    """One unit of visible text.

    role: "heading" (h1-h6 or a heading line), "term" (a <dt>), "paragraph" or "item"
    (a list item). bold_lead is the text of a bold run that opens a paragraph ("Origin:"),
    the raw material for run-in labels; all_bold marks a paragraph made only of bold text.
    """

    role: BlockRole
    text: str
    level: int | None = None
    bold_lead: str | None = None
    all_bold: bool = False


# references: bibliographies, citation lists, numbered notes; notice: copyright, licence,
# public-domain and editorial-policy lines; advertising: ad disclaimers, affiliate and sponsor
# lines; promotion: calls to action, sign-up and booking boxes, offers; paywall: subscription
# and login walls; teaser: other articles' titles and blurbs inside the page; site-template: text
# that recurs on most pages of the page's site in the same batch (site_template.py); repeated-text: a
# copy of kept text that trafilatura left out (extract.py `_repeats_left_out`).
RemovalReason = Literal[
    "consent", "navigation", "related-links", "share", "newsletter", "byline",
    "disclaimer", "footer", "apparatus", "script-style", "other-boilerplate",
    "references", "notice", "advertising", "promotion", "paywall", "teaser", "site-template", "repeated-text",
]


@dataclass(frozen=True, slots=True)
class Removal:
    """A piece of text the cleaner removed: why, how much, and its opening words."""

    reason: RemovalReason
    chars: int
    snippet: str
    rule: str = ""

    @classmethod
    def of_text(cls, reason: RemovalReason, text: str, rule: str = "") -> Removal:
        clean = normalize_space(text)
        return cls(reason=reason, chars=len(clean), snippet=clean[:120], rule=rule)


@dataclass(slots=True)
class PageMeta:
    """What the page says about itself, read before extraction strips it."""

    title: str | None = None
    h1: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    defined_terms: list[str] = field(default_factory=list)
    language: str | None = None
    # schema.org types of the page's JSON-LD nodes ("Article", "Product", "DefinedTerm"...)
    jsonld_types: list[str] = field(default_factory=list)
    og_type: str | None = None  # <meta property="og:type">, lower case
    description: str | None = None  # <meta name="description">


@dataclass(slots=True)
class CleanedPage:
    blocks: list[Block]
    removed: list[Removal]
    meta: PageMeta
    markup_chars: int = 0
    signals: PageSignals = field(default_factory=PageSignals)
    extractor: ExtractorName = "trafilatura"
    site: str | None = None  # the site key the template step used (site_template.site_of)
    template: str | None = None  # digest of the site template applied, None when there was none

    @property
    def text_chars(self) -> int:
        return sum(len(block.text) for block in self.blocks)

    def opening(self, chars: int) -> str:
        """The first `chars` characters of the blocks' texts joined by spaces (a sample
        that reads only the blocks it needs)."""
        parts: list[str] = []
        length = 0
        for block in self.blocks:
            if length > chars:
                break
            parts.append(block.text)
            length += len(block.text) + 1
        return " ".join(parts)[:chars]

    def to_text(self) -> str:
        """Kept text, one block per line, headings on lines of their own."""
        return "\n".join(block.text for block in self.blocks)
