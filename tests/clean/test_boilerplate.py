"""Boilerplate inside the article (issue 12): reference lists, notices, ad disclosures,
promotions, paywalls and teasers leave with a reason code of their own; the look-alikes
(a Key points box, the entry's numbered steps, an entry about advertising or copyright
itself) stay.

tests/pages/boilerplate/expected.json says, per hand-written page, which texts go with
which reason, which blocks stay whole, which texts must be gone and which reasons must remove
nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_specs import clean_page, expected_specs, page_names

from pipeline.clean import clean_html
from pipeline.clean.blocks import Block
from pipeline.clean.chrome import drop_boilerplate_blocks
from pipeline.clean.references import is_citation

PAGES = Path(__file__).resolve().parents[1] / "pages" / "boilerplate"
EXPECTED = expected_specs(PAGES)


def test_every_page_has_its_expectations() -> None:
    assert page_names(PAGES) == set(EXPECTED)


def test_every_new_reason_is_exercised() -> None:
    reasons = {reason for spec in EXPECTED.values() for reason in spec["removed"]}
    assert reasons >= {"references", "notice", "advertising", "promotion", "paywall", "teaser"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_boilerplate_goes_with_its_reason_and_the_entry_stays(name: str) -> None:
    spec = EXPECTED[name]
    page = clean_page(PAGES, name)
    kept_blocks = [block.text for block in page.blocks]
    kept = page.to_text()
    for reason, openings in spec["removed"].items():
        snippets = [removal.snippet for removal in page.removed if removal.reason == reason]
        for opening in openings:
            assert any(snippet.startswith(opening[:120]) for snippet in snippets), (
                f"{opening!r} was not removed as {reason}: {[(r.reason, r.snippet[:50]) for r in page.removed]}"
            )
            assert not any(block.startswith(opening) for block in kept_blocks), f"{opening!r} reached the kept text"
    for block in spec["kept"]:
        assert block in kept_blocks, f"{block[:60]!r} is not a kept block of its own"
    for text in spec["absent"]:
        assert text not in kept, f"{text!r} reached the kept text"
    for reason in spec["never"]:
        wrong = [removal.snippet for removal in page.removed if removal.reason == reason]
        assert not wrong, f"{reason} removed {wrong}"
    assert "Sign up" not in kept and "Unlock this article" not in kept


def test_a_page_about_the_subject_still_loses_the_short_label_lines() -> None:
    """On an entry about advertising its own sentences stay, but an 'Advertiser Disclosure' label still goes."""
    blocks = [
        Block("heading", "Advertising", level=1),
        Block("paragraph", "Advertising is paid communication meant to persuade; clinics may be compensated by "
                           "sponsors, and advertising partners share the audience data."),
        Block("paragraph", "Advertiser Disclosure"),
    ]
    kept, removed = drop_boilerplate_blocks(blocks, title="Advertising - Health Marketing Glossary")
    assert [block.text for block in kept] == [blocks[0].text, blocks[1].text]
    assert [(removal.reason, removal.snippet) for removal in removed] == [("advertising", "Advertiser Disclosure")]
    blocks[0] = Block("heading", "Dopamine", level=1)
    kept, removed = drop_boilerplate_blocks(blocks, title="Dopamine")
    assert [block.text for block in kept] == ["Dopamine"]
    assert {removal.reason for removal in removed} == {"advertising"}


def test_a_references_run_ends_at_the_next_heading_of_its_level() -> None:
    blocks = [
        Block("heading", "Cortisol", level=1),
        Block("heading", "Sources", level=2),
        Block("item", "Endocrine Society. Cortisol basics. 2023."),
        Block("heading", "Mechanism", level=2),
        Block("paragraph", "Cortisol binds to glucocorticoid receptors inside nearly every cell of the body."),
    ]
    kept, removed = drop_boilerplate_blocks(blocks)
    assert [block.text for block in kept] == ["Cortisol", "Mechanism", blocks[4].text]
    assert [removal.reason for removal in removed] == ["references", "references"]


@pytest.mark.parametrize(
    "text",
    [
        "Akbaraly TN, Ferrie JE, Berr C. Dietary pattern and depressive symptoms. Br J Psychiatry. 2009;195(5):408-13.",
        "Nguyen, L., & Ortiz, P. (2018). Stress and sleep. Sleep Medicine Reports, 3(2), 14–22.",
        "Thyroid Foundation. What is TSH? Retrieved 4 May 2023 from https://example.org/tsh",
        "[12] \"Hormones at work,\" Science Weekly (2020). https://example.org/hormones",
    ],
)
def test_citations_are_recognised_by_shape(text: str) -> None:
    assert is_citation(text)


@pytest.mark.parametrize(
    "text",
    [
        "Smith et al. (2019) found that cortisol rises in the morning in most adults.",
        "1. Drink a glass of water within an hour of waking.",
        "In 2019, the agency approved the first oral form of the drug for adults.",
        "Levels peak 30–45 minutes after waking (see the figure above).",
    ],
)
def test_prose_and_numbered_steps_are_not_citations(text: str) -> None:
    assert not is_citation(text)


def test_an_about_us_plug_goes_only_after_the_article() -> None:
    """A publisher naming itself ("X is a company ... We ...") is a plug in the page's second
    half; at the top it can be the page's own subject, and stays."""
    plug = "Northside Labs is a testing company in Ohio. We run hormone panels for clinics."
    body = [Block("paragraph", f"Cortisol is a steroid hormone; paragraph {n} of the entry.") for n in range(4)]
    kept, removed = drop_boilerplate_blocks([Block("paragraph", plug), *body])
    assert kept[0].text == plug and not removed
    kept, removed = drop_boilerplate_blocks([*body, Block("paragraph", plug)])
    assert [block.text for block in kept] == [block.text for block in body]
    assert [removal.reason for removal in removed] == ["promotion"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Get $15 off your first test kit with code HORMONE15 at checkout, this week only.", "promotion"),
        ("Email: help@example-clinic.org", "promotion"),
        ("March 3rd, 2024", "byline"),
        ("Recipe of the week: overnight oats for steady blood sugar", "teaser"),
        ("Read more: Five myths about melatonin", "teaser"),
        ("Already a subscriber? Sign in", "paywall"),
        ("We may earn a commission when you buy through links on this page.", "advertising"),
        ("This article is licensed under a Creative Commons Attribution 4.0 licence.", "notice"),
    ],
)
def test_boilerplate_lines_are_removed_with_their_reason(text: str, reason: str) -> None:
    blocks = [Block("paragraph", "Insulin is a hormone made by the pancreas that lets cells take up glucose."),
              Block("paragraph", text)]
    kept, removed = drop_boilerplate_blocks(blocks)
    assert [block.text for block in kept] == [blocks[0].text]
    assert [removal.reason for removal in removed] == [reason]


@pytest.mark.parametrize(
    "text",
    [
        "If you have chest pain or trouble breathing, get help now.",
        "Call your doctor if the rash spreads or you develop a fever.",
        "Download the free leaflet from your pharmacist, or ask for a printed copy.",
        "Read more about how the thyroid works in the section on hormones below.",
        "See also the entry on triiodothyronine, the hormone's active form.",
        "Employees who work night shifts are compensated for the disruption to their sleep.",
        "Cortisol levels are highest about 30 minutes after waking, in most adults.",
        "The test kit measures cortisol with the code 302 printed on its label.",
        "The virus first appeared in the region at the end of August, carried by mosquitoes.",
        "A home cortisol kit is a purchase you can buy now and use for years.",
        "People with the condition join our support group every week to share what helps.",
    ],
)
def test_health_advice_and_entry_sentences_are_not_boilerplate(text: str) -> None:
    kept, removed = drop_boilerplate_blocks([Block("paragraph", text)])
    assert not removed and kept[0].text == text


def test_a_paywall_named_wrapper_around_the_article_keeps_its_prose() -> None:
    """Metered sites wrap the article itself in a "paywall" element (the text is in the
    page; scripts hide it): the wrapper holds prose and stays. A small wall box goes."""
    prose = (
        "Leptin is a hormone released by fat cells that tells the brain how much energy the body has stored. "
        "When levels fall, appetite rises and the body saves energy; most people with obesity have high leptin "
        "but respond to it weakly, which is called leptin resistance."
    )
    mechanism = (
        "Leptin binds to receptors in the hypothalamus, where it damps the neurons that drive hunger and excites "
        "the ones that curb it; the same signal also raises the body's energy use and supports fertility."
    )
    page = clean_html(
        "<html><head><title>Leptin</title></head><body><main><article><h1>Leptin</h1>"
        f"<p>{prose}</p><p>{prose}</p><p>{prose}</p>"  # the free lead: the wrapper is not most of the page
        f'<div class="article-body paywall"><p>{mechanism}</p><p>{mechanism}</p></div>'
        '<div class="paywall-prompt"><p>Subscribe for full access to every story.</p></div>'
        '<div class="ad-slot"><p>Sponsored</p></div>'
        "</article></main></body></html>"
    )
    assert prose in page.to_text() and mechanism in page.to_text()
    assert "Subscribe for full access" not in page.to_text()
    reasons = {removal.snippet: removal.reason for removal in page.removed}
    assert reasons.get("Subscribe for full access to every story.") == "paywall"
    assert reasons.get("Sponsored") == "advertising"
