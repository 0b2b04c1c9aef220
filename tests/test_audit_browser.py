"""audit.html in a real browser: Debian's headless Chromium driven by playwright.

Checks what only a browser can: the charts and per-record views render, nothing leaves the
file (every request is recorded, and anything not file:// is aborted), and no injected
payload runs, not even with the Content-Security-Policy stripped from a copy of the page.

Without /usr/bin/chromium the tests skip, except under CI (the CI variable set), where they
fail: .ci/run installs Chromium from Debian's packages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_audit import run_and_audit

from pipeline.quality.audit.browser import CHROMIUM, LAUNCH_ARGS


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium) to run the "
               "audit report's browser tests")
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it (.ci/run does)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    _require_chromium()
    return run_and_audit(tmp_path_factory.mktemp("audit-browser"))


class Visit:
    """One page load with every request, dialog and console message recorded."""

    def __init__(self, browser, path: Path) -> None:
        self.requests: list[str] = []
        self.aborted: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(java_script_enabled=True)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_timeout(300)  # time for anything delayed (onerror of a broken image, ...) to fire

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.aborted.append(route.request.url)
            route.abort()

    def pwned(self) -> bool:
        return bool(self.page.evaluate("() => window.__pwned === 1"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, run_dir):
    visit = Visit(browser, run_dir / "audit.html")
    yield visit
    visit.close()


def test_only_the_file_itself_is_requested(visit, run_dir):
    assert visit.aborted == []
    assert visit.requests == [(run_dir / "audit.html").resolve().as_uri()]


def test_no_payload_runs(visit):
    assert not visit.pwned()
    assert visit.dialogs == []
    assert "pwned" not in visit.page.title()
    assert visit.page.title().startswith("Audit")


def test_css_payload_does_not_hide_the_page(visit):
    assert visit.page.locator("body").is_visible()
    assert visit.page.evaluate("() => getComputedStyle(document.body).display") != "none"
    assert visit.page.locator("style").count() == 1


def test_the_payload_text_is_shown_as_text(visit):
    details = visit.page.locator("details.rec")
    for i in range(details.count()):
        details.nth(i).evaluate("element => { element.open = true; }")
    body = visit.page.locator("body").inner_text()
    assert "<script>window.__pwned=1;alert(1)</script>" in body
    assert "</style><style>body{display:none}</style>" in body
    assert "<img src=x onerror=window.__pwned=1>" in body
    assert "javascript:window.__pwned=1" in body
    assert visit.page.locator("main script, main img, main iframe, main a[href^='javascript']").count() == 0
    assert not visit.pwned()


def test_charts_and_record_views_render(visit):
    charts = visit.page.locator("svg.chart")
    assert charts.count() >= 4  # rejects, coverage, warnings, removed, lengths (some may be empty)
    box = charts.first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 10
    assert visit.page.locator("svg.chart rect").count() >= 5
    views = visit.page.locator("details.rec")
    assert views.count() == 5
    first = views.first
    mark = first.locator("mark").first
    assert not mark.is_visible()  # closed: the sections are hidden
    first.locator("summary").click()
    assert first.evaluate("element => element.open")
    assert mark.is_visible()
    assert mark.get_attribute("title").startswith(("HORMONE", "NEUROCHEMICAL"))
    colour = mark.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    assert first.locator(".removed").is_visible()


def test_record_links_open_their_view(visit):
    link = visit.page.locator("table a[href^='#rec-']").first
    target = link.get_attribute("href")
    link.click()
    assert visit.page.url.endswith(target)
    assert visit.page.locator(f"details{target}").is_visible()
    assert visit.aborted == []


def test_nothing_runs_even_without_the_content_security_policy(browser, run_dir, tmp_path):
    """Escaping alone keeps the payloads inert: the CSP is a second wall, not the only one."""
    text = (run_dir / "audit.html").read_text(encoding="utf-8")
    start = text.index('<meta http-equiv="Content-Security-Policy"')
    stripped = text[:start] + text[text.index(">", start) + 1:]
    assert "Content-Security-Policy" not in stripped
    copy = tmp_path / "audit-no-csp.html"
    copy.write_text(stripped, encoding="utf-8")
    visit = Visit(browser, copy)
    try:
        details = visit.page.locator("details.rec")
        for i in range(details.count()):
            details.nth(i).evaluate("element => { element.open = true; }")
        visit.page.wait_for_timeout(200)
        assert not visit.pwned()
        assert visit.dialogs == []
        assert "pwned" not in visit.page.title()
        assert visit.aborted == []
        assert visit.requests == [copy.resolve().as_uri()]
        assert visit.page.evaluate("() => getComputedStyle(document.body).display") != "none"
    finally:
        visit.close()


def test_every_reject_and_skipped_file_is_found_by_name(visit, run_dir):
    from pipeline.run_files import iter_rejects, read_run_report

    rejects = list(iter_rejects(run_dir))
    assert len(rejects) >= 3
    for reject in rejects:
        # The table under the reject's reason heading (one section per reason, visible without a click).
        heading = visit.page.locator("h3[id^='reject-reason-']", has_text=reject["reason"])
        table = heading.locator("xpath=following-sibling::table[1]")
        assert table.is_visible()
        row = table.locator("tr", has_text=reject["source"]["path"])
        assert row.count() == 1, reject["source"]["path"]
        assert reject["detail"] in row.inner_text()
        if reject.get("page_kind"):
            assert reject["page_kind"] in row.inner_text()
    skipped = visit.page.locator("#skipped ~ table").first
    for path in read_run_report(run_dir)["skipped_files"]:
        assert skipped.locator("tr", has_text=path).count() == 1, path


def test_warning_colours_follow_their_severity(visit):
    colours: dict[str, set[str]] = {}
    chips = visit.page.locator("span.sev[title]")
    assert chips.count() > 0
    for i in range(chips.count()):
        chip = chips.nth(i)
        colours.setdefault(chip.get_attribute("title"), set()).add(
            chip.evaluate("element => getComputedStyle(element).backgroundColor"))
    assert all(len(found) == 1 for found in colours.values()), colours  # one colour per severity
    legend = visit.page.locator("#warnings ~ p span.sev")
    shown = {legend.nth(i).inner_text(): legend.nth(i).evaluate("e => getComputedStyle(e).backgroundColor")
             for i in range(legend.count())}
    assert set(shown) == {"info", "warning", "problem"} and len(set(shown.values())) == 3
    for level, found in colours.items():
        assert found == {shown[level]}
