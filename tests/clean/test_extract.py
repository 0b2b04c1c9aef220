"""Extraction survives markup that HTML parsing accepts but XML serialisation does not."""

from __future__ import annotations

from pipeline.clean import clean_html

PROSE = "Serotonin tone is the steady background level of serotonin signalling in the brain."


def test_a_tag_name_that_is_not_an_xml_name_keeps_its_text_and_the_page():
    # "<T<h1>" parses as an element named "t<h1", which trafilatura's XML step rejects
    page = f"<html><body><article><h1>Serotonin <T<h1>Tone</h1><p>{PROSE}</p></article></body></html>"
    text = clean_html(page).to_text()
    assert PROSE in text
    assert "Tone" in text
