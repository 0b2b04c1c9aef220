"""Sections per second: EntityTagger alone vs spacy.blank("en") tokenisation alone, same texts.

Texts: every glossary-dev gold section and every BC5CDR dev document. The tagger is timed
per record (tag_record over a record's sections; one BC5CDR document is one record), the
tokenizer over the same texts via nlp.pipe. The full spaCy path (tokenizer + component) is
timed too, for callers that want Doc objects. The tagger's cost per 1,000 characters is the number
to compare between lexicon versions; the shared machine is noisy, so compare runs made back to back
(the ratio to tokenisation time is steadier than either number).

Usage: tagger_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityTagger, build_nlp  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def load_records() -> list[list[str]]:
    records = [
        [s["text"] for s in rec["sections"]]
        for path in sorted((DATA / "glossary-dev" / "gold").glob("*.json"))
        for rec in json.loads(path.read_text(encoding="utf-8"))["records"]
    ]
    with (DATA / "bc5cdr" / "dev.jsonl").open(encoding="utf-8") as f:
        records += [[json.loads(line)["text"]] for line in f]
    return records


def best_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="take the best of N runs")
    args = ap.parse_args()

    records = load_records()
    texts = [t for rec in records for t in rec]
    tagger = EntityTagger()
    blank = spacy.blank("en")
    full = build_nlp()

    # Warm-up so lazy initialisation is not timed.
    tagger.tag_record(records[0])
    list(blank.pipe(texts[:10]))
    list(full.pipe(texts[:10]))

    t_tagger = best_time(lambda: [tagger.tag_record(rec) for rec in records], args.repeat)
    t_tokenize = best_time(lambda: list(blank.pipe(texts)), args.repeat)
    t_full = best_time(lambda: list(full.pipe(texts)), args.repeat)

    n = len(texts)
    chars = sum(map(len, texts))
    print(f"texts: {n} sections ({len(records)} records, {chars:,} characters)")
    print(f"EntityTagger.tag_record        {n / t_tagger:10.0f} sections/s")
    print(f"EntityTagger per 1,000 chars   {t_tagger / chars * 1e9:10.1f} microseconds")
    print(f"spacy.blank('en') tokenisation {n / t_tokenize:10.0f} sections/s")
    print(f"build_nlp() pipe (tok + comp.) {n / t_full:10.0f} sections/s")
    print(f"ratio tagger / tokenisation time:      {t_tagger / t_tokenize:.2f}")
    print(f"ratio full pipe / tokenisation time:   {t_full / t_tokenize:.2f}")


if __name__ == "__main__":
    main()
