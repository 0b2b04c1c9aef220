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


DEFINITION = ("Cortisol rhythm is the daily rise and fall of cortisol in the blood, highest soon after waking and "
              "lowest around midnight.")
ORIGIN = "The term comes from chronobiology studies of the 1950s that sampled blood around the clock."


def _entry(middle: str, title: str = "Cortisol Rhythm") -> str:
    return (f"<html><head><title>{title}</title></head><body><main><article><h1>{title}</h1><p>{DEFINITION}</p>"
            f"{middle}<h2>Origin</h2><p>{ORIGIN}</p></article></main></body></html>")


def _repeats(page: str) -> list:
    return [removal for removal in clean_html(page).removed if removal.reason == "repeated-text"]


def test_a_definition_repeated_right_after_itself_is_kept_once_and_its_copy_recorded(pipeline):
    # trafilatura keeps one copy of a paragraph repeated right after itself, with no option to keep both
    page = _entry(f"<div class='summary-box'><p>{DEFINITION}</p></div>")
    assert clean_html(page).to_text().count(DEFINITION) == 1
    (removal,) = _repeats(page)
    assert (removal.chars, removal.snippet) == (len(DEFINITION), DEFINITION[:120])
    quality = pipeline.process(page.encode(), path="cortisol-rhythm.html").records[0].quality
    assert quality.removed_chars["repeated-text"] == len(DEFINITION)  # what the audit adds up by reason


def test_a_repeat_after_its_own_heading_stays_and_nothing_is_recorded():
    page = _entry(f"<h2>Summary</h2><p>{DEFINITION}</p>")
    assert clean_html(page).to_text().count(DEFINITION) == 2
    assert _repeats(page) == []


def test_text_the_page_has_once_is_no_repeat_however_it_is_wrapped():
    long_title = "Cortisol Rhythm and the Daily Curve of the Stress Hormone Explained"  # the <title> repeats the h1
    assert _repeats(_entry(f"<div><div><p>{ORIGIN} It was later measured in saliva.</p></div></div>",
                           title=long_title)) == []
