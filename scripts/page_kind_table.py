"""The page stage's evidence table on a page set with page types (wcxb-dev's metadata.json).

    .venv/bin/python scripts/page_kind_table.py ../shared/data/wcxb-dev [--workers 2]

For every page: clean it, decide its kind, and note which checks fired. Prints, per check,
the share of each page type on which it fires (a check worth its weight fires far more
often on the types it speaks for than on the others: this table is how the weights in
pipeline/stages/page_kind_rules.json were set), then the kinds decided per page type, and
how often the decided kind is the page type (collection counts as listing, service as
landing; an article page decided an entry counts as right, the benchmark's articles include
"What is X?" pages).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from multiprocessing import Pool
from pathlib import Path

from pipeline.api import PipelineConfig, clean_page
from pipeline.rejects import Rejected
from pipeline.stages.page_kind import classify

_SAME_KIND = {"collection": "listing", "service": "landing"}


def _judge(path: str) -> tuple[str, str | None, list[str]]:
    """(file id, decided kind or None when the page cannot be cleaned, the checks that fired)."""
    file_id = Path(path).name.split(".")[0]
    try:
        decoded, page = clean_page(Path(path).read_bytes(), path, PipelineConfig())
    except Rejected:
        return file_id, None, []
    verdict = classify(page, Path(path).name, plain_text=decoded.media_type == "text/plain")
    return file_id, verdict.kind, [e.code for e in verdict.evidence]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="a folder with html/ and metadata.json, as ../shared/data/wcxb-dev")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    data = Path(args.data)
    metadata = json.loads((data / "metadata.json").read_text(encoding="utf-8"))["files"]
    types = {key: value["page_type"] for key, value in metadata.items()}
    paths = sorted(str(p) for p in (data / "html").iterdir() if p.name.split(".")[0] in types)
    with Pool(args.workers) as pool:
        results = pool.map(_judge, paths, chunksize=8)
    pages: Counter[str] = Counter()
    fired: dict[str, Counter[str]] = defaultdict(Counter)
    decided: dict[str, Counter[str]] = defaultdict(Counter)
    right: Counter[str] = Counter()
    for file_id, kind, codes in results:
        page_type = types[file_id]
        pages[page_type] += 1
        decided[page_type][kind or "unreadable"] += 1
        right[page_type] += kind == _SAME_KIND.get(page_type, page_type) or (
            page_type == "article" and kind in ("entry", "glossary-list"))
        for code in set(codes):
            fired[code][page_type] += 1
    columns = sorted(pages)
    print("share of pages on which each check fires, by page type")
    print(f"{'check':22}" + "".join(f"{t[:11]:>12}" for t in columns))
    for code in sorted(fired):
        print(f"{code:22}" + "".join(f"{fired[code][t] / pages[t]:12.2f}" for t in columns))
    print("\nkinds decided, by page type")
    for page_type in columns:
        print(f"  {page_type:14} {pages[page_type]:5d}  {dict(decided[page_type].most_common())}")
    shares = ", ".join(f"{t} {right[t] / pages[t]:.2f}" for t in columns)
    print(f"\ndecided kind is the page type: {shares}; all {sum(right.values()) / sum(pages.values()):.2f}")


if __name__ == "__main__":
    main()
