"""Citation shape: whether a block of text is a bibliography entry or a numbered note.

The words of a reference list say nothing (any title, any journal); its shape does:
surnames with initials, a year in parentheses, volume(issue):pages, a DOI. The traits and
their thresholds live in reference_rules.json. Used by chrome.drop_boilerplate_blocks for
the `references` removals, alone and under a "References" / "Sources" heading.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.clean.needles import prefilter

_RULES_PATH = Path(__file__).with_name("reference_rules.json")


@dataclass(frozen=True, slots=True)
class _Feature:
    name: str
    pattern: re.Pattern[str]
    strong: bool
    # finds the words the pattern cannot match without ("doi", "et al", "http"; needles.py): every
    # block of a page is tested, and most hold none of them
    needles: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Rules:
    features: tuple[_Feature, ...]
    max_chars: int
    min_features: int
    min_weak_features: int


@cache
def _rules() -> _Rules:
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    return _Rules(
        features=tuple(
            _Feature(
                name=feature["name"],
                pattern=(pattern := re.compile(feature["re"], 0 if feature.get("case_sensitive") else re.IGNORECASE)),
                strong=bool(feature.get("strong")),
                needles=prefilter(pattern),
            )
            for feature in data["features"]
        ),
        max_chars=int(data["max_chars"]),
        min_features=int(data["min_features"]),
        min_weak_features=int(data["min_weak_features"]),
    )


def citation_traits(text: str) -> list[str]:
    """The names of the citation traits the text shows, in rule order."""
    return [feature.name for feature in _rules().features if feature.pattern.search(text)]


def is_citation(text: str) -> bool:
    """The block reads as one entry of a reference list (see the module docstring)."""
    rules = _rules()
    if not text or len(text) > rules.max_chars:
        return False
    strong = weak = 0
    lowered = text.lower()
    for feature in rules.features:
        if (feature.needles is None or feature.needles.search(lowered)) and feature.pattern.search(text):
            if feature.strong:
                strong += 1
            else:
                weak += 1
    if strong:
        return strong + weak >= rules.min_features
    return weak >= rules.min_weak_features
