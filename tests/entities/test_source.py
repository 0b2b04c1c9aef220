"""Every output that carries mentions says where each came from: the lexicon or a rule."""

from __future__ import annotations

import json

from pipeline.api import GlossaryPipeline
from pipeline.entities import EntityTagger
from pipeline.tag_jsonl import tag_lines

TEXT = "Neuropeptide W and prolactoliberin act with oxytocin; DL-DOPA was given."


def test_tag_command_lines_carry_the_source(tagger: EntityTagger) -> None:
    [line] = list(tag_lines([json.dumps({"id": 1, "text": TEXT})], tagger))
    entities = json.loads(line)["entities"]
    assert [(e["text"], e["source"], e["ids"]["mesh"]) for e in entities] == [
        ("Neuropeptide W", "rule", None),
        ("prolactoliberin", "rule", None),
        ("oxytocin", "lexicon", "D010121"),
        ("DL-DOPA", "rule", "D004295"),
    ]


def test_records_carry_the_source(pipeline: GlossaryPipeline) -> None:
    # an entry page (the page stage rejects text that defines nothing)
    page = f"Neuropeptide W\n\nNeuropeptide W is a neuropeptide that the body makes in the brain and gut. {TEXT}\n"
    outcome = pipeline.process(page.encode("utf-8"), path="neuropeptide-w.txt")
    assert outcome.reject is None
    entities = [e for record in outcome.records for e in record.entities]
    by_text = {e.text: e for e in entities}
    assert by_text["Neuropeptide W"].source == "rule" and by_text["Neuropeptide W"].ids.mesh is None
    assert by_text["oxytocin"].source == "lexicon" and by_text["oxytocin"].ids.mesh == "D010121"
    assert json.loads(outcome.records[0].model_dump_json())["entities"][0]["source"] in ("lexicon", "rule")
