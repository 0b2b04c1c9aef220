"""The page stage: every input is an entry, a glossary list, or a named kind of non-entry page.

tests/pages/kinds holds pages of every kind, written for these tests by someone other than
the author of the rules (manifest.json says what each page is and why). The inline pages
below pin single signals and the look-alikes that must not change a page's kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from entry_texts import LEAD, ORIGIN

from pipeline.api import GlossaryPipeline
from pipeline.clean import clean_html
from pipeline.stages import page_kind
from pipeline.stages.page_kind import NON_ENTRY_KINDS, classify

KINDS_DIR = Path(__file__).parent / "pages" / "kinds"
MANIFEST = json.loads((KINDS_DIR / "manifest.json").read_text(encoding="utf-8"))["pages"]


def _page(body: str, title: str = "Serotonin Tone", head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><main><article>{body}</article></main></body></html>")


def _kind(html: str, name: str = "page.html") -> str:
    return classify(clean_html(html), name).kind


@pytest.mark.parametrize("item", MANIFEST, ids=[item["file"] for item in MANIFEST])
def test_each_written_page_gets_its_kind(pipeline: GlossaryPipeline, item: dict) -> None:
    outcome = pipeline.process((KINDS_DIR / item["file"]).read_bytes(), path=item["file"])
    if item["kind"] in ("entry", "glossary-list"):
        assert outcome.reject is None, outcome.reject
        assert [r.term for r in outcome.records] == item["terms"] or [r.term.lower() for r in outcome.records] == [
            t.lower() for t in item["terms"]]
        assert {r.page_kind for r in outcome.records} == {item["kind"]}
        evidence = outcome.records[0].quality.page_evidence
        assert evidence and evidence[0].kind == item["kind"]
    else:
        assert outcome.reject is not None and outcome.records == []
        assert outcome.reject.reason == "not-a-glossary-entry"
        assert outcome.reject.page_kind == item["kind"], outcome.reject.detail
        assert outcome.reject.detail.startswith(page_kind._rules().kind_phrases[item["kind"]] + ": ")


def test_the_written_pages_cover_every_kind() -> None:
    assert {item["kind"] for item in MANIFEST} == {"entry", "glossary-list", *NON_ENTRY_KINDS}


@pytest.mark.parametrize(
    ("title", "h1", "text"),
    [("Page not found | Example Health", "404 - Page not found", "Sorry, the page is gone."),
     ("Error 404 | Example Health", "Page not found", "Try the search box."),
     ("Example Health", "Oops! Error 404", "Try the search box."),
     ("Example Health", "410 Gone", "This page was removed."),
     ("Example Health", "HTTP 404 Not Found", "Try the search box."),
     ("Example Health", "We couldn't find that page", "Try the search box or the home page."),
     ("Example Health", "Nothing here", "The link you followed may be broken."),
     ("Example Health", "This page has moved", "You can find it at its new address."),
     ("Cortisol | Example Health", "Cortisol", "Sorry, this content is no longer available.")],
)
def test_error_pages_in_any_wording(title: str, h1: str, text: str) -> None:
    assert _kind(_page(f"<h1>{h1}</h1><p>{text}</p>", title=title)) == "error"


def test_a_term_whose_name_ends_in_a_number_is_not_an_error_page() -> None:
    html = _page(f"<h1>Serotonin Signalling 404</h1><p>Serotonin signalling 404 is a test name. {LEAD}</p>")
    assert _kind(html) == "entry"


def test_a_personal_blog_post_about_a_term_is_an_article() -> None:
    body = ("<h1>Cortisol</h1><p>I have been tracking my cortisol for a year now, and I want to share what I "
            "learned. My mornings used to start with a racing heart, and I blamed my job.</p><p>When I finally "
            "got my results, my doctor told me my levels were normal, which surprised me. I changed my sleep and "
            "I feel better; my partner says I am calmer. I am not a doctor, so take my story as one story.</p>")
    assert _kind(_page(body, title="Cortisol")) == "article"


def test_a_headline_about_a_term_is_an_article_even_when_it_explains_the_term() -> None:
    body = ("<h1>How to lower cortisol naturally: 7 habits that work</h1><p>Cortisol is a steroid hormone made by "
            "the adrenal glands. Here are seven habits that can help you keep it in check.</p>"
            "<h2>1. Sleep</h2><p>Go to bed at the same time every night and keep your room dark and cool.</p>")
    assert _kind(_page(body, title="How to lower cortisol naturally")) == "article"


def test_a_what_is_page_with_a_byline_is_an_entry_named_after_its_term(pipeline: GlossaryPipeline) -> None:
    ld = json.dumps({"@context": "https://schema.org", "@type": "Article", "headline": "What is serotonin tone?"})
    body = ('<h1>What is serotonin tone?</h1><p class="byline">By <span class="author">A. Writer</span> '
            f'<time datetime="2025-01-02">2 January 2025</time></p><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>')
    html = _page(body, title="What is serotonin tone? | Example Health",
                 head=f'<script type="application/ld+json">{ld}</script>')
    [record] = pipeline.process(html.encode(), path="serotonin-tone.html").records
    assert record.term == "serotonin tone"
    assert record.page_kind == "entry"
    assert any(e.code == "defining-lead" for e in record.quality.page_evidence)


def test_a_definition_list_inside_an_encyclopedia_article_stays_one_record(pipeline: GlossaryPipeline) -> None:
    terms = "".join(f"<dt>{name}</dt><dd>{text}</dd>" for name, text in (
        ("Raphe nuclei", "Clusters of neurons in the brainstem that make most of the brain's serotonin."),
        ("Tryptophan", "The essential amino acid from which serotonin is made in two steps."),
        ("Reuptake", "The return of released serotonin into the neuron through its transporter.")))
    body = (f"<h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>"
            f"<h2>Terms used in this article</h2><dl>{terms}</dl>")
    records = pipeline.process(_page(body).encode(), path="serotonin-tone.html").records
    assert [r.term for r in records] == ["Serotonin Tone"]
    assert "Tryptophan" in records[0].sections[-1].text


def test_a_glossary_title_with_terms_is_a_list_and_letter_headings_are_not_terms(pipeline: GlossaryPipeline) -> None:
    body = ("<h1>Hormone glossary: S–T</h1><h2>S</h2><h3>Somatostatin</h3><p>Somatostatin is a peptide hormone "
            "that inhibits the release of growth hormone and of several gut hormones.</p><h3>Serotonin</h3>"
            "<p>Serotonin is a monoamine neurotransmitter made from tryptophan in the gut and the brainstem.</p>"
            "<h2>T</h2><h3>Thyroxine</h3><p>Thyroxine is the main hormone of the thyroid gland, converted in the "
            "tissues into the more active triiodothyronine.</p>")
    records = pipeline.process(_page(body, title="Hormone glossary: S–T").encode(), path="glossary-s.html").records
    assert [r.term for r in records] == ["Somatostatin", "Serotonin", "Thyroxine"]
    assert {r.page_kind for r in records} == {"glossary-list"}


def test_a_page_in_another_language_is_rejected_for_its_language_unless_its_markup_shows_its_kind(
    pipeline: GlossaryPipeline,
) -> None:
    entry = _page("<h1>Tono serotoninérgico</h1><p>El tono serotoninérgico es el nivel de fondo de la señal de "
                  "serotonina en el cerebro, que modula el ánimo, el sueño y el apetito a lo largo del día.</p>",
                  title="Tono serotoninérgico")
    assert pipeline.process(entry.encode(), path="tono.html").reject.reason == "not-english"
    ld = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Melatonina 5 mg",
                     "offers": {"@type": "Offer", "price": "9.90", "priceCurrency": "EUR"}})
    shop = _page("<h1>Melatonina 5 mg</h1><p>La melatonina es una hormona que regula el sueño.</p>"
                 '<p class="price">9,90 €</p><button class="add-to-cart">Añadir al carrito</button>',
                 title="Melatonina 5 mg", head=f'<script type="application/ld+json">{ld}</script>')
    reject = pipeline.process(shop.encode(), path="melatonina.html").reject
    assert (reject.reason, reject.page_kind) == ("not-a-glossary-entry", "product")


def test_a_forum_reject_names_its_posts(pipeline: GlossaryPipeline) -> None:
    posts = "".join(
        f'<div class="post"><div class="author">member{n}</div><time datetime="2024-03-0{n}">March {n}</time>'
        f'<div class="postbody">Has anyone tried taking 5-HTP for sleep? Day {n} here and I am not sure.</div></div>'
        for n in range(1, 7))
    html = _page(f"<h1>5-HTP for sleep?</h1>{posts}", title="5-HTP for sleep? - Health Forum")
    reject = pipeline.process(html.encode(), path="thread.html").reject
    assert reject.page_kind == "forum"
    assert "6 posts, each with an author and a date" in reject.detail


def test_every_rule_has_a_check_and_every_check_a_rule() -> None:
    rules = page_kind._rules().data["evidence"]
    assert {kind: set(checks) for kind, checks in rules.items()} == {
        kind: set(checks) for kind, checks in page_kind._CHECKS.items()}
    for kind, checks in rules.items():
        for code, rule in checks.items():
            assert rule["weight"] > 0 and rule["why"], (kind, code)


def test_run_json_and_the_audit_count_pages_by_kind(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(KINDS_DIR), "-o", str(out), "--workers", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    expected = Counter(item["kind"] for item in MANIFEST)
    report = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert report["counts"]["inputs_by_page_kind"] == dict(sorted(expected.items()))
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(r["reason"] == "not-a-glossary-entry" and r["page_kind"] in NON_ENTRY_KINDS for r in rejects)
    done = subprocess.run([sys.executable, "-m", "pipeline", "audit", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert audit["pages_by_kind"] == dict(sorted(expected.items()))
    assert 'id="kinds"' in (out / "audit.html").read_text(encoding="utf-8")


def test_terms_and_conditions_are_no_glossary() -> None:
    clauses = "".join(f"<h3>{n}. {name}</h3><p>{text}</p>" for n, (name, text) in enumerate((
        ("Bookings", "All bookings are subject to availability and are confirmed only once payment has been taken."),
        ("Cancellations", "You may cancel up to 48 hours before your appointment without any charge at all."),
        ("Liability", "We are not liable for losses that were not foreseeable when the contract was made."),
    ), start=1))
    html = _page(f"<h1>Terms and Conditions</h1>{clauses}", title="Terms and Conditions | Example Clinic")
    assert _kind(html, "terms-conditions.html") != "glossary-list"


def test_a_lead_that_opens_on_a_genus_word_but_tells_news_is_no_gloss() -> None:
    body = ("<h1>Home Repair Program</h1><p>A new cycle of $100,000 in grants opens in March for owners who "
            "need urgent repairs to roofs, floors and heating.</p><p>Applications close at the end of April.</p>")
    assert _kind(_page(body, title="Home Repair Program")) != "entry"
    gloss = ("<h1>Ghrelin</h1><p>A peptide hormone made in the stomach that signals hunger to the brain and rises "
             "before meals.</p><p>It acts on the hypothalamus through the growth hormone secretagogue receptor.</p>")
    assert _kind(_page(gloss, title="Ghrelin")) == "entry"


def test_a_glossary_entry_whose_lead_describes_rather_than_defines_is_an_entry() -> None:
    crumbs = '<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/glossary/">Glossary</a></li></ol>'
    body = (f"{crumbs}<h1>Melatonin</h1><p>Melatonin regulates the timing of sleep: the pineal gland releases it "
            "in the evening as light fades.</p><h2>Origin</h2>"
            "<p>It was isolated from bovine pineal glands in 1958.</p>")
    assert _kind(_page(body, title="Melatonin")) == "entry"


def test_the_term_quoted_in_the_lead_still_opens_its_definition() -> None:
    body = ("<h1>Allostatic Load</h1><p>The term ‘allostatic load’ describes the wear on the body that builds up "
            "when stress responses are switched on too often or for too long.</p>")
    assert _kind(_page(body, title="Allostatic Load")) == "entry"


def test_promotion_terms_are_no_glossary() -> None:
    offers = "".join(f"<h3>{name}</h3><p>{text}</p>" for name, text in (
        ("US", "The offer is valid for orders shipped to addresses in the United States only, while stocks last."),
        ("Canada", "Orders shipped to Canada qualify when the code is entered at checkout before the end date."),
    ))
    html = _page(f"<h1>Promo Terms</h1>{offers}", title="Skincare Sets & Promo Terms – Example Shop")
    assert _kind(html, "promo-terms.html") != "glossary-list"


def test_bold_run_in_section_labels_are_one_entrys_sections_not_listed_terms(pipeline: GlossaryPipeline) -> None:
    """"<b>Definition:</b> …", "<b>Origin:</b> …" under a glossary breadcrumb name section kinds: one entry,
    its lead read after the label."""
    crumbs = '<nav class="breadcrumb"><a href="/">Home</a> › <a href="/glossary/">Glossary</a> › Melatonin Onset</nav>'
    labelled = "".join(f"<p><strong>{label}:</strong> {text}</p>" for label, text in (
        ("Definition", "Melatonin onset is the evening time at which melatonin in the blood starts to rise."),
        ("Origin", "The measure comes from sleep laboratories that sampled saliva in dim light."),
        ("Mechanism", "The suprachiasmatic nucleus releases the pineal gland from its daytime brake."),
    ))
    html = _page(f"{crumbs}<h1>Melatonin Onset</h1>{labelled}", title="Melatonin Onset")
    outcome = pipeline.process(html.encode(), path="glossary/melatonin-onset.html")
    assert outcome.reject is None, outcome.reject
    (record,) = outcome.records
    assert (record.term, record.page_kind) == ("Melatonin Onset", "entry")
    assert [s.kind for s in record.sections] == ["definition", "origin", "mechanism"]
    assert record.definition.startswith("Melatonin onset is the evening time")


def test_a_bulleted_glossary_of_bold_terms_gives_one_record_per_term(pipeline: GlossaryPipeline) -> None:
    items = "".join(f"<li><strong>{name}</strong>: {text}</li>" for name, text in (
        ("Cortisol", "the main glucocorticoid of the adrenal cortex, released in a daily rhythm and under stress."),
        ("Dopamine", "a catecholamine neurotransmitter of reward, movement and motivation circuits in the brain."),
        ("Leptin", "a hormone made by fat cells that tells the hypothalamus how much energy the body has stored."),
    ))
    html = _page(f"<h1>Glossary of stress and appetite terms</h1><ul>{items}</ul>",
                 title="Glossary of stress and appetite terms")
    records = pipeline.process(html.encode(), path="glossary.html").records
    assert [r.term for r in records] == ["Cortisol", "Dopamine", "Leptin"]
    assert records[0].definition.startswith("the main glucocorticoid")


def test_the_verdict_reads_the_same_in_every_process(tmp_path: Path) -> None:
    """String sets iterate in an order that changes with each process's hash seed; a page's evidence
    must not, or two runs of one batch differ in their rejects. A URL with several article words in
    its last segment, where any one could be named."""
    page = _page(f"<h2>Origin</h2><p>{ORIGIN}</p>", title="Top Tips for Blog Posts and Stories",
                 head='<link rel="canonical" href="https://example.org/x/news-article-story-post-blog-magazine">')
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    script = ("import sys; from pipeline.api import GlossaryPipeline; "
              "outcome = GlossaryPipeline().process(open(sys.argv[1], 'rb').read(), path=sys.argv[1]); "
              "print(outcome.reject.detail if outcome.reject else outcome.records[0].quality.page_evidence)")
    details = {
        subprocess.run([sys.executable, "-c", script, str(tmp_path / "page.html")], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "PYTHONHASHSEED": str(seed)}, check=True).stdout
        for seed in range(6)
    }
    assert len(details) == 1, details
