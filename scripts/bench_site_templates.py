"""What site template learning costs: the `clean` command on real pages with and without it.

    .venv/bin/python scripts/bench_site_templates.py                      # wcxb-dev, 300 pages, 2 workers
    .venv/bin/python scripts/bench_site_templates.py --pages 0 --repeats 1  # every page once

Both settings run in this one process, alternating (off, on, on, off, ...), so that the
machine's load hits both alike; the ratio of the medians is the figure to quote. It also
says how many pages' kept text the templates changed and how many sites learnt one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.api import PipelineConfig
from pipeline.clean.site_template import TemplateCounter
from pipeline.executors.local import map_fingerprints
from pipeline.read import discover
from pipeline.runner import run_clean

_DEFAULT_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev" / "html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=_DEFAULT_PAGES)
    parser.add_argument("--pages", type=int, default=300, help="the first N pages, sorted by name (0: all)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each setting")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    paths = discover([str(args.folder)]).paths
    paths = paths[: args.pages] if args.pages else paths
    seconds: dict[bool, list[float]] = {False: [], True: []}
    scratch = Path(tempfile.mkdtemp(prefix="bench-site-templates-"))
    try:
        for repeat in range(args.repeats):
            for learn in (False, True) if repeat % 2 == 0 else (True, False):
                out = scratch / f"{'on' if learn else 'off'}-{repeat}"
                start = time.perf_counter()
                run_clean(paths, out, workers=args.workers, config=PipelineConfig(site_templates=learn))
                seconds[learn].append(time.perf_counter() - start)
        start = time.perf_counter()
        counter = TemplateCounter()
        for fingerprint in map_fingerprints(paths, PipelineConfig(), args.workers):
            if fingerprint is not None:
                counter.add(fingerprint)
        templates = counter.templates()
        pass_seconds = time.perf_counter() - start
        changed = sum((scratch / "on-0" / f.name).read_bytes() != f.read_bytes()
                      for f in (scratch / "off-0").glob("*.txt"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"{len(paths)} pages from {args.folder}, {args.workers} workers, {args.repeats} runs each")
    print(f"  without site templates  {off:7.1f} s  ({', '.join(f'{s:.1f}' for s in seconds[False])})")
    print(f"  with site templates     {on:7.1f} s  ({', '.join(f'{s:.1f}' for s in seconds[True])})")
    print(f"  ratio with/without      {on / off:7.3f}")
    print(f"  the fingerprint pass alone: {pass_seconds:.1f} s")
    print(f"  {len(templates)} sites learnt a template ({templates.texts()} texts); {changed} pages' kept text changed")


if __name__ == "__main__":
    main()
