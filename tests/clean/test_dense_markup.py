"""Markup far denser than a real page is simplified before extraction, and its text is kept.

No test here times anything: each checks the shape of the tree trafilatura receives (one
text node per gap, the element counts) or what the page's record keeps.
"""

from __future__ import annotations

import pytest
from lxml import html

from pipeline.api import GlossaryPipeline
from pipeline.clean import clean_html, extract
from pipeline.clean.dense_markup import RUN_LIMIT, rebuild, simplify_dense_markup

LEAD = "<h1>Serotonin Tone</h1><p>Serotonin tone is the background level of serotonin signalling in the brain.</p>"


def _page(body: str) -> str:
    return f"<html><head><title>Serotonin Tone</title></head><body><article>{LEAD}{body}</article></body></html>"


@pytest.fixture
def handed_to_trafilatura(monkeypatch: pytest.MonkeyPatch) -> list[html.HtmlElement]:
    """The trees clean_html hands to trafilatura, copied as they arrive."""
    seen: list[html.HtmlElement] = []
    real = extract._trafilatura_xml

    def keep(root, url):
        seen.append(html.fromstring(html.tostring(root)))
        return real(root, url)

    monkeypatch.setattr(extract, "_trafilatura_xml", keep)
    return seen


def test_rebuild_keeps_the_text_in_order_with_one_text_node_per_gap():
    root = html.fromstring("<div><p>A <b>b <i>i</i> c</b> d <em>e</em> f<span>g</span>h <a href='x'>L</a> t</p></div>")
    paragraph = root.find("p")
    bold, emphasis, link = paragraph.find("b"), paragraph.find("em"), paragraph.find("a")
    rebuild({bold, emphasis}, drop={link})
    assert html.tostring(paragraph, encoding="unicode") == "<p>A b <i>i</i> c d e f<span>g</span>h  t</p>"
    # lxml's strip_tags would leave "A ", "b " as separate neighbouring text nodes
    assert paragraph.xpath("count(text())") == 3


def test_a_long_run_of_classed_spans_in_one_paragraph_reaches_trafilatura_as_one_text(handed_to_trafilatura):
    """trafilatura strips spans itself, leaving one text node per span; lxml then walks the whole run for each
    node an XPath returns: time with the square of the run."""
    words = " ".join(f'<span class="w">word{n}</span>' for n in range(3 * RUN_LIMIT))
    page = clean_html(_page(f"<p>{words}</p>"))
    (tree,) = handed_to_trafilatura
    paragraph = tree.xpath("//p")[-1]
    assert len(paragraph) == 0 and paragraph.xpath("count(text())") == 1
    text = page.to_text()
    assert "word0 word1" in text and f"word{3 * RUN_LIMIT - 1}" in text


@pytest.mark.parametrize("unit, kept, deleted", [
    ("<ruby>dopamine<rt>DA</rt></ruby> rises.", "dopamine rises.", "DA"),  # <ruby> unwrapped, then its <rt> runs
    ("dopamine <time>today</time> rises", "dopamine rises", "today"),
    ("dopamine <nav>menu</nav> rises", "dopamine rises", "menu"),
    ("dopamine <noindex>hidden</noindex> rises", "dopamine rises", "hidden"),
    ("dopamine <marquee>moving</marquee> <noindex>hidden</noindex> rises", "dopamine rises", "moving"),  # a mix
])
def test_a_run_of_elements_trafilatura_deletes_is_deleted_in_one_pass(handed_to_trafilatura, unit, kept, deleted):
    """Trafilatura deletes ruby glosses and <time> elements one tree operation each, joining every tail onto the
    paragraph's growing text: the square of the run. In a run they go before it sees them, as it would have
    deleted them, and the page's removals say so."""
    page = clean_html(_page(f"<p>{unit * 3 * RUN_LIMIT}</p>"))
    (tree,) = handed_to_trafilatura
    paragraph = tree.xpath("//p")[-1]
    assert len(paragraph) == 0 and paragraph.xpath("count(text())") == 1
    text = page.to_text()
    assert text.count(kept) == 3 * RUN_LIMIT and deleted not in text
    assert any("which trafilatura deletes" in removal.rule for removal in page.removed)


@pytest.mark.parametrize("container, tag, unit", [
    ("div", "address", "<address>level</address>"), ("p", "meta", '<meta itemprop="x">level'),
    ("p", "template", "<template>level</template>"),
])
def test_a_run_of_elements_trafilatura_unwraps_is_unwrapped_in_one_pass(handed_to_trafilatura, container, tag, unit):
    page = clean_html(_page(f"<{container}>{f'dopamine {unit} rises ' * 3 * RUN_LIMIT}</{container}>"))
    (tree,) = handed_to_trafilatura
    assert not tree.xpath(f"//body//{tag}")
    assert page.to_text().count("dopamine level rises") == 3 * RUN_LIMIT


@pytest.mark.parametrize("box", ['<div class="share"><a href="/s">Share</a></div>', '<div class="advert">Buy</div>'])
def test_chrome_boxes_by_the_thousand_in_one_container_are_cut_in_one_pass(monkeypatch, box):
    """lxml's drop_tree joins the tail of each cut box onto the container's growing text: cut one by one, a
    run of boxes costs the square of the run. They go in one pass per container, their tails kept in order."""
    calls = []
    real = html.HtmlElement.drop_tree
    monkeypatch.setattr(html.HtmlElement, "drop_tree", lambda element: calls.append(element) or real(element))
    page = clean_html(_page("<div>" + "".join(f"tone{n} {box} " for n in range(3 * RUN_LIMIT)) + "</div>"))
    assert len(calls) < 10
    text = page.to_text()
    assert "tone0 tone1 tone2" in text and "Share" not in text and "Buy" not in text


def test_a_run_nested_one_level_down_is_merged_too(handed_to_trafilatura):
    """A footnote marker by the thousand: unwrapping the run of <sup> leaves a run of links in the paragraph."""
    page = clean_html(_page("<p>" + 'dopamine<sup><a href="#f1">[1]</a></sup> ' * 3 * RUN_LIMIT + "</p>"))
    (tree,) = handed_to_trafilatura
    paragraph = tree.xpath("//p")[-1]
    assert len(paragraph) == 0
    assert page.to_text().count("dopamine[1]") == 3 * RUN_LIMIT


def test_a_table_span_past_the_tables_own_columns_and_rows_is_clamped(handed_to_trafilatura):
    """Trafilatura makes an empty cell for each column and row a span covers (up to 100): a span past the
    table covers nothing."""
    tables = ('<table><tr><td colspan="1000000" rowspan="65534">Tone rises.</td></tr></table>'
              '<table><tr><td>Term</td><td>Level</td><td>Note</td></tr>'
              '<tr><td colspan="2">Tone</td><td rowspan="9">A level.</td></tr><tr><td>x</td></tr></table>')
    clean_html(_page(tables))
    (tree,) = handed_to_trafilatura
    first, second = tree.xpath("//table")
    assert (first.xpath("string(.//td/@colspan)"), first.xpath("string(.//td/@rowspan)")) == ("1", "1")
    assert second.xpath("string(.//td[@colspan]/@colspan)") == "2"  # within the table: left as it is
    assert second.xpath("string(.//td[@rowspan]/@rowspan)") == "3"


def test_a_run_of_links_that_is_the_paragraph_goes_as_navigation_and_links_in_prose_stay_as_text():
    links = " ".join(f'<a href="/t{n}">term{n}</a>' for n in range(2 * RUN_LIMIT))
    page = clean_html(_page(f"<p>{links}</p>"))
    assert "term5" not in page.to_text()
    assert any(r.reason == "navigation" and "links in one <p>" in r.rule for r in page.removed)

    prose = " ".join(f'step {n} of the signal runs through <a href="/t{n}">relay{n}</a> and on.'
                     for n in range(2 * RUN_LIMIT))
    page = clean_html(_page(f"<p>{prose}</p>"))
    assert "runs through relay7 and on" in page.to_text()
    assert not any(r.reason == "navigation" for r in page.removed)


def test_formatting_around_every_word_is_unwrapped_and_a_glossarys_bold_terms_are_not(handed_to_trafilatura):
    covering = " ".join(f"<b>w{n}</b>" for n in range(3000))
    clean_html(_page(f"<p>{covering}</p>"))
    assert not handed_to_trafilatura[-1].xpath("//b")

    terms = "".join(f"<p><b>Term{n}</b>: a substance that carries a signal from one nerve cell to the next one.</p>"
                    for n in range(2500))
    clean_html(_page(terms))
    assert len(handed_to_trafilatura[-1].xpath("//b")) == 2500  # one per sentence marks the terms out


def test_a_page_with_few_of_them_is_handed_over_as_it_is(handed_to_trafilatura):
    page = _page("<p>" + " ".join(f'<span class="w">x{n}</span> <b>y</b>' for n in range(50)) + "</p>")
    root = html.fromstring(page)
    assert simplify_dense_markup(root) == []
    assert len(root.xpath("//span")) == 50 and len(root.xpath("//b")) == 50


def test_a_page_of_200000_bare_spans_reaches_trafilatura_without_them(handed_to_trafilatura):
    """Spans without attributes match no rule of ours or trafilatura's; past a bound (ten times the most any
    real page here has) they are unwrapped, their text kept."""
    spans = "<span>tone</span> " * 200_000
    page = clean_html(f"<html><body><h1>Serotonin Tone</h1><div>{spans}</div></body></html>")
    assert not handed_to_trafilatura[-1].xpath("//span")
    assert page.to_text().count("tone") == 200_000


def test_a_dense_page_still_gives_its_record():
    covering = " ".join(f"<i>serotonin{n % 7}</i>" for n in range(5000))
    outcome = GlossaryPipeline().process(_page(f"<p>{covering}</p>").encode(), path="tone.html")
    assert outcome.reject is None, outcome.reject
    assert outcome.records[0].definition.startswith("Serotonin tone is the background level")
    assert "serotonin3 serotonin4" in outcome.records[0].sections[-1].text


def _no_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(root, url):
        raise AssertionError("trafilatura was called on a page of far more blocks than a real page")

    monkeypatch.setattr(extract, "_trafilatura_xml", refuse)


def test_a_page_of_far_more_blocks_than_a_real_page_is_read_in_one_linear_walk(monkeypatch):
    """trafilatura's `//p//text()` tests grow with the square of the paragraphs; past the bound the clean
    stage reads the blocks itself, in document order, with their roles."""
    _no_trafilatura(monkeypatch)
    rows = "".join(f"<p>Paragraph {n} says the tone rises.</p>" for n in range(25_000))
    body = (f"<nav class='site-nav'><a href='/'>Home</a> <a href='/a'>About</a></nav>{LEAD}"
            "<h2>Mechanism</h2><ul><li>It binds receptors.</li></ul><dl><dt>Tone</dt><dd>A level.</dd></dl>"
            f"{rows}<table><tr><td>Row cell</td></tr></table>")
    page = clean_html(f"<html><head><title>Serotonin Tone</title></head><body>{body}</body></html>")
    assert page.extractor == "linear"
    roles = [(block.role, block.text) for block in page.blocks[:6]]
    assert roles == [("heading", "Serotonin Tone"),
                     ("paragraph", "Serotonin tone is the background level of serotonin signalling in the brain."),
                     ("heading", "Mechanism"), ("item", "It binds receptors."), ("term", "Tone"),
                     ("paragraph", "A level.")]
    assert page.blocks[1 + 5].text == "Paragraph 0 says the tone rises."
    assert sum(block.text.startswith("Paragraph ") for block in page.blocks) == 25_000
    assert page.blocks[-1].text == "Row cell"
    assert not any("About" in block.text for block in page.blocks)  # the menu chrome.py marked is still cut


def test_blocks_in_named_boxes_denser_than_any_real_page_are_read_linearly(monkeypatch):
    """Under the element bound, but each short paragraph in a box of its own class: every block is a
    candidate of trafilatura's class-name, link-density and paragraph tests, and its cascade runs them again
    when the first pass keeps little. Real pages hold at most 12 block elements per KB of markup."""
    _no_trafilatura(monkeypatch)
    cards = "".join(f'<div class="card-{n}"><p>Tone {n} rises at dawn.</p></div>' for n in range(1_500))
    page_html = _page(cards)
    elements = page_html.count("<") - page_html.count("</")
    assert elements < 35 * len(page_html) / 1000  # the element bound alone would hand it to trafilatura
    outcome = GlossaryPipeline().process(page_html.encode(), path="tone.html")
    assert outcome.reject is None, outcome.reject
    assert "Tone 1499 rises at dawn." in outcome.records[0].sections[-1].text


def test_short_blocks_denser_than_any_real_page_are_read_linearly_and_the_record_says_so(monkeypatch):
    _no_trafilatura(monkeypatch)
    items = "".join(f"<li>Tone {n}</li>" for n in range(3_000))  # ~20 characters of markup a block
    outcome = GlossaryPipeline().process(_page(f"<ul>{items}</ul>").encode(), path="tone.html")
    assert outcome.reject is None, outcome.reject
    assert "linear-extraction" in {warning.code for warning in outcome.records[0].quality.warnings}


def test_a_long_page_of_real_density_is_still_extracted_by_trafilatura():
    paragraphs = "".join(f'<p class="body-text">Paragraph {n} of the entry explains how the serotonin tone of '
                         f"the brain changes over the day.</p>" for n in range(2_500))
    page = clean_html(_page(paragraphs))
    assert page.extractor == "trafilatura"
