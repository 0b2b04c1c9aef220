"""Pages of real size and shape (the batch benchmark's templates: menus, footers, consent
platforms, share and newsletter boxes, inline assets) give the entries they carry."""

from __future__ import annotations

import re
from types import ModuleType

import pytest
from script_modules import load_script

from pipeline.api import GlossaryPipeline


@pytest.fixture(scope="module")
def templates() -> ModuleType:
    return load_script("bench_batch")


def test_every_term_of_an_a_to_z_page_becomes_a_record(templates: ModuleType, pipeline: GlossaryPipeline) -> None:
    """A newsletter or share box next to the list once made trafilatura read the terms as
    paragraphs, losing the first term and naming a record after the page's h1."""
    pages = [page for n in range(1, 200, 4) if "<dl" in (page := templates.make_realistic_page(n))]
    assert len(pages) >= 30
    wrong = []
    for number, html in enumerate(pages):
        terms = [re.sub(r"<[^>]+>", "", term) for term in re.findall(r"<dt[^>]*>(.*?)</dt>", html)]
        outcome = pipeline.process(html.encode(), path=f"az-{number}.html")
        if sorted(record.term for record in outcome.records) != sorted(terms):
            wrong.append((terms, [record.term for record in outcome.records]))
    assert wrong == []


def test_banners_and_chrome_stay_out_of_the_records(templates: ModuleType, pipeline: GlossaryPipeline) -> None:
    """Half of these pages carry a consent banner (platform, home-made, or inside the entry)."""
    for number in range(0, 60):
        html = templates.make_realistic_page(number)
        outcome = pipeline.process(html.encode(), path=f"page-{number}.html")
        assert outcome.records, (number, outcome.reject)
        for record in outcome.records:
            text = " ".join(section.text for section in record.sections).lower()
            assert "cookie" not in text and "subscribe" not in text and "all rights reserved" not in text, number
            codes = {warning.code for warning in record.quality.warnings}
            assert not codes & {"consent-like-text", "menu-like-text"}, (number, codes)


def test_list_items_of_an_entry_without_a_known_container_are_kept(
    templates: ModuleType, pipeline: GlossaryPipeline
) -> None:
    """`<div class="content glossary-term">` matches none of trafilatura's content-container
    XPaths; its fallback collects paragraphs only, and the entry's facts list was lost."""
    checked = 0
    for number in range(3, 400, 4):
        html = templates.make_realistic_page(number)
        container = re.search(r'<div class="content[^"]*"[^>]*><h1>.*?</ul>', html, re.S)
        if container is None:
            continue
        items = [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", container.group(0))]
        text = " ".join(s.text for r in pipeline.process(html.encode(), path=f"p{number}.html").records
                        for s in r.sections)
        assert all(item in text for item in items), (number, items)
        checked += 1
    assert checked >= 20
