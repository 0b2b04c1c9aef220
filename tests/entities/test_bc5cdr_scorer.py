"""The BC5CDR scorer (scripts/tagger_eval_bc5cdr.py) counts each prediction once, and the right way."""

from __future__ import annotations

from types import ModuleType

import pytest
from script_modules import load_script

from pipeline.entities import EntityTagger

CORE = {"D004298"}  # dopamine's descriptor stands for the core tier in these synthetic documents


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    return load_script("tagger_eval_bc5cdr")


def _doc(text: str, chemicals: list[tuple[str, str]]) -> dict:
    mentions = []
    for surface, mesh in chemicals:
        start = text.index(surface)
        mentions.append({"start": start, "end": start + len(surface), "text": surface, "type": "Chemical",
                         "mesh": mesh})
    return {"pmid": "1", "text": text, "mentions": mentions}


def test_a_longer_name_around_a_listed_unannotated_hit_is_not_a_false_positive(
    scorer: ModuleType, tagger: EntityTagger
) -> None:
    text = "Plasma brain natriuretic peptide rose while dopamine fell."
    doc = _doc(text, [("dopamine", "D004298")])
    listed = text.index("natriuretic peptide")  # the list's regex hit is shorter than the tagger's name
    results = scorer.evaluate([doc], tagger, 0, CORE, {("1", listed, listed + len("natriuretic peptide"))})
    assert results["ignored_known_unannotated"] == 1
    assert results["ignored_by_overlap_only"] == 1
    assert results["predicted_scored"] == 1
    assert results["exact_precision"] == 1.0


def test_a_prediction_reaching_an_annotated_chemical_stays_scored(scorer: ModuleType, tagger: EntityTagger) -> None:
    # Gold marks the whole drug name; the tagger's "dopamine" inside it is a span error, even if a listed hit
    # (as a faulty list could hold) touches the same characters.
    text = "A dopamine agonist was given."
    doc = _doc(text, [("dopamine agonist", "D018491")])
    start = text.index("dopamine")
    results = scorer.evaluate([doc], tagger, 0, CORE, {("1", start, start + len("dopamine"))})
    assert results["predicted_scored"] == 1
    assert results["exact_precision"] == 0.0
    assert results["fp_on_out_of_scope_chemicals"] == 0


def test_a_composite_mention_is_in_scope_only_when_every_part_is(scorer: ModuleType, tagger: EntityTagger) -> None:
    in_scope = _doc("Levels of dopamine rose.", [("dopamine", "D004298|D004298")])
    mixed = _doc("Levels of dopamine rose.", [("dopamine", "D004298|D000001")])
    assert scorer.evaluate([in_scope], tagger, 0, CORE, set())["gold_in_scope"] == 1
    assert scorer.evaluate([mixed], tagger, 0, CORE, set())["gold_in_scope"] == 0


def test_per_kind_counts_a_true_positive_by_its_gold_id_and_a_false_positive_by_its_own(
    scorer: ModuleType, tagger: EntityTagger
) -> None:
    text = "Plasma dopamine and tryptophan rose, and cortisol fell."
    doc = _doc(text, [("dopamine", "D004298"), ("tryptophan", "D014364")])
    gold = {("1", m["start"], m["end"]): m["mesh"] for m in doc["mentions"]}
    scored = {("1", m.start, m.end): m for m in tagger.tag_text(text)}
    kinds = {"D004298": "endogenous", "D014364": "precursor"}  # cortisol's id has no kind here
    assert scorer.by_kind(gold, scored, kinds) == {
        "endogenous": (1, 1, 1),
        "precursor": (1, 1, 1),
        scorer.NO_KIND: (0, 1, 0),
    }
