"""The record contract: pydantic models from which `schemas/*.schema.json` are generated.

Field meanings follow shared/ANNOTATION.md. A record validates only when its entity
offsets index its section texts and its convenience fields agree with its sections.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.rejects import RejectReason

SCHEMA_VERSION = "1.1.0"

SectionKind = Literal[
    "definition", "origin", "mechanism", "context", "significance", "application", "metric", "risk", "other"
]
EntityLabel = Literal["NEUROCHEMICAL", "HORMONE"]
MediaType = Literal["text/html", "text/plain"]
# What the page stage decided a page is (pipeline/stages/page_kind.py).
EntryPageKind = Literal["entry", "glossary-list"]
PageKind = Literal[
    "entry", "glossary-list", "article", "forum", "product", "listing", "landing", "documentation", "error"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    path: str = Field(description="The input path as given on the command line or to the API.")
    url: str | None = Field(None, description="The canonical URL the page states, if any.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw input bytes.")
    media_type: MediaType
    encoding: str | None = Field(None, description="The character encoding the text was decoded with.")


class Section(_Strict):
    kind: SectionKind
    heading: str | None = Field(description="The heading as written (trailing colon dropped); null for the lead.")
    text: str = Field(min_length=1, description="Clean prose; paragraphs joined by a blank line.")


class EntityIds(_Strict):
    mesh: str | None = Field(None, pattern=r"^[CD]\d{6,9}$")
    chebi: str | None = Field(None, pattern=r"^CHEBI:\d+$")


class Entity(_Strict):
    text: str = Field(min_length=1, description="The mention as written.")
    label: EntityLabel = Field(description="The primary label.")
    labels: list[EntityLabel] = Field(min_length=1, description="Every label the substance can carry.")
    canonical: str = Field(min_length=1)
    ids: EntityIds
    source: Literal["lexicon", "rule"] = Field(
        description="lexicon: a lexicon name, synonym or abbreviation (or a short form the text defines for one); "
        "rule: a spelling-variant, fragment or name-pattern rule made it (rule names carry no ids), for review."
    )
    section: int = Field(ge=0, description="Index into `sections`.")
    start: int = Field(ge=0, description="Offset into that section's text.")
    end: int = Field(gt=0)


class RemovedText(_Strict):
    reason: str = Field(description="Why it was removed: consent, navigation, related-links, disclaimer, ...")
    chars: int = Field(ge=0)
    snippet: str = Field(description="The opening of the removed text.")


class QualityWarning(_Strict):
    code: str = Field(description="A stable code, e.g. no-definition.")
    message: str


class PageEvidence(_Strict):
    code: str = Field(description="The check that fired, e.g. defining-lead, byline, posts.")
    kind: PageKind = Field(description="The page kind it supports.")
    weight: float
    fact: str = Field(description="What was seen on this page.")


class Quality(_Strict):
    kept_chars: int = Field(ge=0, description="Characters of section text in this record.")
    removed_chars: dict[str, int] = Field(description="Characters removed from the page, by reason.")
    removed: list[RemovedText] = Field(description="The removed blocks of the page (first ones, capped).")
    sections_found: list[SectionKind]
    entity_counts: dict[str, int] = Field(description="Mentions by label, all of them (entities lists 10,000 at most).")
    warnings: list[QualityWarning]
    page_evidence: list[PageEvidence] = Field(
        description="The evidence the page stage weighed, the decided kind's first; scores by kind in page_scores."
    )
    page_scores: dict[str, float] = Field(description="Total evidence weight by page kind.")


class Provenance(_Strict):
    pipeline_version: str
    config_hash: str = Field(pattern=r"^[0-9a-f]{16}$")


class Record(_Strict):
    schema_version: Literal["1.1.0"] = SCHEMA_VERSION
    id: str = Field(pattern=r"^[0-9a-f]{16}$", description="Stable across runs for the same entry of the same source.")
    term: str = Field(min_length=1)
    page_kind: EntryPageKind = Field(description="entry: the page is one term; glossary-list: one of several.")
    source: Source
    sections: list[Section] = Field(min_length=1)
    definition: str | None
    origin: str | None
    mechanism: str | None
    entities: list[Entity] = Field(description="The mentions, in order; at most 10,000 (quality.warnings says when "
                                   "more were found)")
    quality: Quality
    provenance: Provenance

    @model_validator(mode="after")
    def _consistent(self) -> Record:
        for entity in self.entities:
            if entity.section >= len(self.sections):
                raise ValueError(f"entity {entity.text!r} points at section {entity.section}, which does not exist")
            text = self.sections[entity.section].text
            if not entity.start < entity.end <= len(text) or text[entity.start : entity.end] != entity.text:
                raise ValueError(f"entity {entity.text!r} does not match its offsets in section {entity.section}")
            if entity.label not in entity.labels:
                raise ValueError(f"entity {entity.text!r}: primary label missing from labels")
        for kind in ("definition", "origin", "mechanism"):
            first = next((s.text for s in self.sections if s.kind == kind), None)
            if getattr(self, kind) != first:
                raise ValueError(f"`{kind}` must equal the text of the first {kind} section")
        return self


class RejectSource(_Strict):
    path: str
    url: str | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class Reject(_Strict):
    source: RejectSource
    reason: RejectReason
    detail: str = Field(min_length=1, description="One sentence saying what is wrong with the input.")
    page_kind: PageKind | None = Field(
        None, description="For not-a-glossary-entry: what the page is instead (article, forum, product, ...)."
    )


def json_schemas() -> dict[str, dict[str, object]]:
    """The published JSON Schema files, by file name under `schemas/`."""
    schemas: dict[str, dict[str, object]] = {}
    for name, model in (("record", Record), ("reject", Reject)):
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://glossary-pipeline.invalid/schemas/{name}-{SCHEMA_VERSION}.schema.json"
        schemas[f"{name}.schema.json"] = schema
    return schemas
