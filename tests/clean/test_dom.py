"""The compiled selector index finds what lxml's CSS selectors find, in the same order."""

from __future__ import annotations

from lxml.cssselect import CSSSelector

from pipeline.clean import parse_html
from pipeline.clean.dom import PageScan, build_selector_index

PAGE = (
    "<html><body class='cookies-not-set'><div class='klaro'><div class='cookie-notice' id='n'>a</div></div>"
    "<div class='cookie-notice'>outside klaro</div><nav role='navigation'>x</nav>"
    "<div id='sp_message_container_12'>b</div><p class='Message-container sp_x'>c</p>"
    "<section role='dialog' aria-label='Our COOKIE choices'>d</section>"
    "<ol class='crumbs breadcrumb-trail'><li>e</li></ol><input type='search'><span itemtype='x/BreadcrumbList'>f</span>"
    "</body></html>"
)
GROUPS = [
    ".klaro .cookie-notice, .klaro .cookie-modal",
    "div[id^='sp_message_container'], .message-container[class*='sp_']",
    "[role='dialog'][aria-label*='cookie' i], [role='region'][aria-label*='cookie' i]",
    "[class*='breadcrumb'], [id*='breadcrumb'], [itemtype*='BreadcrumbList']",
    "input[type='search'], [role='navigation']",
]


def test_compiled_groups_match_lxml_css() -> None:
    root = parse_html(PAGE)
    scan = PageScan.of(root)
    index = build_selector_index(GROUPS)
    found = index.matches(scan)
    expected: dict[object, int] = {}
    for number, group in enumerate(GROUPS):
        for node in CSSSelector(group)(root):
            expected.setdefault(node, number)
    assert found == list(expected.items())
    assert len(found) == 7


def test_attribute_lists_from_one_pass_equal_one_xpath_per_attribute() -> None:
    root = parse_html(
        '<html><body><div role="dialog" aria-label="Cookies"><p data-x="1">a</p></div>'
        '<span role="note" data-x="" id="n">b</span><section aria-label="Main">c</section></body></html>'
    )
    scan = PageScan.of(root)
    names = ("role", "aria-label", "data-x", "id", "data-missing")
    scan.prefetch_attributes(names)
    for name in names:
        assert scan.with_attribute(name) == root.xpath(f"//*[@{name}]"), name


def test_the_scan_lists_in_one_pass_what_one_xpath_per_list_finds() -> None:
    # a <head> element with an id, body descendants named by role or data-module only, attributes
    # with empty values, and a footer saved after </html> (a second root, folded into the first)
    root = parse_html(
        '<html><head><meta id="m" name="x"></head><body class="page"><div role="dialog" aria-label="Cookies">'
        '<p data-module="share">a</p><span class="" id="">b</span></div><section type="x" itemtype="">c</section>'
        '</body></html><footer><nav role="navigation" aria-label="Footer"><a class="home">Home</a></nav></footer>'
    )
    names = ("aria-label", "itemtype", "type", "role", "id", "data-absent")
    scan = PageScan.of(root, attributes=names)
    named = root.xpath("//*[@id or @class]")
    assert scan.named == [(node, node.get("id") or "", node.get("class") or "") for node in named]
    assert scan.body_chrome_named == root.xpath("//body//*[@class or @id or @role or @data-module]")
    assert [entry[0] for entry in scan.body_named] == root.xpath("//body//*[@id or @class]")
    for name in names:
        assert scan.with_attribute(name) == root.xpath(f"//*[@{name}]"), name
    assert PageScan.of(root, elements=scan.elements).elements is scan.elements


def test_markup_after_a_stray_closing_html_is_part_of_the_page(pipeline) -> None:
    # libxml2 opens a second root element for a footer saved after </html>; the rules'
    # document-wide XPaths and the element list must see the same elements.
    root = parse_html(
        "<html><body><h1>Cortisol</h1><p>Cortisol is a steroid hormone.</p></body></html>"
        "<footer><nav role='navigation' aria-label='Footer'><a href='/'>Home</a></nav></footer>"
    )
    assert all(len(extra) == 0 for extra in root.itersiblings())
    scan = PageScan.of(root)
    assert set(scan.with_attribute("role")) <= set(scan.elements)
    page = (
        "<html><head><title>Cortisol</title></head><body><h1>Cortisol</h1>"
        "<p>Cortisol is a steroid hormone made by the adrenal glands that helps the body respond to stress.</p>"
        "</body></html><footer><div role='contentinfo'><nav role='navigation'><a href='/a'>About us</a></nav>"
        "</div></footer>"
    )
    outcome = pipeline.process(page.encode(), path="cortisol.html")
    assert outcome.reject is None
    assert "About us" not in outcome.records[0].definition


def test_control_characters_in_text_do_not_fail_the_page(pipeline) -> None:
    # A vertical tab (XML forbids it) inside a paragraph once failed trafilatura's XML step.
    page = (
        "<html><head><title>Cortisol</title></head><body><article><h1>Cortisol</h1>"
        "<p>Cortisol is a steroid hormone\x0b made by the adrenal glands that helps the body respond to stress.</p>"
        "</article></body></html>"
    )
    outcome = pipeline.process(page.encode(), path="cortisol.html")
    assert outcome.reject is None, outcome.reject
    assert outcome.records[0].definition.startswith("Cortisol is a steroid hormone made")


def test_character_references_to_characters_xml_forbids_do_not_fail_the_page(pipeline) -> None:
    # The same characters, written as references ("&#x1F;", "&#11"): the parser expands them into the tree.
    references = "&#x1F; &#11 &#xFFFE; &#X0C; &#0000008;"
    page = (
        "<html><head><title>Cortisol</title></head><body><article><h1>Cortisol</h1>"
        f"<p>Cortisol is a steroid hormone {references} made by the adrenal glands that helps the body respond to "
        "stress &#38; &#x2014; &#233;.</p></article></body></html>"
    )
    outcome = pipeline.process(page.encode(), path="cortisol.html")
    assert outcome.reject is None, outcome.reject
    assert outcome.records[0].definition == ("Cortisol is a steroid hormone made by the adrenal glands that helps "
                                             "the body respond to stress & \u2014 \u00e9.")
