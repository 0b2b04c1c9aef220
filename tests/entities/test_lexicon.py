"""The lexicon data: unique concepts, valid labels, only verified identifiers, reviewed names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from script_modules import load_script

from pipeline.entities import EntityTagger
from pipeline.entities.lexicon import DATA_DIR, LABELS, load_lexicon, load_name_rules, load_never_tag
from pipeline.entities.matcher import EntityMatcher

REVIEW_PATH = DATA_DIR / "vocabulary_review.tsv"  # core vocabulary concepts left out of the lexicon, with reasons


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_concepts_unique_and_rows_of_one_substance_agree() -> None:
    concepts = load_lexicon()
    identities = [(c.canonical, c.mesh) for c in concepts]
    assert len(identities) == len(set(identities))
    assert all(c.canonical == c.canonical.lower() for c in concepts)
    labels: dict[str, tuple[str, ...]] = {}
    for c in concepts:
        assert labels.setdefault(c.canonical, c.labels) == c.labels, c.canonical


def test_enough_concepts_of_both_labels() -> None:
    concepts = load_lexicon()
    assert len(concepts) >= 250
    assert {c.label for c in concepts} == set(LABELS)


def test_no_lexicon_name_is_a_never_tag_word() -> None:
    never = load_never_tag()
    for concept in load_lexicon():
        forms = {f.lower() for f in (*concept.names, *concept.abbreviations, *concept.ambiguous_abbreviations)}
        assert not forms & never.generic, concept.canonical


def test_every_identifier_is_verified(shared_data: Path) -> None:
    """Each MeSH id is a row of the shared vocabularies (or BC5CDR gold), and each ChEBI id is that row's."""
    pairs = {(r["mesh"], r["chebi"]) for name in ("vocabulary-mesh.tsv", "reference-vocabulary.tsv")
             for r in _rows(shared_data / name)}
    known_mesh = {mesh for mesh, _ in pairs}
    bc5cdr_mesh: set[str] = set()
    for split in ("train", "dev"):
        with (shared_data / "bc5cdr" / f"{split}.jsonl").open(encoding="utf-8") as f:
            bc5cdr_mesh |= {m["mesh"] for line in f for m in json.loads(line)["mentions"] if m["type"] == "Chemical"}
    checked = 0
    for c in load_lexicon():
        if c.chebi:
            assert (c.mesh or "", c.chebi) in pairs, f"{c.canonical}: {c.mesh}/{c.chebi} not in the shared vocabularies"
        if c.mesh:
            assert c.mesh in known_mesh or c.mesh in bc5cdr_mesh, f"{c.canonical}: {c.mesh} unverified"
            checked += 1
    assert checked > 200


def test_no_broad_tier_concept_is_in_the_lexicon(shared_data: Path) -> None:
    """Synthetic analogues and the bare 'steroids' are outside ANNOTATION.md's scope."""
    rows = _rows(shared_data / "vocabulary-mesh.tsv")
    broad = {r["mesh"] for r in rows if r["kind"] in ("synthetic_analogue", "generic")}
    assert not {c.mesh for c in load_lexicon()} & broad


def test_no_analogue_name_of_the_vocabulary_gives_the_substance_it_holds(shared_data: Path) -> None:
    """"Lysine vasopressin", "delta-cortisone", "1-desamino-8-arginine vasopressin" are analogues
    (vocabulary-mesh.tsv): no vasopressin or cortisone. scripts/vocabulary_analogue_blocks.py writes their block
    phrases, exactly those needed; it lists the kinds of name it leaves to the tagger's rules (fragments,
    qualifiers, formulations, names read whole)."""
    blocks = load_script("vocabulary_analogue_blocks")
    vocabulary = shared_data / "vocabulary-mesh.tsv"
    assert len(blocks.analogue_names(vocabulary)) > 300
    assert sorted(blocks.needed_rows(vocabulary)) == sorted(blocks.written_rows())
    tagger = EntityTagger()
    assert [m.text for m in tagger.tag_text("Lysine vasopressin and delta-cortisone, not vasopressin.")] == [
        "vasopressin"]


def test_every_peptide_of_the_vocabulary_is_marked_a_peptide(shared_data: Path) -> None:
    """The `peptide` column decides which rules a name takes (fragments and residue replacements, not L-/D- or
    salts): every concept MeSH files under peptides, proteins, pituitary or gastrointestinal hormones is one."""
    peptide_branches = ("D12.644", "D12.776", "D06.472.699", "D06.472.317")
    trees = {r["mesh"]: r["tree_numbers"].split("|") for r in _rows(shared_data / "vocabulary-mesh.tsv")}
    unmarked = [c.canonical for c in load_lexicon()
                if any(t.startswith(peptide_branches) for t in trees.get(c.mesh or "", [])) and not c.peptide]
    assert unmarked == []


def test_the_lexicon_builds_a_matcher_without_name_clashes() -> None:
    # The matcher raises when one name or abbreviation belongs to two concepts.
    matcher = EntityMatcher()
    assert len(matcher.concepts) == len(load_lexicon())


def test_name_rules_load_and_carry_known_labels() -> None:
    rules = load_name_rules()
    assert {r.name for r in rules} >= {"liberin", "statin", "neuropeptide X"}
    assert all(r.label in LABELS for r in rules)


def test_every_core_vocabulary_concept_is_in_the_lexicon_or_left_out_with_a_reason(shared_data: Path) -> None:
    core = {r["mesh"]: r["canonical"] for r in _rows(shared_data / "vocabulary-mesh.tsv")
            if r["kind"] not in ("synthetic_analogue", "generic")}
    review = {r["mesh"]: r for r in _rows(REVIEW_PATH)}
    lexicon_mesh = {c.mesh for c in load_lexicon()}
    assert all(r["why"].strip() for r in review.values())
    assert not review.keys() & lexicon_mesh, "a concept is both in the lexicon and left out"
    missing = {mesh: name for mesh, name in core.items() if mesh not in lexicon_mesh and mesh not in review}
    assert not missing
    assert len(core.keys() & lexicon_mesh) >= 200


def test_every_lexicon_name_and_abbreviation_tags_itself() -> None:
    """Each listed form, written as listed, is one mention of its own concept: a form the matcher cannot
    find (lost separators, a name another concept shadows, a block phrase over it) fails here."""
    matcher = EntityMatcher()
    failures = []
    first_row: dict[str, object] = {}
    for concept in matcher.concepts:
        # A canonical name shared by several rows names the first row's descriptor (the family's).
        shared = first_row.setdefault(concept.canonical, concept) is not concept
        forms = [*(concept.synonyms if shared else concept.names), *concept.abbreviations]
        for form in forms:
            text = f"Levels of {form} rose."
            mentions = matcher.tag_record([text])[0]
            found = [(m.text, m.canonical, m.mesh) for m in mentions]
            if found != [(form, concept.canonical, concept.mesh)]:
                failures.append((form, concept.canonical, found))
    assert not failures
