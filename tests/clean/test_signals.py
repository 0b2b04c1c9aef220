"""The clean stage's markup count: what it sees before the chrome is cut, and what it leaves out."""

from __future__ import annotations

from pipeline.clean import clean_html


def _page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><title>T</title>{head}</head><body>{body}</body></html>"


def test_cards_in_a_grid_count_and_links_in_a_menu_do_not() -> None:
    items = "".join(f'<li class="menu-item"><a href="/m{n}">Menu {n}</a></li>' for n in range(40))
    menu = f"<nav><ul>{items}</ul></nav>"
    grid = '<div class="grid">' + "".join(
        f'<div class="card"><a href="/p{n}"><h3>Product {n}</h3></a><span class="price">$1{n}.99</span></div>'
        for n in range(12)) + "</div>"
    assert clean_html(_page(menu)).signals.repeated_cards == 0
    signals = clean_html(_page(menu + grid)).signals
    assert signals.repeated_cards == 12
    assert signals.prices == 12


def test_posts_bylines_and_pagination_are_counted_although_chrome_is_cut() -> None:
    posts = "".join(f'<div class="post"><span class="username">u{n}</span><time>May {n}</time>'
                    f'<div class="postbody">Reply number {n} to the question above.</div></div>' for n in range(5))
    pager = '<div class="pagination"><a href="?page=2" rel="next">Next</a></div>'
    page = clean_html(_page(f"<main><h1>A thread</h1>{posts}</main>{pager}"))
    assert page.signals.repeated_posts == 5
    assert page.signals.named["author"] == 5 and page.signals.time_elements == 5
    assert page.signals.paginated
    assert "Next" not in page.to_text()  # the pagination itself is chrome, cut from the kept text


def test_a_consent_dialog_adds_no_buttons_or_calls_to_action() -> None:
    banner = ('<div id="onetrust-banner-sdk"><p>We use cookies to improve your experience.</p>'
              "<button>Accept all</button><button>Sign up for updates</button><a href='/p'>Learn more</a></div>")
    signals = clean_html(_page(f"{banner}<main><h1>Cortisol</h1><p>Cortisol is a hormone.</p></main>")).signals
    assert signals.cta_controls == 0


def test_script_text_is_not_page_text_and_the_generator_is_read() -> None:
    head = '<meta name="Generator" content="Discourse 3.2">'
    script = "<script>" + "var x = 1;" * 500 + "</script>"
    signals = clean_html(_page(f"<main><p>Short text here.</p></main>{script}", head=head)).signals
    assert signals.text_chars < 40
    assert signals.generator_kind == "forum"
