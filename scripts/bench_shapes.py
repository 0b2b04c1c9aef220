"""Seconds per MB of input, per stage, on crafted worst-case page shapes and on folders of real pages.

    .venv/bin/python scripts/bench_shapes.py                       # the crafted shapes only
    .venv/bin/python scripts/bench_shapes.py --real ../shared/data/wcxb-dev/html \
        ../shared/data/article-benchmark/html ../shared/data/consent-pages/html

Each crafted shape is a page built to hit one place where time could grow faster than the
text (an abbreviation search before every parenthesis, a long word before a bracket, one
word or consent words repeated, a paragraph without punctuation, many inline elements). It
is built at two sizes (`--sizes`, in KB): a stage that is linear in its input shows about
the same seconds per MB at both; one that grows with the square shows it growing with the
size. Every page runs through `GlossaryPipeline.process` in this process, on one core, with
the per-page time limit off, so the time measured is the whole of the work. `s/MB` is CPU
time (one core), the least of three runs; the stage columns are wall-clock, and run higher on a
busy machine.

For real pages (`--real FOLDER...`, `.html`, `.htm` and their `.gz`) it prints the folder's
total seconds per MB of page bytes and per stage, and the slowest page over 100 KB by its
own seconds per MB (small pages are dominated by the fixed cost per page, not by size).
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pipeline.api import GlossaryPipeline, PipelineConfig
from pipeline.executors import pipeline_for

STAGES = ("decode", "clean", "segment", "tag", "validate")
_LEAD = ("Serotonin tone is the background level of serotonin signalling in the brain, which shapes mood, "
         "sleep and appetite through the day. ")
_CLASSED_SPAN = '<span class="w">x</span> '
_LINK = '<a href="/x">x</a> '
_WORDS = ["serotonin", "mood", "sleep", "appetite", "signal", "brain", "level", "neuron", "receptor", "dopamine",
          "reward", "cortisol", "stress", "rhythm", "hormone", "gland", "release", "pulse", "tone", "balance"]


def _page(body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Serotonin Tone</title></head>'
            f"<body><main><article><h1>Serotonin Tone</h1><p>{_LEAD}</p>{body}</article></main></body></html>")


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _no_punctuation(size: int) -> str:
    words = (_WORDS[(n * 7 + n // len(_WORDS)) % len(_WORDS)] for n in range(size // 6))
    return " ".join(words)


# Shape name -> the page of about `size` characters it builds.
SHAPES: dict[str, Callable[[int], str]] = {
    "abbreviation-pairs": lambda size: _page(f"<p>{_repeat('DA (dopamine) and ', size)}</p>"),
    "long-word-then-bracket": lambda size: _page(f"<p>{'a' * size} (dopamine) (DA)</p>"),
    "one-word-repeated": lambda size: _page(f"<p>{_repeat('dopamine ', size)}</p>"),
    "consent-words-repeated": lambda size: _page(f"<p>{_repeat('cookies consent accept privacy settings ', size)}</p>"),
    "paragraph-without-punctuation": lambda size: _page(f"<p>{_no_punctuation(size)}</p>"),
    "bold-elements": lambda size: _page(f"<p>{_repeat('<b>x</b> ', size)}</p>"),
    "bare-span-elements": lambda size: _page(_repeat("<span>a</span>", size)),
    "classed-spans-in-one-paragraph": lambda size: _page(f"<p>{_repeat(_CLASSED_SPAN, size)}</p>"),
    "links-in-one-paragraph": lambda size: _page(f"<p>{_repeat(_LINK, size)}</p>"),
    "italic-elements": lambda size: _page(f"<p>{_repeat('<i>x</i> ', size)}</p>"),
    "line-breaks": lambda size: _page(f"<p>{_repeat('dopamine<br>', size)}</p>"),
    "many-list-items": lambda size: _page("<ul>" + _repeat("<li>Dopamine rises.</li>", size) + "</ul>"),
    "many-table-rows": lambda size: _page("<table>" + _repeat("<tr><td>Dopamine</td><td>rises</td></tr>", size)
                                          + "</table>"),
    "many-headings": lambda size: _page(_repeat("<h2>Dopamine</h2><p>Rises.</p>", size)),
    "many-short-paragraphs": lambda size: _page(_repeat("<p>Dopamine (DA) rises.</p>", size)),
    "consent-paragraphs": lambda size: _page(_repeat("<p>We use cookies. Accept all cookies or manage consent.</p>",
                                                     size)),
    "defined-short-form-repeated": lambda size: _page(
        f"<p>{_repeat('allopregnanolone (ALLOP) and ALLOP with dopamine, ', size)}</p>"),
    "plain-text-one-line": lambda size: "Serotonin Tone\n" + _LEAD + _no_punctuation(size),
}


REPEAT = 3  # runs per measurement; the least time counts


def _measure(pipeline: GlossaryPipeline, data: bytes, path: str) -> tuple[float, dict[str, float], str]:
    """CPU seconds of the whole of the work (processing and serialising the records): the time on one core,
    which other processes on a busy machine do not inflate as they do the wall clock. The least of REPEAT
    runs, as timeit takes: what else the machine and the garbage collector do only ever adds time. The stage
    columns are the pipeline's own wall-clock timings of that run."""
    best: tuple[float, dict[str, float], str] | None = None
    for _ in range(REPEAT):
        started = time.process_time()
        outcome = pipeline.process(data, path=path)
        for record in outcome.records:
            record.model_dump_json()
        seconds = time.process_time() - started
        result = outcome.reject.reason if outcome.reject else f"{len(outcome.records)} records"
        if best is None or seconds < best[0]:
            best = (seconds, outcome.timings, result)
    assert best is not None
    return best


def _stage_columns(timings: dict[str, float], megabytes: float) -> str:
    return " ".join(f"{timings.get(stage, 0.0) / megabytes:8.2f}" for stage in STAGES)


def bench_shapes(pipeline: GlossaryPipeline, sizes_kb: list[int]) -> float:
    print(f"{'shape':32} {'KB':>6} {'s/MB':>7} " + " ".join(f"{stage:>8}" for stage in STAGES) + "  result")
    worst = 0.0
    for name, build in SHAPES.items():
        for size_kb in sizes_kb:
            data = build(size_kb * 1024).encode("utf-8")
            megabytes = len(data) / 1_000_000
            suffix = "txt" if name.startswith("plain-text") else "html"
            seconds, timings, result = _measure(pipeline, data, f"{name}.{suffix}")
            worst = max(worst, seconds / megabytes)
            print(f"{name:32} {len(data) / 1024:6.0f} {seconds / megabytes:7.2f} "
                  f"{_stage_columns(timings, megabytes)}  {result}")
    return worst


def _real_pages(folder: str) -> list[Path]:
    names = (".html", ".htm", ".html.gz", ".htm.gz")
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name.endswith(names))


def bench_folder(pipeline: GlossaryPipeline, folder: str, limit: int | None) -> None:
    paths = _real_pages(folder)
    if limit is not None and len(paths) > limit:
        step = len(paths) / limit
        paths = [paths[int(n * step)] for n in range(limit)]
    total_seconds, total_bytes, stages = 0.0, 0, Counter[str]()
    slowest = (0.0, "", 0)
    for path in paths:
        raw = path.read_bytes()
        size = len(gzip.decompress(raw)) if path.name.endswith(".gz") else len(raw)
        seconds, timings, _ = _measure(pipeline, raw, str(path))
        total_seconds += seconds
        total_bytes += size
        stages.update(timings)
        if size >= 100_000 and seconds / (size / 1_000_000) > slowest[0]:
            slowest = (seconds / (size / 1_000_000), path.name, size)
    megabytes = total_bytes / 1_000_000
    print(f"{folder}: {len(paths)} pages, {megabytes:.1f} MB, {total_seconds / megabytes:.2f} s/MB "
          f"(stages: {_stage_columns(dict(stages), megabytes).split()} for {', '.join(STAGES)})")
    if slowest[1]:
        print(f"  slowest page over 100 KB: {slowest[1]} ({slowest[2] / 1024:.0f} KB) {slowest[0]:.2f} s/MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000], metavar="KB",
                        help="sizes of each crafted shape (default: 250 1000)")
    parser.add_argument("--real", nargs="*", default=[], metavar="FOLDER", help="folders of real pages to time")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="time at most N pages per folder, spread evenly over it")
    args = parser.parse_args()
    pipeline = pipeline_for(PipelineConfig(max_seconds_per_page=0))  # as a worker builds it
    for build in SHAPES.values():  # loads what loads lazily (the language model) before anything is timed
        pipeline.process(build(4096).encode("utf-8"), path="warm-up.html")
    worst = bench_shapes(pipeline, args.sizes)
    print(f"worst crafted shape: {worst:.2f} s/MB")
    for folder in args.real:
        bench_folder(pipeline, folder, args.limit)


if __name__ == "__main__":
    main()
