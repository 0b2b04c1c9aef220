"""Batch benchmark: the full pipeline on 1 and on all workers against trafilatura alone, and peak memory.

    .venv/bin/python scripts/bench_batch.py                       # 2,000 pages, memory check at 20,000
    .venv/bin/python scripts/bench_batch.py --pages 500 --memory-pages 0

Builds a corpus of varied glossary pages from templates (four layouts: article, A-Z
definition list, page with styles, scripts, navigation, cookie banner, link sidebar and
footer, page with lists and h3 sections), then runs each measurement in a fresh
subprocess and samples the resident memory of that subprocess and all its children
(psutil) to get the peak of the tree.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

SUBSTANCES = ["Serotonin", "Dopamine", "Cortisol", "Melatonin", "Oxytocin", "Ghrelin", "Leptin", "Insulin",
              "Thyroxine", "Adrenaline", "Prolactin", "GABA", "Glutamate", "Acetylcholine", "Vasopressin",
              "Estradiol", "Testosterone", "Progesterone", "Noradrenaline", "Endorphin"]
CONCEPTS = ["Tone", "Balance", "Rhythm", "Surge", "Sensitivity", "Threshold", "Feedback", "Window", "Reserve",
            "Drive", "Clearance", "Pulse", "Cascade", "Set Point", "Signalling"]
SENTENCES = [
    "{s} levels rise and fall over the day in a pattern that most adults share.",
    "The term describes how strongly tissues respond to {s} when its concentration changes.",
    "Clinicians use the idea to explain why the same dose can have different effects in different people.",
    "Researchers first described the pattern after repeated blood sampling in volunteers kept on fixed schedules.",
    "It is shaped by sleep, meals, stress and the time of year, and it changes with age.",
    "Receptors in the hypothalamus read the signal and adjust the release of other hormones in turn.",
    "Low values are linked with fatigue and poor concentration, high values with restlessness.",
    "The concept appears in endocrinology textbooks and in research on mood and metabolism.",
    "Measurements are usually taken in the morning, because the values drift later in the day.",
    "Feedback loops keep the system within a range that suits the body's current needs.",
    "Medicines that block reuptake or breakdown of {s} shift the pattern within days.",
    "Animal studies suggest the mechanism is conserved across mammals.",
]
HEADINGS = [("Origin", 2), ("Mechanism", 3), ("Clinical significance", 2), ("How it is measured", 2),
            ("Risks", 2), ("Related terms", 1)]
COOKIE = ('<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience and to '
          'measure traffic. By clicking accept you agree to our use of cookies.</p><button>Accept all</button>'
          "<button>Manage preferences</button></div>")
NAV = ('<header><nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/glossary">Glossary</a></li>'
       '<li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>')
HEAD_EXTRAS = ("<style>" + "".join(f".c{n}{{margin:{n}px;padding:{n % 7}px}}" for n in range(150)) + "</style>"
               "<script>" + "".join(f"window.t{n}=function(){{return {n};}};" for n in range(120)) + "</script>")
SIDEBAR = ('<aside class="sidebar"><h3>More terms</h3><ul>'
           + "".join(f'<li><a href="/glossary/{s.lower()}-{c.lower().replace(" ", "-")}">{s} {c}</a></li>'
                     for s in SUBSTANCES[:8] for c in CONCEPTS[:5]) + "</ul></aside>")
FOOTER = ('<footer class="site-footer"><p>© 2024 Health Glossary. All rights reserved.</p><p><a href="/privacy">'
          'Privacy</a> | <a href="/terms">Terms</a></p></footer>')


def _prose(rng: random.Random, substance: str, count: int) -> str:
    return " ".join(rng.choice(SENTENCES).format(s=substance) for _ in range(count))


def _sections(rng: random.Random, substance: str, level: int) -> str:
    body = ""
    for heading, sentences in rng.sample(HEADINGS, rng.randint(1, 4)):
        paragraphs = "".join(f"<p>{_prose(rng, substance, sentences + rng.randint(1, 4))}</p>"
                             for _ in range(rng.randint(1, 3)))
        body += f"<h{level}>{heading}</h{level}>{paragraphs}"
    return body


def make_page(number: int) -> str:
    rng = random.Random(number)
    substance = rng.choice(SUBSTANCES)
    term = f"{substance} {rng.choice(CONCEPTS)} {number}"
    layout = number % 4
    lead = f"<p>{term} is {_prose(rng, substance, rng.randint(2, 4))}</p>"
    if layout == 0:
        body = f"<main><article><h1>{term}</h1>{lead}{_sections(rng, substance, 2)}</article></main>"
    elif layout == 1:
        items = "".join(f"<dt>{substance} {c} {number}</dt><dd>{_prose(rng, substance, rng.randint(2, 3))}</dd>"
                        for c in rng.sample(CONCEPTS, 3))
        term = f"{substance} Glossary {number}"
        body = f"<main><h1>{term}</h1><dl>{items}</dl></main>"
    elif layout == 2:
        body = f"{COOKIE}{NAV}<main><article><h1>{term}</h1>{lead}{_sections(rng, substance, 2)}</article></main>"
        body += f'<aside class="related"><h3>Related</h3><ul><li><a href="/a">{substance} basics</a></li></ul></aside>'
        body += SIDEBAR + FOOTER
    else:
        items = "".join(f"<li>{_prose(rng, substance, 1)}</li>" for _ in range(rng.randint(2, 5)))
        body = f"{NAV}<div class='content'><h1>{term}</h1>{lead}<ul>{items}</ul>{_sections(rng, substance, 3)}</div>"
        body += FOOTER
    extras = HEAD_EXTRAS if layout >= 2 else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term} | Health Glossary</title>'
            f"{extras}</head><body>{body}</body></html>")


def build_corpus(folder: Path, pages: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(pages):
        (folder / f"page-{number:06d}.html").write_text(make_page(number), encoding="utf-8")
    return folder


def measure(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of the command's whole process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    root = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return time.perf_counter() - started, peak


def trafilatura_alone(folder: str) -> None:
    """Run in a subprocess: trafilatura.extract on every page, one process."""
    import trafilatura

    for path in sorted(Path(folder).iterdir()):
        trafilatura.extract(path.read_text(encoding="utf-8"))


def _pipeline(corpus: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", str(corpus), "-o", str(out), "--workers", str(workers)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--memory-pages", type=int, default=20000, help="second corpus size for memory (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--trafilatura-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trafilatura_only:
        trafilatura_alone(args.trafilatura_only)
        return

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temp:
        work = Path(temp)
        corpus = build_corpus(work / "corpus", args.pages)
        size = sum(p.stat().st_size for p in corpus.iterdir())
        print(f"corpus: {args.pages} pages, {size / args.pages / 1024:.1f} KB per page on average")
        # Other processes on the machine take cores from the workers: the load says how many.
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

        traf_s, traf_mem = measure([sys.executable, __file__, "--trafilatura-only", str(corpus)])
        one_s, one_mem = measure(_pipeline(corpus, work / "out-1", 1))
        all_s, all_mem = measure(_pipeline(corpus, work / "out-n", args.workers))
        report = json.loads((work / "out-n" / "run.json").read_text())["counts"]

        rows = [("trafilatura.extract alone, 1 process", traf_s, traf_mem),
                ("full pipeline, 1 worker", one_s, one_mem),
                (f"full pipeline, {args.workers} workers", all_s, all_mem)]
        print(f"records {report['records']}, rejects {report['rejects']}")
        print(f"{'measurement':40} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}")
        for name, seconds, memory in rows:
            print(f"{name:40} {seconds:8.1f} {args.pages / seconds:8.1f} {memory / 2**20:8.0f}")
        print(f"pipeline 1 worker / trafilatura, time per page: {one_s / traf_s:.2f}x (target <= 1.5)")
        print(f"pipeline {args.workers} workers vs 1 worker, speed-up: {one_s / all_s:.2f}x (target >= 1.7)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")

        if args.memory_pages:
            big = build_corpus(work / "corpus-big", args.memory_pages)
            big_s, big_mem = measure(_pipeline(big, work / "out-big", args.workers))
            print(f"{f'full pipeline, {args.workers} workers, {args.memory_pages} pages':40} {big_s:8.1f} "
                  f"{args.memory_pages / big_s:8.1f} {big_mem / 2**20:8.0f}")
            print(f"peak memory {args.memory_pages} pages / {args.pages} pages: {big_mem / all_mem:.2f}x "
                  "(target <= 1.2)")


if __name__ == "__main__":
    main()
