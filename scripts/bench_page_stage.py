"""What the page stage costs per page on real pages, against the rest of the pipeline, in one process.

    .venv/bin/python scripts/bench_page_stage.py ../shared/data/wcxb-dev/html ../shared/data/article-benchmark/html \
        ../shared/data/consent-pages/html --limit 400

The page stage has two parts: the markup count in the clean stage (`read_signals`, one walk
over the elements before the chrome is cut) and the decision (`classify`, on the cleaned
page). Each round times, over the same pages:
- the whole pipeline (`GlossaryPipeline.process`, records serialised as the runner does);
- `read_signals` on each page's parsed tree (the parse and element scan, which the clean stage
  makes anyway, not timed);
- `classify` on each page's cleaned page.
It prints their time per page and the page stage's share: (signals + classify) divided by
the rest of the pipeline's time (whole minus both). Rejected pages skip segment, tag and
validate, so the whole pipeline's time already includes what the stage saves.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_real_pages import load_pages

from pipeline.api import GlossaryPipeline, PipelineConfig, clean_page
from pipeline.clean import parse_html
from pipeline.clean.dom import PageScan
from pipeline.clean.signals import read_signals
from pipeline.rejects import Rejected
from pipeline.stages.page_kind import classify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="use the first N pages of each folder (0: all)")
    args = parser.parse_args()
    pages = [page for folder in args.folders for page in load_pages([folder])[: args.limit or None]]
    if not pages:
        raise SystemExit("no .html/.htm pages found")
    config = PipelineConfig()
    pipeline = GlossaryPipeline(config)
    cleaned, trees = [], []
    for path, data in pages:
        try:
            decoded, page = clean_page(data, path, config)
        except Rejected:
            continue
        cleaned.append((Path(path).name, page, decoded.media_type == "text/plain"))
        trees.append(decoded.text)
    size = sum(len(data) for _, data in pages) / len(pages) / 1024
    print(f"{len(pages)} pages ({len(cleaned)} cleaned), {size:.0f} KB per page on average")
    for round_number in range(1, args.rounds + 1):
        started = time.perf_counter()
        for path, data in pages:
            for record in pipeline.process(data, path=path).records:
                record.model_dump_json()
        whole = (time.perf_counter() - started) / len(pages)
        scans = [PageScan.of(parse_html(text)) for text in trees]  # the clean stage's scan, built anyway
        started = time.perf_counter()
        for scan in scans:
            read_signals(scan, removed_any=False)
        signals = (time.perf_counter() - started) / len(pages)
        started = time.perf_counter()
        for name, page, plain_text in cleaned:
            classify(page, name, plain_text=plain_text)
        decision = (time.perf_counter() - started) / len(pages)
        rest = whole - signals - decision
        print(f"round {round_number}: pipeline {whole * 1000:.1f} ms/page; page stage: signals "
              f"{signals * 1000:.2f} + classify {decision * 1000:.2f} ms/page = "
              f"{(signals + decision) / rest:.1%} of the rest of the pipeline")


if __name__ == "__main__":
    main()
