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


LOOSE = ("Gesine from Tübingen is running out of time: she enrolled to study law at the university weeks ago and "
         "has written to two hundred flat shares since, without a single offer of a room so far.")


def test_a_div_that_is_a_paragraph_among_paragraphs_keeps_its_text():
    # trafilatura, keeping formatting, drops text that sits loose in a div instead of a <p>
    page = (f"<html><body><main><article><h1>Room shortage</h1><p>{PROSE}</p><div class='box'>"
            f"<div class='text'> <div class='preview'> {LOOSE} </div> </div><p>{PROSE.replace('brain', 'gut')}</p>"
            "</div></article></main></body></html>")
    text = clean_html(page).to_text()
    assert LOOSE in text
    assert PROSE in text


def test_a_caption_div_alone_is_not_made_a_paragraph():
    from lxml import html

    from pipeline.clean.extract import _wrap_loose_prose

    root = html.fromstring(f"<html><body><figure><img src='a.png'><div class='caption'>{LOOSE}</div></figure>"
                           f"<div class='links'><a href='/a'>{LOOSE}</a></div></body></html>")
    _wrap_loose_prose(root)
    assert root.find(".//p") is None
