"""Regenerate docs/benchmarks.md: every figure the project states, measured now, each beside its command.

    .venv/bin/python scripts/benchmarks.py                       # every section (20-40 minutes on 2 cores)
    .venv/bin/python scripts/benchmarks.py --only glossary-dev --only tagger-speed
    .venv/bin/python scripts/benchmarks.py --list                # the section names

Each section of SECTIONS is a title, the commands that produce its figures and a paragraph on
how to read them. The commands run from the repository's root, one after the other, on fresh
output folders under --work; what they print is the section's figures, copied as printed (no
number is typed in by hand). Sections need ../shared (the data sets and scorers): a section
whose inputs are missing is written as "not measured" with the path it needs.

With --only, the other sections of the existing docs/benchmarks.md are kept as they are: each
section sits between `<!-- section: NAME -->` and `<!-- end: NAME -->` lines. To add a benchmark,
append a Section to SECTIONS and run the script with --only and its name.

BC5CDR's dev split is not run here: it is looked at once, by hand, at the end of a change to the
tagger (see the README); the tagger section scores the train split.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path("../shared")
DATA = SHARED / "data"
TOOLS = SHARED / "tools"
CLI = ".venv/bin/glossary-pipeline"
PYTHON = ".venv/bin/python"
DOC = REPO / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Section:
    name: str  # for --only and the markers in the file
    title: str
    commands: tuple[str, ...]  # shell words; {out} is this section's fresh output folder under --work
    reading: str  # how to read the figures: what is measured, what is good
    needs: tuple[Path, ...] = ()  # inputs (relative to the repository) without which the section is not measured


SECTIONS: tuple[Section, ...] = (
    Section(
        "glossary-dev",
        "Glossary dev set (24 pages, 26 records)",
        (f"{CLI} run {DATA}/glossary-dev/pages -o {{out}}/run --workers 2",
         f"python3 {TOOLS}/score_glossary.py {{out}}/run {DATA}/glossary-dev/gold --show 30"),
        "The whole pipeline against the hand-made gold of ANNOTATION.md. `records_missing` and `records_extra` "
        "count records; the `_exact` rates are exact section texts after normalising (NFKC, quotes, spaces, case); "
        "entity scores compare (section kind, text) multisets; 1.0 is perfect. The problems listed after the table "
        "are every difference.",
        (DATA / "glossary-dev", TOOLS / "score_glossary.py"),
    ),
    Section(
        "wcxb-run",
        "Page kinds on real pages (wcxb-dev, 1,488 pages of seven types)",
        (f"{CLI} run {DATA}/wcxb-dev/html -o {{out}}/run --workers 2",
         f"python3 {TOOLS}/score_wcxb.py {DATA}/wcxb-dev --run {{out}}/run"),
        "None of these pages is a glossary entry list; a few article and documentation pages are definitional "
        "(\"What is X?\"). Per page type: the share rejected as not-a-glossary-entry (higher is better), and the "
        "pages that gave records. Pages rejected for another reason (not-english, text-too-long) count against the "
        "share. The run's own summary line gives its time on two workers.",
        (DATA / "wcxb-dev", TOOLS / "score_wcxb.py"),
    ),
    Section(
        "page-kind-table",
        "Which kind a page is named, against the benchmark's page type",
        (f"{PYTHON} scripts/page_kind_table.py {DATA}/wcxb-dev --workers 2",),
        "For each check of the page stage, the share of each page type it fires on (how the weights in "
        "pipeline/stages/page_kind_rules.json were set), then the kind decided per page type and how often it is the "
        "benchmark's type (collection counts as listing, service as landing).",
        (DATA / "wcxb-dev",),
    ),
    Section(
        "wcxb-clean",
        "Clean stage on real pages (wcxb-dev)",
        (f"{CLI} clean {DATA}/wcxb-dev/html -o {{out}}/clean --workers 2",
         f"python3 {TOOLS}/score_wcxb.py {DATA}/wcxb-dev --clean {{out}}/clean"),
        "The kept text of every page against the benchmark's main content: word precision, recall and F1 averaged "
        "over pages (higher is better), the share of `with` snippets kept (higher is better) and of `without` "
        "(boilerplate) snippets kept (lower is better), per page type.",
        (DATA / "wcxb-dev", TOOLS / "score_wcxb.py"),
    ),
    Section(
        "consent-pages",
        "Clean stage on consent-banner pages (252 real pages)",
        (f"{CLI} clean {DATA}/consent-pages/html -o {{out}}/clean --workers 2",
         f"python3 {TOOLS}/score_consent.py {{out}}/clean"),
        "with_recall: main-content snippets kept (higher is better); without_leak: boilerplate snippets kept, "
        "banner_kept and banner_regex: pages whose consent banner survived (lower is better). For reference, "
        "trafilatura 2.3.1 alone gives with_recall 0.940 and banner_kept 10 on this machine (the scorer's own "
        "table).",
        (DATA / "consent-pages", TOOLS / "score_consent.py"),
    ),
    Section(
        "article-benchmark",
        "Clean stage on news and blog articles (181 real pages)",
        (f"{CLI} clean {DATA}/article-benchmark/html -o {{out}}/clean --workers 2",
         f"python3 {TOOLS}/score_articles.py {{out}}/clean"),
        "Token precision, recall and F1 of the kept text against the benchmark's article text, averaged per page "
        "(trafilatura 2.3.1 alone: F1 0.954); pages_with_banner_phrases counts consent text kept (0 is right).",
        (DATA / "article-benchmark", TOOLS / "score_articles.py"),
    ),
    Section(
        "page-stage-cost",
        "What the page stage costs",
        (f"{PYTHON} scripts/bench_page_stage.py {DATA}/wcxb-dev/html {DATA}/article-benchmark/html "
         f"{DATA}/consent-pages/html --limit 150 --rounds 3",),
        "Milliseconds per page of the whole pipeline, and of the page stage's two parts (the markup count and the "
        "decision), in one process over the same pages; the share is the page stage against the rest of the "
        "pipeline. Compare the shares, which are measured in one process, rather than milliseconds across runs.",
        (DATA / "wcxb-dev", DATA / "article-benchmark", DATA / "consent-pages"),
    ),
    Section(
        "shapes",
        "Time per MB on slow shapes and real pages",
        (f"{PYTHON} scripts/bench_shapes.py --sizes 250 1000 --limit 150 --real {DATA}/wcxb-dev/html "
         f"{DATA}/article-benchmark/html {DATA}/consent-pages/html",),
        "Crafted pages that each hit one place where time could grow faster than the text, at 250 KB and 1 MB, "
        "through `GlossaryPipeline.process` on one core with the page limit off: CPU seconds per MB in total, and "
        "each stage's wall-clock seconds per MB (higher on a busy machine). A linear stage shows about the same "
        "figure at both sizes; the standard is about 2 s per MB. Then each folder of real pages, and its slowest "
        "page over 100 KB. Pages over the limit end as `timeout` rejects in a run.",
        (DATA / "wcxb-dev", DATA / "article-benchmark", DATA / "consent-pages"),
    ),
    Section(
        "more-shapes",
        "Time per MB on hostile and sloppy page shapes",
        (f"{PYTHON} scripts/bench_more_shapes.py --sizes 250 1000",),
        "107 more crafted shapes aimed at what pages carry around the text (nesting near the depth limit, forms, "
        "noscript, style and script blocks, payloads, entity- and Unicode-heavy text, plain text, gzip, and the "
        "unseen-faults corpora: attributes, comments, cells, empty elements, runs of what trafilatura deletes one "
        "by one), CPU seconds per MB at 250 KB and 1 MB; `ratio` is the larger size's figure over the smaller's: "
        "about 1 when linear.",
        (),
    ),
    Section(
        "site-templates",
        "What site-level learning costs",
        (f"{PYTHON} scripts/bench_site_templates.py --pages 300 --repeats 3 --workers 2",),
        "The `clean` command over the first 300 wcxb-dev pages with and without site templates, alternating in one "
        "process: the ratio of medians, the fingerprint pass alone, the sites that learnt a template and the pages "
        "whose kept text changed.",
        (DATA / "wcxb-dev",),
    ),
    Section(
        "real-pages",
        "The pipeline against trafilatura alone on real pages",
        (f"{PYTHON} scripts/bench_real_pages.py {DATA}/article-benchmark/html {DATA}/consent-pages/html",),
        "Milliseconds per page of `trafilatura.extract` and of the whole pipeline on the same 433 real pages in one "
        "process, start-up left out, and their ratio (the target is at most 1.5x).",
        (DATA / "article-benchmark", DATA / "consent-pages"),
    ),
    Section(
        "batch",
        "Batch runs: workers, start-up and memory",
        (f"{PYTHON} scripts/bench_batch.py --pages 2000 --memory-pages 0",),
        "Generated pages sized like real ones (the size distribution of the real-page sets), each measurement in a "
        "fresh subprocess, start-up included: trafilatura alone, the pipeline on 1 worker and on 2; pages per "
        "second, the two ratios against their targets and the peak memory of the process tree. The 2-worker "
        "speed-up moves with the load of the shared machine (the load average is printed before and after). "
        "`--memory-pages 20000` adds the memory check on ten times the pages (about 4 more minutes).",
    ),
    Section(
        "tagger-bc5cdr",
        "Entity tagger on BC5CDR (train split)",
        (f"{PYTHON} scripts/tagger_eval_bc5cdr.py --split train",),
        "In-scope core-tier Chemical mentions of BC5CDR, exact spans; predictions on spans BC5CDR leaves "
        "unannotated (known-unannotated-train-dev.tsv) are not counted. Recall, precision and MeSH-id accuracy. "
        "Rules are chosen on train; the dev split is scored once, by hand, at the end of a change to the tagger.",
        (DATA / "bc5cdr",),
    ),
    Section(
        "tagger-glossary",
        "Entity tagger alone on the glossary dev set",
        (f"{PYTHON} scripts/tagger_eval_glossary.py",),
        "The tagger on the gold section texts, scored by score_glossary.py: only the entity lines mean anything "
        "(the sections are gold by construction).",
        (DATA / "glossary-dev", TOOLS / "score_glossary.py"),
    ),
    Section(
        "tagger-speed",
        "Entity tagger speed",
        (f"{PYTHON} scripts/tagger_bench.py",),
        "Microseconds per 1,000 characters of the tagger alone, against spaCy's blank English tokeniser on the same "
        "texts; compare runs made back to back (the ratio to tokenising is steadier than either number).",
        (DATA / "glossary-dev", DATA / "bc5cdr"),
    ),
)

HEADER = """# Benchmarks and scores

Generated by `.venv/bin/python scripts/benchmarks.py` (`--only NAME` for one section): every
figure below is what its command printed on the date shown, from the repository's root, with
`../shared` (data sets and scorers) beside it. The machine has 2 cores shared with other work
and its speed varies by about ±30% from run to run: compare ratios measured in one process, not
milliseconds across runs. The git log holds earlier figures.
"""


def run_section(section: Section, work: Path) -> str:
    """The section's Markdown, with its commands run now."""
    lines = [f"<!-- section: {section.name} -->", f"## {section.title}", ""]
    missing = [str(path) for path in section.needs if not (REPO / path).exists()]
    if missing:
        lines += [f"Not measured: needs {', '.join(missing)}.", "", f"<!-- end: {section.name} -->"]
        return "\n".join(lines)
    out = work / section.name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    commands = [command.format(out=out) for command in section.commands]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    printed: list[str] = []
    for command in commands:
        print(f"[{section.name}] {command}", file=sys.stderr, flush=True)
        done = subprocess.run(shlex.split(command), cwd=REPO, capture_output=True, text=True)
        printed.append(done.stdout.rstrip())
        if done.returncode not in (0, 1):  # 1: a scorer or diff that found differences still printed its figures
            printed.append(f"(exit {done.returncode}) {done.stderr.strip()[-2000:]}")
        elif done.stderr.strip() and command.startswith(CLI):
            printed.append(done.stderr.strip()[-2000:])
    minutes = (time.perf_counter() - started) / 60
    lines += ["```sh", *_wrapped(commands), "```", "", "```", *[text for text in printed if text], "```", "",
              section.reading, "",
              f"Measured {time.strftime('%Y-%m-%d')} at commit {_commit()}, load average {load:.2f} before, "
              f"{minutes:.1f} min.", "", f"<!-- end: {section.name} -->"]
    return "\n".join(lines)


def _wrapped(commands: list[str]) -> list[str]:
    return [" \\\n    ".join(_chunks(command)) for command in commands]


def _chunks(command: str, width: int = 100) -> list[str]:
    """A long command cut at spaces into lines of at most about `width` characters."""
    chunks, current = [], ""
    for word in command.split(" "):
        if current and len(current) + len(word) + 1 > width:
            chunks.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*chunks, current]


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def existing_sections(text: str) -> dict[str, str]:
    pattern = re.compile(r"<!-- section: ([\w-]+) -->.*?<!-- end: \1 -->", re.DOTALL)
    return {match.group(1): match.group(0) for match in pattern.finditer(text)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="measure only this section (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the section names and titles")
    parser.add_argument("--work", type=Path, default=Path("/tmp/glossary-benchmarks"), help="output folders")
    parser.add_argument("--output", type=Path, default=DOC, help="the Markdown file (default docs/benchmarks.md)")
    args = parser.parse_args()
    names = [section.name for section in SECTIONS]
    if args.list:
        for section in SECTIONS:
            print(f"{section.name:20} {section.title}")
        return 0
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        parser.error(f"no section {', '.join(unknown)}; the sections are {', '.join(names)}")
    kept = existing_sections(args.output.read_text(encoding="utf-8")) if args.output.exists() else {}
    print(f"python {platform.python_version()}, {os.cpu_count()} cores", file=sys.stderr)
    parts = [HEADER]
    for section in SECTIONS:
        if args.only and section.name not in args.only:
            parts.append(kept.get(section.name) or f"<!-- section: {section.name} -->\n## {section.title}\n\n"
                                                    f"Not measured yet.\n\n<!-- end: {section.name} -->")
        else:
            parts.append(run_section(section, args.work))
        # Written after each section, so a long run that is stopped keeps what it measured.
        temp = args.output.with_name(f".{args.output.name}.tmp")
        temp.write_text("\n\n".join(parts + [kept.get(s.name, "") for s in SECTIONS[len(parts) - 1:]]).rstrip()
                        + "\n", encoding="utf-8")
        temp.replace(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
