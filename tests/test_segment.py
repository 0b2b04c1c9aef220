"""Segment stage (through the cleaner): terms, sections, headings in every form the contract lists."""

from __future__ import annotations

import json

import pytest
from entry_texts import LEAD, ORIGIN

from pipeline.clean import clean_html, clean_text
from pipeline.segment import Entry, NotAnEntry, segment

MECHANISM = (
    "Neurons of the raphe nuclei fire slowly and regularly, releasing serotonin that acts "
    "on many receptor types across the cortex and limbic system."
)


def _page(body: str, title: str = "Serotonin Tone", head: str = "", before_main: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body>{before_main}<main><article>{body}</article></main></body></html>"
    )


def _entries(html: str, name: str = "serotonin-tone.html", as_list: bool = False) -> list[Entry]:
    """The page's entries; `as_list` as the page stage decides it for a glossary list
    (tests/test_page_kind.py checks that decision on the same kinds of page)."""
    result = segment(clean_html(html), name, plain_text=False, as_list=as_list)
    assert not isinstance(result, NotAnEntry), result
    return result


def _one(html: str, name: str = "serotonin-tone.html") -> Entry:
    [entry] = _entries(html, name)
    return entry


def _shape(entry: Entry) -> list[tuple[str, str | None, str]]:
    return [(s.kind, s.heading, s.text) for s in entry.sections]


def test_h2_headings_split_the_sections():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>"
                       f"<h2>Mechanism</h2><p>{MECHANISM}</p>"))
    assert entry.term == "Serotonin Tone"
    assert _shape(entry) == [("definition", None, LEAD), ("origin", "Origin", ORIGIN),
                             ("mechanism", "Mechanism", MECHANISM)]


def test_paragraphs_of_one_section_are_joined_by_a_blank_line():
    second = "Researchers still use the phrase when they compare baseline and challenge conditions in trials."
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p><p>{second}</p>"))
    assert entry.sections[1].text == f"{ORIGIN}\n\n{second}"


@pytest.mark.parametrize("tag", ["strong", "b"])
def test_bold_only_paragraphs_are_headings(tag):
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><p><{tag}>Origin</{tag}></p><p>{ORIGIN}</p>"
                       f"<p><{tag}>Mechanism</{tag}></p><p>{MECHANISM}</p>"))
    assert _shape(entry) == [("definition", None, LEAD), ("origin", "Origin", ORIGIN),
                             ("mechanism", "Mechanism", MECHANISM)]


def test_run_in_labels_become_headings_and_leave_the_text():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><p><strong>Origin:</strong> {ORIGIN}</p>"
                       f"<p><strong>Mechanism:</strong> {MECHANISM}</p>"))
    assert _shape(entry) == [("definition", None, LEAD), ("origin", "Origin", ORIGIN),
                             ("mechanism", "Mechanism", MECHANISM)]


def test_a_sentence_with_a_colon_is_not_a_run_in_label():
    sentence = "Two things matter here: how much serotonin is released and how fast it is cleared again."
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><p>{sentence}</p>"))
    assert _shape(entry) == [("definition", None, f"{LEAD}\n\n{sentence}")]


def test_heading_lines_in_plain_text():
    text = f"Serotonin Tone\n{LEAD}\nOrigin\n{ORIGIN}\nMechanism\n{MECHANISM}\n"
    [entry] = segment(clean_text(text), "serotonin-tone.txt", plain_text=True)
    assert entry.term == "Serotonin Tone"
    assert _shape(entry) == [("definition", None, LEAD), ("origin", "Origin", ORIGIN),
                             ("mechanism", "Mechanism", MECHANISM)]


def test_term_from_the_file_name_when_a_text_file_starts_with_a_sentence():
    text = f"{LEAD}\nOrigin\n{ORIGIN}\n"
    [entry] = segment(clean_text(text), "pages/serotonin-tone.txt", plain_text=True)
    assert entry.term == "Serotonin Tone"
    assert entry.sections[0].text == LEAD


def test_question_headings_map_to_their_kinds():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><h2>What is serotonin tone?</h2><p>{LEAD}</p>"
                       f"<h2>How does serotonin tone work?</h2><p>{MECHANISM}</p>"
                       f"<h2>Where does the term come from?</h2><p>{ORIGIN}</p>"))
    assert [(s.kind, s.heading) for s in entry.sections] == [
        ("definition", "What is serotonin tone?"),
        ("mechanism", "How does serotonin tone work?"),
        ("origin", "Where does the term come from?"),
    ]


def test_an_unknown_heading_is_other_with_the_heading_as_written():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Seasonal  Variation in Northern Latitudes</h2>"
                       f"<p>{ORIGIN}</p>"))
    assert entry.sections[1].kind == "other"
    assert entry.sections[1].heading == "Seasonal Variation in Northern Latitudes"
    assert "Seasonal Variation in Northern Latitudes" in entry.unrecognised_headings


def test_an_unmatched_question_is_other_with_its_question_mark():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Is it the same in every person?</h2>"
                       f"<p>{ORIGIN}</p>"))
    assert (entry.sections[1].kind, entry.sections[1].heading) == ("other", "Is it the same in every person?")


@pytest.mark.parametrize("tag", ["h2", "h3"])
def test_a_trailing_colon_is_dropped_from_the_heading(tag):
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><{tag}>Origin:</{tag}><p>{ORIGIN}</p>"
                       f"<{tag}>Mechanism:</{tag}><p>{MECHANISM}</p>"))
    assert [(s.kind, s.heading) for s in entry.sections] == [
        ("definition", None), ("origin", "Origin"), ("mechanism", "Mechanism")]


def test_a_definition_heading_names_the_lead_section():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><h2>Meaning</h2><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>"))
    assert [(s.kind, s.heading) for s in entry.sections] == [("definition", "Meaning"), ("origin", "Origin")]


def test_a_dl_page_gives_one_entry_per_dt():
    terms = ["Serotonin Tone", "Somatostatin Release", "Substance P"]
    texts = [LEAD, ORIGIN, MECHANISM]
    items = "".join(f"<dt>{t}</dt><dd>{x}</dd>" for t, x in zip(terms, texts, strict=True))
    entries = _entries(_page(f"<h1>Hormone Glossary: S</h1><dl>{items}</dl>", title="Hormone Glossary: S"),
                       "glossary-s.html", as_list=True)
    assert [e.term for e in entries] == terms
    assert [_shape(e) for e in entries] == [[("definition", None, x)] for x in texts]
    assert all(e.terms_on_page == 3 for e in entries)


def test_repeated_h3_terms_under_a_glossary_title_give_one_entry_per_term():
    terms = ["Serotonin Tone", "Somatostatin Release", "Substance P"]
    texts = [LEAD, ORIGIN, MECHANISM]
    body = "".join(f"<h3>{t}</h3><p>{x}</p>" for t, x in zip(terms, texts, strict=True))
    entries = _entries(_page(f"<h1>Glossary of Terms: S</h1>{body}", title="Glossary of Terms: S | Site"),
                       "glossary-s.html", as_list=True)
    assert [e.term for e in entries] == terms
    assert [e.sections[0].text for e in entries] == texts


def test_a_dl_inside_a_single_entry_stays_part_of_it():
    terms = "".join(f"<dt>{t}</dt><dd>{x}</dd>" for t, x in (("Raphe", ORIGIN), ("Tone", MECHANISM)))
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Terms used here</h2><dl>{terms}</dl>"))
    assert entry.term == "Serotonin Tone"
    assert entry.terms_on_page == 1
    assert ORIGIN in entry.sections[-1].text and MECHANISM in entry.sections[-1].text


def test_letter_headings_of_an_a_to_z_page_are_not_terms():
    body = (f"<h2>S</h2><h3>Serotonin Tone</h3><p>{LEAD}</p><h3>Somatostatin Release</h3><p>{ORIGIN}</p>"
            f"<h2>T</h2><h3>Thyroid Drive</h3><p>{MECHANISM}</p>")
    entries = _entries(_page(f"<h1>Glossary A–Z</h1>{body}", title="Glossary A–Z"), "glossary.html", as_list=True)
    assert [e.term for e in entries] == ["Serotonin Tone", "Somatostatin Release", "Thyroid Drive"]
    assert [e.sections[0].text for e in entries] == [LEAD, ORIGIN, MECHANISM]


def test_repeated_section_headings_do_not_split_a_single_entry():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h3>Origin</h3><p>{ORIGIN}</p>"
                       f"<h3>Mechanism</h3><p>{MECHANISM}</p>"))
    assert entry.term == "Serotonin Tone"
    assert [s.kind for s in entry.sections] == ["definition", "origin", "mechanism"]


def test_term_from_json_ld_defined_term_over_an_h1_with_a_suffix():
    ld = json.dumps({"@context": "https://schema.org", "@type": "DefinedTerm", "name": "Serotonin Tone",
                     "inDefinedTermSet": "https://example.invalid/glossary"})
    html = _page(f"<h1>Serotonin Tone: Meaning &amp; Definition</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>",
                 title="Serotonin Tone: Meaning &amp; Definition | Example Health",
                 head=f'<script type="application/ld+json">{ld}</script>')
    entry = _one(html)
    assert entry.term == "Serotonin Tone"
    assert entry.sections[0].text == LEAD


def test_json_ld_inside_a_graph_is_found():
    ld = json.dumps({"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Serotonin Tone explained - Example Health"},
        {"@type": ["DefinedTerm", "Thing"], "name": "Serotonin Tone"}]})
    html = _page(f"<h1>Serotonin Tone Explained Simply</h1><p>{LEAD}</p>",
                 head=f'<script type="application/ld+json">{ld}</script>')
    assert _one(html).term == "Serotonin Tone"


@pytest.mark.parametrize(
    "h1", ["Serotonin Tone: Meaning &amp; Definition", "Serotonin Tone – Meaning and Definition",
           "Serotonin Tone | Glossary"])
def test_a_title_suffix_is_stripped_from_the_h1(h1):
    assert _one(_page(f"<h1>{h1}</h1><p>{LEAD}</p>")).term == "Serotonin Tone"


def test_a_consent_popups_own_h1_is_never_the_term():
    popup = ('<div id="didomi-host"><div id="didomi-popup"><h1>We value your privacy</h1>'
             "<p>We and our partners use cookies to store and access information on your device.</p>"
             "<button>Accept all</button></div></div>")
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><p>{ORIGIN}</p>", before_main=popup))
    assert entry.term == "Serotonin Tone"
    assert "privacy" not in " ".join(s.text for s in entry.sections).lower()


def test_a_home_made_consent_modal_h1_is_never_the_term():
    popup = ('<div class="modal" id="cookieConsent"><div class="popup-inner"><h1>Your privacy choices</h1>'
             "<p>We use cookies to improve your experience and to show relevant content.</p>"
             "<p><a href='#'>Accept all cookies</a> <a href='#'>Manage cookie preferences</a></p></div></div>")
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><p>{ORIGIN}</p>", before_main=popup))
    assert entry.term == "Serotonin Tone"
    assert "cookie" not in " ".join(s.text for s in entry.sections).lower()


def test_a_page_of_links_is_not_an_entry():
    links = "".join(f'<li><a href="/glossary/{n}">{n.title()} Regulation</a></li>'
                    for n in ("cortisol", "dopamine", "estrogen", "ghrelin", "insulin", "leptin", "melatonin"))
    html = _page(f"<h1>Glossary Index</h1><ul>{links}</ul>", title="Glossary Index")
    assert isinstance(segment(clean_html(html), "index.html", plain_text=False), NotAnEntry)


def test_a_headingless_page_is_one_definition_with_all_paragraphs():
    entry = _one(_page(f"<h1>Serotonin Tone</h1><p>{LEAD}</p><p>{ORIGIN}</p><p>{MECHANISM}</p>"))
    assert _shape(entry) == [("definition", None, f"{LEAD}\n\n{ORIGIN}\n\n{MECHANISM}")]


def test_html_entities_and_whitespace_are_normalised():
    entry = _one(_page("<h1>Serotonin Tone</h1><p>Serotonin&rsquo;s   tone &mdash; a steady\n  background "
                       "level &ndash; shapes mood, sleep and appetite over the course of a whole day.</p>"))
    assert entry.sections[0].text == ("Serotonin\u2019s tone \u2014 a steady background level \u2013 shapes mood, "
                                      "sleep and appetite over the course of a whole day.")


@pytest.mark.parametrize("term", ["Serotonin Signalling 404", "Receptor 410 Binding"])
def test_an_entry_whose_term_contains_an_error_code_number_is_an_entry(term):
    assert _one(_page(f"<h1>{term}</h1><p>{LEAD}</p>", title=f"{term} | Neuro Terms")).term == term


def test_an_entry_whose_term_contains_the_word_error_is_an_entry():
    html = _page(f"<h1>Reward Prediction Error</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>",
                 title="Reward Prediction Error | Neuro Terms")
    assert _one(html).term == "Reward Prediction Error"


def test_subheadings_of_a_single_entry_on_a_glossary_site_are_not_terms():
    html = _page(f"<h1>Cortisol</h1><p>{LEAD}</p><h3>Diurnal Rhythm</h3><p>{ORIGIN}</p>"
                 f"<h3>Stress Response</h3><p>{MECHANISM}</p>", title="Cortisol | Hormone Glossary")
    entry = _one(html)
    assert entry.term == "Cortisol"
    assert [(s.kind, s.heading) for s in entry.sections] == [
        ("definition", None), ("other", "Diurnal Rhythm"), ("other", "Stress Response")]


def test_a_word_class_label_under_the_term_is_not_prose():
    html = _page(f"<h1>Ghrelin</h1><p><em>noun</em></p><p>{LEAD}</p>", title="Ghrelin - Word List")
    entry = _one(html)
    assert entry.sections[0].paragraphs == [LEAD]
