"""The record contract: published schemas match the models; cross-field rules hold."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from pipeline.model import Record, json_schemas
from pipeline.validate import validate_record_line

REGENERATE = {
    "record.schema.json": "python -m pipeline schema > schemas/record.schema.json",
    "reject.schema.json": "python -m pipeline schema --reject > schemas/reject.schema.json",
}

DEFINITION = "Melatonin timing is the hour at which the pineal gland starts releasing melatonin each evening."
ORIGIN = "The idea grew out of sleep laboratory studies of the 1980s."


def _record(**changes: object) -> dict:
    """A valid record as JSON data; `changes` replace top-level fields."""
    data = {
        "id": "0123456789abcdef",
        "term": "Melatonin Timing",
        "page_kind": "entry",
        "source": {"path": "melatonin-timing.html", "url": None, "sha256": "a" * 64, "media_type": "text/html",
                   "encoding": "utf-8"},
        "sections": [
            {"kind": "definition", "heading": None, "text": DEFINITION},
            {"kind": "origin", "heading": "Origin", "text": ORIGIN},
        ],
        "definition": DEFINITION,
        "origin": ORIGIN,
        "mechanism": None,
        "entities": [{"text": "melatonin", "label": "HORMONE", "labels": ["HORMONE", "NEUROCHEMICAL"],
                      "canonical": "melatonin", "ids": {"mesh": "D008550", "chebi": None}, "source": "lexicon",
                      "section": 0,
                      "start": DEFINITION.index("melatonin"), "end": DEFINITION.index("melatonin") + 9}],
        "quality": {"kept_chars": len(DEFINITION) + len(ORIGIN), "removed_chars": {}, "removed": [],
                    "sections_found": ["definition", "origin"], "entity_counts": {"HORMONE": 1}, "warnings": [],
                    "page_evidence": [{"code": "defining-lead", "kind": "entry", "weight": 3.0,
                                       "fact": "the lead defines 'Melatonin Timing'"}],
                    "page_scores": {"entry": 3.0}},
        "provenance": {"pipeline_version": "0.1.0", "config_hash": "fedcba9876543210"},
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("name", sorted(REGENERATE))
def test_published_schema_files_match_the_models(repo, name):
    path = repo / "schemas" / name
    assert path.exists(), f"{path} is missing; regenerate it with: {REGENERATE[name]}"
    published = json.loads(path.read_text(encoding="utf-8"))
    assert published == json_schemas()[name], (
        f"schemas/{name} is out of date with pipeline/model.py; regenerate it with: {REGENERATE[name]}"
    )


def test_the_example_record_is_valid():
    # The base of the negative tests below must itself pass, or they would prove nothing.
    assert validate_record_line(json.dumps(_record())) == []
    Record.model_validate(_record())


def _entity(**changes: object) -> dict:
    entity = dict(_record()["entities"][0])
    entity.update(changes)
    return entity


@pytest.mark.parametrize(
    "entity",
    [
        pytest.param(_entity(start=0, end=9), id="offsets-point-at-other-text"),
        pytest.param(_entity(end=len(DEFINITION) + 5), id="end-past-the-text"),
        pytest.param(_entity(start=10, end=10), id="empty-span"),
        pytest.param(_entity(section=5), id="no-such-section"),
        pytest.param(_entity(section=1), id="other-section"),
    ],
)
def test_entity_offsets_that_do_not_index_the_section_text_fail(entity):
    with pytest.raises(ValidationError):
        Record.model_validate(_record(entities=[entity]))
    assert validate_record_line(json.dumps(_record(entities=[entity])))


def test_the_primary_label_must_be_among_the_labels():
    with pytest.raises(ValidationError):
        Record.model_validate(_record(entities=[_entity(label="NEUROCHEMICAL", labels=["HORMONE"])]))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"definition": ORIGIN}, id="definition-is-another-section"),
        pytest.param({"definition": None}, id="definition-missing"),
        pytest.param({"origin": None}, id="origin-missing"),
        pytest.param({"mechanism": ORIGIN}, id="mechanism-without-a-mechanism-section"),
    ],
)
def test_convenience_fields_must_equal_the_first_section_of_their_kind(changes):
    with pytest.raises(ValidationError):
        Record.model_validate(_record(**changes))


def test_definition_is_the_first_of_two_definition_sections():
    second = "In shift workers the timing can move by several hours."
    sections = [*_record()["sections"], {"kind": "definition", "heading": "Overview", "text": second}]
    Record.model_validate(_record(sections=sections))
    with pytest.raises(ValidationError):
        Record.model_validate(_record(sections=sections, definition=second))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"id": "not-an-id"}, id="bad-id"),
        pytest.param({"sections": []}, id="no-sections"),
        pytest.param({"unexpected": 1}, id="extra-field"),
        pytest.param({"schema_version": "0.9"}, id="other-schema-version"),
        # a record is an entry or one term of a glossary list; an article page gives a reject
        pytest.param({"page_kind": "article"}, id="record-of-a-non-entry-kind"),
    ],
)
def test_shape_errors_fail_both_schema_and_model(changes):
    data = _record(**changes)
    assert validate_record_line(json.dumps(data))
    with pytest.raises(ValidationError):
        Record.model_validate(data)
