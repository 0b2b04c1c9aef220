"""Load the concept lexicon (lexicon.tsv) and the never-tag list (never_tag.tsv).

Both files are data so that adding a concept or synonym never needs a code change.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent
LEXICON_PATH = DATA_DIR / "lexicon.tsv"
NEVER_TAG_PATH = DATA_DIR / "never_tag.tsv"
LABELS = ("NEUROCHEMICAL", "HORMONE")


@dataclass(frozen=True, slots=True)
class Concept:
    canonical: str
    label: str
    also_labels: tuple[str, ...]
    mesh: str | None
    chebi: str | None
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    ambiguous_abbreviations: tuple[str, ...]
    id_source: str
    note: str

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.also_labels)

    @property
    def names(self) -> tuple[str, ...]:
        """Full names, matched case-insensitively (canonical first)."""
        return (self.canonical, *self.synonyms)


@dataclass(frozen=True, slots=True)
class NeverTag:
    generic: frozenset[str]  # lowercase words that must not be lexicon names
    block: tuple[str, ...]  # phrases whose span suppresses any mention inside it


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split("|") if p.strip())


def load_lexicon(path: Path = LEXICON_PATH) -> list[Concept]:
    """Read and validate lexicon.tsv; raise ValueError on a malformed row."""
    concepts: list[Concept] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            concept = Concept(
                canonical=row["canonical"].strip(),
                label=row["label"].strip(),
                also_labels=_split(row["also_labels"]),
                mesh=row["mesh"].strip() or None,
                chebi=row["chebi"].strip() or None,
                synonyms=_split(row["synonyms"]),
                abbreviations=_split(row["abbreviations"]),
                ambiguous_abbreviations=_split(row["ambiguous_abbreviations"]),
                id_source=row["id_source"].strip(),
                note=(row["note"] or "").strip(),
            )
            if concept.canonical != concept.canonical.lower() or concept.canonical in seen:
                raise ValueError(f"{path}:{n}: canonical {concept.canonical!r} not lowercase or not unique")
            if any(label not in LABELS for label in concept.labels):
                raise ValueError(f"{path}:{n}: unknown label in {concept.labels}")
            if (concept.mesh or concept.chebi) and not concept.id_source:
                raise ValueError(f"{path}:{n}: identifier without id_source")
            seen.add(concept.canonical)
            concepts.append(concept)
    return concepts


def load_never_tag(path: Path = NEVER_TAG_PATH) -> NeverTag:
    generic: set[str] = set()
    block: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            phrase = row["phrase"].strip().lower()
            if row["kind"] == "generic":
                generic.add(phrase)
            else:
                block.append(phrase)
    return NeverTag(frozenset(generic), tuple(block))
