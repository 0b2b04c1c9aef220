"""The mention record shared by the matcher, the spaCy component and the public API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mention:
    start: int  # character offsets into the section text: text == section_text[start:end]
    end: int
    text: str
    label: str  # primary label: "NEUROCHEMICAL" | "HORMONE"
    labels: tuple[str, ...]  # every label it may carry, primary first
    canonical: str
    mesh: str | None
    chebi: str | None
