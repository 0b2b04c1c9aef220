"""The lexicon data: unique canonical names, valid labels, only verified identifiers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipeline.entities.lexicon import LABELS, load_lexicon, load_never_tag

SHARED_DATA = Path(__file__).parents[2] / "../shared/data"


def test_canonical_names_unique_and_lowercase() -> None:
    names = [c.canonical for c in load_lexicon()]
    assert len(names) == len(set(names))
    assert all(n == n.lower() for n in names)


def test_enough_concepts_of_both_labels() -> None:
    concepts = load_lexicon()
    assert len(concepts) >= 200
    assert {c.label for c in concepts} == set(LABELS)


def test_no_lexicon_name_is_a_never_tag_word() -> None:
    never = load_never_tag()
    for concept in load_lexicon():
        forms = {f.lower() for f in (*concept.names, *concept.abbreviations, *concept.ambiguous_abbreviations)}
        assert not forms & never.generic, concept.canonical


def test_every_identifier_is_verified() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA.resolve()}: cannot verify identifiers")
    with (SHARED_DATA / "reference-vocabulary.tsv").open(encoding="utf-8", newline="") as f:
        reference = {(r["mesh"], r["chebi"]) for r in csv.DictReader(f, delimiter="\t")}
    reference_mesh = {mesh for mesh, _ in reference}
    bc5cdr_mesh: set[str] = set()
    for split in ("train", "dev"):
        with (SHARED_DATA / "bc5cdr" / f"{split}.jsonl").open(encoding="utf-8") as f:
            bc5cdr_mesh |= {m["mesh"] for line in f for m in json.loads(line)["mentions"] if m["type"] == "Chemical"}
    checked = 0
    for c in load_lexicon():
        if c.chebi:
            assert (c.mesh or "", c.chebi) in reference, (
                f"{c.canonical}: {c.mesh}/{c.chebi} not in reference vocabulary"
            )
        if c.mesh:
            assert c.mesh in reference_mesh or c.mesh in bc5cdr_mesh, f"{c.canonical}: {c.mesh} unverified"
            checked += 1
    assert checked > 50
