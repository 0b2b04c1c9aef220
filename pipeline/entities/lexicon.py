"""Load the concept lexicon (lexicon.tsv), the never-tag list (never_tag.tsv), the name rules
(name_rules.tsv), the salt and ester words (salt_ester_suffixes.tsv) and the amino-acid residue symbols
(peptide_residues.tsv).

All are data so that adding a concept, a synonym, a name pattern or a residue never needs a code change.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).parent
LEXICON_PATH = DATA_DIR / "lexicon.tsv"
NEVER_TAG_PATH = DATA_DIR / "never_tag.tsv"
NAME_RULES_PATH = DATA_DIR / "name_rules.tsv"
SUFFIXES_PATH = DATA_DIR / "salt_ester_suffixes.tsv"
RESIDUES_PATH = DATA_DIR / "peptide_residues.tsv"
RULE_ID_SOURCE = "rule"  # id_source of the concepts a name rule makes: they never carry identifiers
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
    peptide: bool  # a peptide or protein: its names take fragment suffixes ("ACTH-(1-24)"), not L-/D- prefixes
    id_source: str
    note: str
    # Read for every mention, so made once per concept: every label, primary first, and whether a
    # rule made the concept (it never carries identifiers).
    labels: tuple[str, ...] = field(init=False, repr=False, compare=False)
    from_rule: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", (self.label, *self.also_labels))
        object.__setattr__(self, "from_rule", self.id_source == RULE_ID_SOURCE)

    @property
    def names(self) -> tuple[str, ...]:
        """Full names, matched case-insensitively (canonical first)."""
        return (self.canonical, *self.synonyms)


@dataclass(frozen=True, slots=True)
class NeverTag:
    generic: frozenset[str]  # lowercase words that must not be lexicon names
    block: tuple[str, ...]  # phrases whose span suppresses any mention inside it
    derived_endings: tuple[str, ...]  # "-like", "-ergic": a name hyphened to one is a derived word, no mention


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split("|") if p.strip())


def load_lexicon(path: Path = LEXICON_PATH) -> list[Concept]:
    """Read and validate lexicon.tsv; raise ValueError on a malformed row.

    Two rows may share a canonical name when they carry different MeSH descriptors of one substance
    ("vasopressin": the family D014667 for "vasopressin", the arginine form D001127 for "AVP"), so each
    name gets the most specific descriptor it supports; such rows must agree on their labels.
    """
    concepts: list[Concept] = []
    seen: set[tuple[str, str | None]] = set()
    labels_of: dict[str, tuple[str, ...]] = {}
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
                peptide=row["peptide"].strip() == "yes",
                id_source=row["id_source"].strip(),
                note=(row["note"] or "").strip(),
            )
            identity = (concept.canonical, concept.mesh)
            if concept.canonical != concept.canonical.lower() or identity in seen:
                raise ValueError(f"{path}:{n}: canonical {concept.canonical!r} not lowercase or not unique")
            if any(label not in LABELS for label in concept.labels):
                raise ValueError(f"{path}:{n}: unknown label in {concept.labels}")
            if labels_of.setdefault(concept.canonical, concept.labels) != concept.labels:
                raise ValueError(f"{path}:{n}: rows of {concept.canonical!r} disagree on their labels")
            if ((concept.mesh or concept.chebi) and not concept.id_source) or concept.from_rule:
                raise ValueError(f"{path}:{n}: identifier without id_source, or a lexicon row marked as a rule")
            seen.add(identity)
            concepts.append(concept)
    return concepts


def load_never_tag(path: Path = NEVER_TAG_PATH) -> NeverTag:
    generic: set[str] = set()
    block: list[str] = []
    derived_endings: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            phrase = row["phrase"].strip().lower()
            if row["kind"] == "generic":
                generic.add(phrase)
            elif row["kind"] == "derived_ending":
                if not phrase.startswith("-") or not phrase[1:].isalpha():
                    raise ValueError(f"{path}:{n}: a derived ending is a hyphen and letters, like '-like'")
                derived_endings.append(phrase[1:])
            else:
                block.append(phrase)
    return NeverTag(frozenset(generic), tuple(block), tuple(derived_endings))


@dataclass(frozen=True, slots=True)
class NameRule:
    """A pattern for in-scope names that no vocabulary lists ("prolactin-releasing factor", "neuropeptide W")."""

    name: str
    needles: tuple[str, ...]  # lowercase literals; the pattern runs only on a text holding one of them
    pattern: re.Pattern[str]
    canonical: str  # a str.format template over the pattern's named groups
    label: str
    also_labels: tuple[str, ...]
    exclude: re.Pattern[str] | None  # a match whose lowercased text this finds is no mention


def load_name_rules(path: Path = NAME_RULES_PATH) -> list[NameRule]:
    rules: list[NameRule] = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            rule = NameRule(
                name=row["name"].strip(),
                needles=_split(row["needles"].lower()),
                pattern=re.compile(row["pattern"]),
                canonical=row["canonical"].strip(),
                label=row["label"].strip(),
                also_labels=_split(row["also_labels"]),
                exclude=re.compile(row["exclude"]) if row["exclude"].strip() else None,
            )
            if not rule.needles or any(label not in LABELS for label in (rule.label, *rule.also_labels)):
                raise ValueError(f"{path}:{n}: a rule needs needles and known labels")
            if not set(re.findall(r"{(\w+)}", rule.canonical)) <= set(rule.pattern.groupindex):
                raise ValueError(f"{path}:{n}: canonical template names a group the pattern lacks")
            rules.append(rule)
    return rules


SUFFIX_KINDS = ("salt", "ester", "fragment", "releasing", "prefix", "modifier")


def load_suffixes(path: Path = SUFFIXES_PATH) -> dict[str, str]:
    """Words joined to a substance's name, word -> kind: after a small molecule a "salt" (the same substance) or
    an "ester" (a conjugate); after a peptide a named "fragment" ("octapeptide"); after a hormone a "releasing"
    phrase (another hormone); before a peptide a "prefix" that makes another form ("des-acyl"); before any name
    a "modifier" that names a form of the substance itself ("free", "total"), read by short-form definitions."""
    with path.open(encoding="utf-8", newline="") as f:
        suffixes = {row["suffix"].strip().lower(): row["kind"].strip() for row in csv.DictReader(f, delimiter="\t")}
    if set(suffixes.values()) - set(SUFFIX_KINDS):
        raise ValueError(f"{path}: a suffix kind is none of {SUFFIX_KINDS}")
    return suffixes


def load_residues(path: Path = RESIDUES_PATH) -> dict[str, str]:
    """Amino-acid residue symbols -> names ("Arg" -> "arginine"), read by the rule for a peptide's residue
    replacement ("[Arg8]vasopressin", IUPAC-IUB JCBN 1983, 3AA-22); raise ValueError on a malformed row."""
    residues: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            code, name = row["code"].strip(), row["name"].strip().lower()
            if not re.fullmatch(r"[a-zA-Z]{3,4}", code) or not name or code in residues:
                raise ValueError(f"{path}:{n}: a residue needs a unique 3- or 4-letter symbol and a name")
            residues[code] = name
    return residues
