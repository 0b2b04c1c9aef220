"""Render RUN_DIR/audit.html in headless Chromium (the system's /usr/bin/chromium) and save a full-page PNG.

    .venv/bin/python scripts/audit_screenshot.py RUN_DIR OUT.png [--open-records N] [--width PX]

Run `glossary-pipeline audit RUN_DIR` first. Requests other than file:// are aborted, so the
screenshot shows exactly what a reader without network sees. --open-records N opens the first
N per-record views (<details>) before the shot (default 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.quality.audit.browser import CHROMIUM, LAUNCH_ARGS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--open-records", type=int, default=2, metavar="N", help="record views to open (default 2)")
    parser.add_argument("--width", type=int, default=1200, help="viewport width in pixels (default 1200)")
    args = parser.parse_args(argv)

    report = (args.run_dir / "audit.html").resolve()
    if not report.is_file():
        print(f"audit_screenshot: {report} does not exist; run `glossary-pipeline audit {args.run_dir}` first",
              file=sys.stderr)
        return 1
    if not CHROMIUM.exists():
        print(f"audit_screenshot: no Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": args.width, "height": 900})

            def guard(route) -> None:
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(report.as_uri())
            details = page.locator("details.rec")
            for i in range(min(args.open_records, details.count())):
                details.nth(i).evaluate("element => { element.open = true; }")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
        finally:
            browser.close()
    for url in blocked:
        print(f"audit_screenshot: blocked a request to {url}", file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
