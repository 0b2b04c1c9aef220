"""Consent removal: what a user of the clean stage relies on, on small pages of our own."""

from __future__ import annotations

from pipeline.clean import clean_html, clean_text
from pipeline.clean.blocks import Block
from pipeline.clean.consent import drop_consent_blocks, is_consent_text

ENTRY = (
    "<h1>Cortisol Awakening Response</h1>"
    "<p>The cortisol awakening response is the sharp rise in cortisol during the first half hour after "
    "waking, driven by the hypothalamic-pituitary-adrenal axis and the brain's internal clock.</p>"
    "<h2>Origin</h2>"
    "<p>The response was first described in the 1990s by researchers who sampled saliva repeatedly "
    "after volunteers woke up, and it soon became a common marker in stress research.</p>"
)


def _page(body: str, title: str = "Cortisol Awakening Response") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _kept(html: str) -> str:
    return clean_html(_page(html)).to_text()


def test_platform_container_is_removed() -> None:
    html = (
        f"<main><article>{ENTRY}</article></main>"
        '<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk"><p>Glossaria and its partners '
        "store small files on your device to measure reading.</p><button>Accept</button></div></div>"
    )
    kept = _kept(html)
    assert "store small files" not in kept
    assert "sharp rise in cortisol" in kept


def test_banner_with_neutral_classes_inside_the_article_is_removed() -> None:
    html = (
        f'<main><article><div class="entry-content">{ENTRY}'
        '<div class="box"><div class="inner"><p>This reference uses cookies to count visits and to '
        "tailor the offers you see. Change your choices below.</p>"
        '<p class="t"><strong>Your options in detail</strong></p>'
        "<p>Advertising cookies help us pay for the glossary with promotions matched to your interests.</p>"
        "<p>Needed to keep the site secure and to remember your consent settings.</p>"
        "<div><button>Accept all</button><button>Save</button></div></div></div>"
        "</div></article></main>"
    )
    kept = _kept(html)
    assert "uses cookies" not in kept
    assert "Advertising cookies" not in kept
    assert "remember your consent settings" not in kept
    assert "Accept all" not in kept
    assert "first described in the 1990s" in kept


def test_wordpress_comment_consent_checkbox_does_not_remove_content() -> None:
    html = (
        f"<main><article>{ENTRY}</article>"
        '<form id="commentform" class="comment-form"><p class="comment-form-cookies-consent">'
        '<input id="wp-comment-cookies-consent" type="checkbox"><label>Save my name, email, and website '
        "in this browser for the next time I comment.</label></p></form></main>"
    )
    assert "sharp rise in cortisol" in _kept(html)


def test_cookie_state_class_on_body_and_lazyload_class_keep_the_page() -> None:
    html = (
        '<html class="cookies-not-set"><head><title>x</title></head><body class="cookies-not-set cookie-consent">'
        f'<main class="cookie-consent-pending"><article>{ENTRY}'
        '<div class="cmplazyload"><p>The curve of the response flattens with chronic stress and with '
        "shift work, which is why researchers sample on several days.</p></div></article></main></body></html>"
    )
    kept = clean_html(html).to_text()
    assert "sharp rise in cortisol" in kept
    assert "flattens with chronic stress" in kept


def test_informed_consent_health_text_survives() -> None:
    text = (
        "Informed consent means a patient agrees to a test or treatment after hearing its benefits, "
        "risks and alternatives, and may withdraw that consent at any time."
    )
    assert not is_consent_text(text)
    html = f"<main><article>{ENTRY}<h2>Consent</h2><p>{text}</p></article></main>"
    assert "Informed consent means" in _kept(html)


def test_privacy_policy_article_keeps_its_cookie_wording() -> None:
    policy = (
        "<h1>Privacy Policy</h1>"
        "<p>This privacy policy explains what information this blog collects from visitors and why. "
        "We do not sell personal data and we keep server logs for thirty days only.</p>"
        "<h2>Do we use cookies?</h2>"
        "<p>Yes. This site uses cookies set by our analytics provider to count visits; the provider may "
        "combine them with data from other websites. You can block cookies in your browser settings.</p>"
    )
    kept = clean_html(_page(f"<main><article>{policy}</article></main>", title="Privacy Policy")).to_text()
    assert "This site uses cookies set by our analytics provider" in kept
    assert "keep server logs for thirty days" in kept


def test_plain_text_consent_run_is_removed_with_its_cookieless_lines() -> None:
    text = "\n".join([
        "Thyroid feedback is the loop by which thyroid hormones restrain the release of TSH from the pituitary.",
        "Origin",
        "The loop was mapped in the 1950s once hormone assays became reliable enough to follow it.",
        "We use cookies to remember your settings and to understand which entries are read most.",
        "Cookie Preferences in Detail",
        "This keeps our free glossary running through personalized marketing and promotions.",
        "Analytics cookies help us see how visitors move through the site.",
    ])
    page = clean_text(text)
    kept = page.to_text()
    assert "We use cookies" not in kept
    assert "personalized marketing" not in kept
    assert "Analytics cookies" not in kept
    assert "restrain the release of TSH" in kept
    assert "Origin" in kept
    assert all(removal.reason == "consent" for removal in page.removed)


def test_consent_run_stops_at_entry_text() -> None:
    blocks = [
        Block("paragraph", "We use cookies to personalise content and to analyse our traffic."),
        Block("heading", "Mechanism"),
        Block("paragraph", "Leptin acts on the hypothalamus to signal how much energy the body has stored."),
    ]
    kept, removed = drop_consent_blocks(blocks)
    assert [block.text for block in kept] == ["Mechanism", blocks[2].text]
    assert len(removed) == 1


def test_multilingual_banner_sentences_are_consent_text() -> None:
    assert is_consent_text("Wir verwenden Cookies, um Ihnen ein optimales Webseiten-Erlebnis zu bieten.")
    assert is_consent_text("Nous utilisons des cookies pour améliorer votre expérience sur notre site.")
    assert is_consent_text("Utilizamos cookies propias y de terceros para mejorar nuestros servicios.")
    assert is_consent_text("Ta strona korzysta z plików cookies w celu realizacji usług.")
    assert not is_consent_text("Bake the cookies for twelve minutes until the edges turn golden.")


def test_wordings_without_a_cookie_stem_still_pass_the_vocabulary_gate() -> None:
    # the gate in front of the text rules must let through every rule's mandatory words
    for text in (
        "By using this site you agree to our terms.",
        "Manage your preferences",
        "Carry on browsing",
        "Durch weitere Nutzung der Seite sind Sie einverstanden.",
        "With your permission, we and our partners use data from your device.",
    ):
        assert is_consent_text(text), text
    assert not is_consent_text("Ghrelin is a hormone that signals hunger to the brain.")
