"""A record lists at most MAX_ENTITIES_LISTED mentions and twenty warnings of one code; past that it says so."""

from __future__ import annotations

from pipeline.api import MAX_ENTITIES_LISTED, GlossaryPipeline

LEAD = "<h1>Dopamine Tone</h1><p>Dopamine tone is the background level of dopamine signalling in the brain.</p>"


def _page(body: str) -> bytes:
    page = f"<html><head><title>Dopamine Tone</title></head><body><article>{LEAD}{body}</article></body></html>"
    return page.encode()


def test_a_record_naming_a_substance_past_the_cap_lists_the_first_mentions_and_counts_all():
    times = MAX_ENTITIES_LISTED + 500
    outcome = GlossaryPipeline().process(_page(f"<p>{'dopamine ' * times}</p>"), path="tone.html")
    (record,) = outcome.records
    assert len(record.entities) == MAX_ENTITIES_LISTED
    found = record.quality.entity_counts["NEUROCHEMICAL"]
    assert found > times
    warning = next(w for w in record.quality.warnings if w.code == "entities-capped")
    assert f"{found:,}" in warning.message
    first = record.entities[0]
    assert record.sections[first.section].text[first.start:first.end] == first.text


def test_a_record_under_the_cap_lists_every_mention_without_a_warning():
    outcome = GlossaryPipeline().process(_page("<p>It rises with serotonin and falls with cortisol.</p>"),
                                         path="tone.html")
    (record,) = outcome.records
    assert sum(record.quality.entity_counts.values()) == len(record.entities) > 0
    assert "entities-capped" not in {w.code for w in record.quality.warnings}
