"""Site chrome: navigation, related lists, bylines, disclaimers, apparatus go; entry text stays."""

from __future__ import annotations

from pipeline.clean import clean_html, clean_text, parse_html
from pipeline.clean.blocks import Block
from pipeline.clean.chrome import CHROME_MARK, drop_boilerplate_blocks, remove_chrome_nodes
from pipeline.clean.dom import PageScan

DEFINITION = (
    "Ghrelin is a hormone made mainly in the stomach that signals hunger to the brain and rises before "
    "meals, then falls after eating as the stomach fills and nutrients are absorbed."
)
MECHANISM = (
    "Ghrelin acts on receptors in the hypothalamus and pituitary, where it stimulates appetite and the "
    "release of growth hormone, and it also influences reward circuits that make food more appealing."
)


def _page(article: str, extra: str = "") -> str:
    return (
        "<html><head><title>Ghrelin</title></head><body>"
        '<header class="site-header"><a href="/">Body Words</a><p class="tagline">Hormones in plain words</p>'
        '<nav><a href="/">Home</a> <a href="/a-z">A–Z</a> <a href="/sleep">Sleep</a></nav></header>'
        '<div class="crumbs-trail breadcrumb"><a href="/">Home</a> › <a href="/words">Words</a> › Ghrelin</div>'
        f"<main><article><h1>Ghrelin</h1>{article}</article>"
        '<div class="term-related"><h3>More words</h3><ul><li><a href="/leptin">Leptin</a></li>'
        '<li><a href="/insulin">Insulin</a></li></ul></div></main>'
        f"{extra}"
        '<footer><p>© 2024 Body Words Media. All rights reserved.</p></footer></body></html>'
    )


def test_navigation_related_and_footer_are_removed() -> None:
    article = f"<p>{DEFINITION}</p><h2>Mechanism</h2><p>{MECHANISM}</p>"
    kept = clean_html(_page(article)).to_text()
    assert DEFINITION in kept and MECHANISM in kept
    assert "Mechanism" in kept.splitlines()
    for chrome in ("Hormones in plain words", "Home", "More words", "Leptin", "Body Words Media"):
        assert chrome not in kept


def test_menus_and_footers_are_cut_before_extraction_other_chrome_is_marked() -> None:
    """Menus and footers are most of a real page's markup: cutting them spares trafilatura
    half its work. Other boxes stay in the tree, marked, for trafilatura to judge the page
    as it is; their text is dropped after extraction."""
    root = parse_html(_page(f"<p>{DEFINITION}</p>"))
    removed = remove_chrome_nodes(PageScan.of(root))
    assert {r.reason for r in removed} >= {"navigation", "footer", "related-links"}
    assert not root.xpath("//nav | //footer | //header")
    assert [node.get(CHROME_MARK) for node in root.xpath("//*[@class='term-related']")] == ["related-links"]
    assert DEFINITION in root.text_content()


def test_byline_share_newsletter_and_disclaimer_inside_article_are_removed() -> None:
    article = (
        '<div class="byline">Medically reviewed by Dr. Ana Ruiz · Written by Sam Lee</div>'
        '<ul class="share-bar"><li><a href="#">Facebook</a></li><li><a href="#">Email</a></li></ul>'
        f"<p>{DEFINITION}</p>"
        '<aside class="nl-box" data-module="newsletter"><p>Hormone Notes Weekly</p>'
        "<p>Get one clear explainer in your inbox every Monday.</p></aside>"
        f"<h2>Mechanism</h2><p>{MECHANISM}</p>"
        '<p class="article-disclaimer"><em>This article is for general information only and is not a '
        "substitute for professional medical advice.</em></p>"
    )
    kept = clean_html(_page(article)).to_text()
    assert DEFINITION in kept and MECHANISM in kept
    for chrome in ("Medically reviewed", "Facebook", "Hormone Notes Weekly", "inbox", "general information only"):
        assert chrome not in kept


def test_encyclopedia_apparatus_is_removed() -> None:
    article = (
        '<div class="hatnote">"Hunger hormone" redirects here.</div>'
        '<table class="infobox"><tr><th>Source</th><td>Stomach</td></tr></table>'
        f'<p>{DEFINITION}<sup class="reference"><a href="#n1">[1]</a></sup></p>'
        '<div id="toc" class="toc"><h2>Contents</h2><ul><li>1 Mechanism</li></ul></div>'
        '<h2><span class="mw-headline">Mechanism</span><span class="mw-editsection">[edit]</span></h2>'
        f"<p>{MECHANISM}</p>"
        '<h2>References</h2><ol class="references"><li>Kojima M. (1999). Ghrelin. Nature.</li></ol>'
    )
    page = clean_html(_page(article))
    kept = page.to_text()
    assert DEFINITION in kept and MECHANISM in kept
    for chrome in ("[1]", "[edit]", "redirects here", "Contents", "Kojima", "References"):
        assert chrome not in kept
    assert any(removal.reason == "apparatus" for removal in page.removed)


def test_a_removed_section_heading_does_not_come_back_before_an_identical_entry_paragraph() -> None:
    """Headings trafilatura drops are put back in front of the text that followed them; a
    "Related terms" heading removed as chrome must not be, even where an entry paragraph
    reads the same as the removed section's text."""
    article = (f"<p>{DEFINITION}</p><h2>Mechanism</h2><p>{MECHANISM}</p>"
               f"<h2>Related terms</h2><p>{MECHANISM}</p>")
    kept = clean_html(_page(article)).to_text().splitlines()
    assert "Related terms" not in kept
    assert kept[kept.index("Mechanism") + 1] == MECHANISM


def test_a_term_whose_anchor_id_is_a_chrome_word_is_kept() -> None:
    """Glossaries give each term an anchor made from its name: <dt id="feedback"> is the term
    Feedback, not a feedback widget; <h2 id="share"> is not a share bar."""
    html = (
        "<html><body><main><h1>Hormone Glossary</h1><dl>"
        f'<dt id="feedback">Feedback</dt><dd>{DEFINITION}</dd>'
        f'<dt id="ghrelin">Ghrelin</dt><dd>{MECHANISM}</dd></dl>'
        '<h2 id="share">Share</h2><p>Hormones share receptors more often than textbooks suggest, '
        "which is why one drug can touch several of them at once.</p>"
        '<div id="feedback-box">Was this page helpful?</div></main></body></html>'
    )
    kept = clean_html(html).to_text().splitlines()
    assert "Feedback" in kept and DEFINITION in kept and "Share" in kept
    assert "Was this page helpful?" not in kept


def test_letter_navigation_and_az_intro_are_removed() -> None:
    html = (
        "<html><body><main><h1>Hormone Glossary: G</h1>"
        '<p class="intro">Short definitions of the hormone words that start with G.</p>'
        '<div class="letters">' + " ".join(f'<a href="/{c}">{c}</a>' for c in "ABCDEFGH") + "</div>"
        f"<dl><dt>Ghrelin</dt><dd><p>{DEFINITION}</p></dd></dl></main></body></html>"
    )
    page = clean_html(html)
    kept = page.to_text()
    assert DEFINITION in kept
    assert "Short definitions" not in kept
    assert "A B C" not in kept
    assert any(block.role == "term" and block.text == "Ghrelin" for block in page.blocks)


def test_text_rules_drop_copyright_and_byline_lines_but_keep_entry_text() -> None:
    blocks = [
        Block("paragraph", DEFINITION),
        Block("paragraph", "Page maintained by the editor since 2004 – last update 01.02.2024"),
        Block("paragraph", "Copyright © 2024 Body Words. All rights reserved."),
        Block("paragraph", "Talk to your doctor before changing any hormone treatment, because doses matter."),
    ]
    kept, removed = drop_boilerplate_blocks(blocks)
    assert [block.text for block in kept] == [DEFINITION, blocks[3].text]
    assert {removal.reason for removal in removed} == {"byline", "footer"}


def test_plain_text_disclaimer_line_is_removed() -> None:
    page = clean_text(f"{DEFINITION}\nThis entry is for educational purposes only and does not replace medical advice.")
    assert page.to_text() == DEFINITION
