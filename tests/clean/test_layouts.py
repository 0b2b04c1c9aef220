"""Entry pages in layouts the developer set does not have (issue 10, point 5), written for
these tests: styled headings, <details>, 1990s tables, hard-wrapped plain text, JSON
payloads behind a loading skeleton, and "term of the day" boxes.

tests/pages/layouts/expected.json says, per page, what the clean stage must give (heading
blocks, whole paragraphs, look-alikes that stay text, text that must be gone) and what the
record must say (term, definition, origin and mechanism, exactly). "lines" are plain-text
heading lines that must stay blocks of their own (the segmenter reads them as headings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from page_specs import clean_page, expected_specs, page_names

from pipeline.api import GlossaryPipeline
from pipeline.clean import clean_html, clean_text

PAGES = Path(__file__).resolve().parents[1] / "pages" / "layouts"
EXPECTED = expected_specs(PAGES)


def test_every_page_has_its_expectations() -> None:
    assert page_names(PAGES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_clean_blocks(name: str) -> None:
    spec = EXPECTED[name]
    page = clean_page(PAGES, name)
    headings = [block.text for block in page.blocks if block.role == "heading"]
    texts = [block.text for block in page.blocks if block.role != "heading"]
    for heading in spec["headings"]:
        assert heading in headings, f"{heading!r} is not a heading block: {headings}"
    for line in spec.get("lines", []):
        assert line in texts, f"{line!r} is not a line of its own"
    for look_alike in spec["not_headings"]:
        assert not any(look_alike in heading for heading in headings), f"{look_alike!r} became a heading"
        assert any(look_alike in text for text in texts), f"{look_alike!r} was lost"
    for kind in ("definition", "origin", "mechanism"):
        for paragraph in spec[kind].split("\n\n"):
            assert paragraph in texts, f"{kind} paragraph is not one whole block: {paragraph[:60]!r}"
    kept = page.to_text()
    for gone in spec["absent"]:
        assert gone not in kept, f"{gone!r} reached the kept text"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_record(name: str, pipeline: GlossaryPipeline) -> None:
    spec = EXPECTED[name]
    outcome = pipeline.process((PAGES / name).read_bytes(), path=f"layouts/{name}")
    assert outcome.reject is None, outcome.reject
    [record] = outcome.records
    assert record.term == spec["term"]
    assert record.definition == spec["definition"]
    assert record.origin == spec["origin"]
    assert record.mechanism == spec["mechanism"]
    body = "\n".join(section.text for section in record.sections)
    for gone in spec["absent"]:
        assert gone not in body


def test_plain_text_with_one_paragraph_per_line_keeps_every_line() -> None:
    # the seed page's shape: unwrapped paragraphs far past 100 columns, heading lines between them
    sentence = "Relaxin is a peptide hormone of pregnancy that loosens the ligaments of the pelvis."
    lines = [f"{sentence} {sentence}", "Origin", f"{sentence} {sentence}", "Mechanism", f"{sentence} {sentence}"]
    assert [block.text for block in clean_text("\n".join(lines)).blocks] == lines


def test_hard_wrapped_paragraph_is_one_block_and_a_short_heading_line_stays() -> None:
    text = (
        "Relaxin is a peptide hormone of pregnancy that loosens the ligaments of\n"
        "the pelvis and softens the cervix before birth, and it also widens blood\n"
        "vessels of the kidney.\n"
        "Origin\n"
        "Frederick Hisaw found it in 1926 in the serum of pregnant guinea pigs and\n"
        "named it for the relaxing of the pubic ligament it caused.\n"
    )
    assert [block.text for block in clean_text(text).blocks] == [
        "Relaxin is a peptide hormone of pregnancy that loosens the ligaments of the pelvis and softens the cervix "
        "before birth, and it also widens blood vessels of the kidney.",
        "Origin",
        "Frederick Hisaw found it in 1926 in the serum of pregnant guinea pigs and named it for the relaxing of the "
        "pubic ligament it caused.",
    ]


_LEAD = (
    "Relaxin is a peptide hormone of pregnancy that loosens the ligaments of the pelvis and softens the cervix "
    "before birth, and it also widens the blood vessels of the kidney."
)


def _portable_text_page(visible: str, script: str) -> str:
    return f"<html><head><title>Relaxin</title></head><body><div id='app'>{visible}</div>{script}</body></html>"


def test_portable_text_payload_fills_a_skeleton() -> None:
    blocks = [
        {"_type": "block", "style": style, "children": [{"_type": "span", "text": text}]}
        for style, text in (("normal", _LEAD), ("h2", "Origin"), ("normal", "Frederick Hisaw found it in 1926."))
    ]
    script = f"<script type='application/json' id='__NEXT_DATA__'>{json.dumps({'page': {'body': blocks}})}</script>"
    page = clean_html(_portable_text_page("<p>Loading…</p>", script))
    assert [(block.role, block.text) for block in page.blocks] == [
        ("paragraph", _LEAD), ("heading", "Origin"), ("paragraph", "Frederick Hisaw found it in 1926.")
    ]


def test_payload_is_not_used_when_the_page_shows_its_text() -> None:
    article = json.dumps({"@type": "Article", "articleBody": "A different, much longer text. " * 20})
    page = clean_html(_portable_text_page(f"<p>{_LEAD}</p>", f"<script type='application/ld+json'>{article}</script>"))
    assert [block.text for block in page.blocks] == [_LEAD]


def test_a_script_that_is_not_a_json_literal_is_never_evaluated() -> None:
    script = "<script>window.__NUXT__=(function(a){return {body: '<p>' + a + '</p>'}}('Relaxin text'));</script>"
    page = clean_html(_portable_text_page("<p>Loading…</p>", script))
    assert "Relaxin text" not in page.to_text()


def test_a_payload_nested_too_deep_for_the_json_parser_leaves_the_skeleton() -> None:
    script = f"<script type='application/json'>{'[' * 100_000}{']' * 100_000}</script>"
    page = clean_html(_portable_text_page("<p>Loading…</p>", script))
    assert page.to_text() == "Loading…"
