"""The mention record shared by the matcher, the spaCy component and the public API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


# Not frozen: a frozen dataclass's __init__ costs three times as much, and a page may name a
# substance every few characters. Nothing changes a mention after the matcher makes it.
# The matcher builds it with positional arguments, in this field order.
@dataclass(slots=True)
class Mention:
    start: int  # character offsets into the section text: text == section_text[start:end]
    end: int
    text: str
    label: str  # primary label: "NEUROCHEMICAL" | "HORMONE"
    labels: tuple[str, ...]  # every label it may carry, primary first
    canonical: str
    mesh: str | None
    chebi: str | None
    # "lexicon": the surface is a lexicon name, synonym or abbreviation (or a short form the text defines
    # for one); "rule": a spelling-variant, fragment or name-pattern rule made it, for a curator to review.
    source: Literal["lexicon", "rule"]
