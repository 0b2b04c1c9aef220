"""The spaCy factory and component."""

from __future__ import annotations

import spacy

from pipeline.entities import EntityTagger, build_nlp


def test_factory_usable_on_blank_pipeline() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("glossary_entities")
    doc = nlp("Thyroxine (T4) becomes T3; insulin-deficient mice lack leptin's effect.")
    spans = list(doc.spans["glossary"])
    assert [s.text for s in spans] == ["Thyroxine", "T4", "T3", "insulin", "leptin"]
    assert [s._.canonical for s in spans][:3] == ["thyroxine", "thyroxine", "triiodothyronine"]
    assert all(s.label_ == "HORMONE" and "HORMONE" in s._.labels for s in spans)
    assert spans[0]._.mesh == "D013974"
    assert {s._.source for s in spans} == {"lexicon"}
    assert [e.text for e in doc.ents] == [s.text for s in spans]
    assert [m.text for m in doc._.glossary_mentions] == [s.text for s in spans]


def test_tagger_reuses_given_pipeline() -> None:
    nlp = build_nlp()
    tagger = EntityTagger(nlp)
    assert tagger.matcher is nlp.get_pipe("glossary_entities").matcher
    assert [m.text for m in tagger.tag_text("oxytocin")] == ["oxytocin"]


def test_factory_spans_say_which_came_from_a_rule() -> None:
    nlp = build_nlp()
    doc = nlp("Neuropeptide W and oxytocin.")
    assert [(s.text, s._.source, s._.mesh) for s in doc.spans["glossary"]] == [
        ("Neuropeptide W", "rule", None),
        ("oxytocin", "lexicon", "D010121"),
    ]
