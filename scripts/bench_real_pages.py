"""Per-page cost of the pipeline against trafilatura.extract on folders of real pages, in one process.

    .venv/bin/python scripts/bench_real_pages.py ../shared/data/article-benchmark/html ../shared/data/consent-pages/html

A cross-check of scripts/bench_batch.py on pages nobody generated: every .html / .htm
page (gzipped or not) under the folders is read into memory once; then, for each of
`--rounds` rounds, trafilatura.extract runs on every page (decoded as trafilatura's own
tools decode files) and the pipeline on every page's bytes, records serialised as the
runner does. Start-up is left out (the pipeline is built before timing). Prints the time
per page of each and their ratio per round; the first round also pays warm-up costs.
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

import trafilatura
from trafilatura.utils import decode_file

from pipeline.api import GlossaryPipeline


def load_pages(folders: list[str]) -> list[tuple[str, bytes]]:
    pages = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.name.endswith((".html", ".htm", ".html.gz", ".htm.gz")):
                data = path.read_bytes()
                pages.append((str(path), gzip.decompress(data) if path.suffix == ".gz" else data))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = load_pages(args.folders)
    if not pages:
        raise SystemExit("no .html/.htm pages found")
    texts = [decode_file(data) for _, data in pages]
    size = sum(len(data) for _, data in pages) / len(pages) / 1024
    print(f"{len(pages)} pages, {size:.0f} KB per page on average")
    pipeline = GlossaryPipeline()
    for round_number in range(1, args.rounds + 1):
        started = time.perf_counter()
        for text in texts:
            trafilatura.extract(text)
        trafilatura_s = time.perf_counter() - started
        started = time.perf_counter()
        for path, data in pages:
            for record in pipeline.process(data, path=path).records:
                record.model_dump_json()
        pipeline_s = time.perf_counter() - started
        print(f"round {round_number}: trafilatura.extract {trafilatura_s / len(pages) * 1000:.1f} ms/page, "
              f"pipeline {pipeline_s / len(pages) * 1000:.1f} ms/page, ratio {pipeline_s / trafilatura_s:.2f}x")


if __name__ == "__main__":
    main()
