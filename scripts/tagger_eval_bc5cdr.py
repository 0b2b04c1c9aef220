"""Score the entity tagger on BC5CDR in-scope Chemical mentions (tier core, ANNOTATION.md scope).

Each document (title + abstract) is tagged as one record. Scoring, exact span:
- gold = Chemical mentions whose MeSH id is a core-tier row of scope-train-dev.tsv;
- a prediction on exactly a gold span is a TP; one on a span listed in
  known-unannotated-train-dev.tsv is not counted (BC5CDR leaves most peptide hormones
  unannotated); every other prediction is a FP, including those on out-of-scope Chemicals;
- MeSH accuracy is over TPs.
The overlap-based variant (BC5CDR spans differ from ANNOTATION.md, e.g. whole drug names) is
printed next to it: a prediction overlapping a gold span matches it.

Usage: tagger_eval_bc5cdr.py [--split dev|train|both] [--show N]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityTagger, Mention  # noqa: E402

BC5CDR = ROOT.parent / "shared" / "data" / "bc5cdr"

Span = tuple[str, int, int]  # pmid, start, end


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def evaluate(docs: list[dict], tagger: EntityTagger, show: int) -> dict[str, float]:
    core = {r["mesh"] for r in read_tsv(BC5CDR / "scope-train-dev.tsv") if r["tier"] == "core"}
    unannotated = {
        (r["pmid"], int(r["start"]), int(r["end"])) for r in read_tsv(BC5CDR / "known-unannotated-train-dev.tsv")
    }
    gold: dict[Span, str] = {}
    out_of_scope: set[Span] = set()
    predicted: dict[Span, Mention] = {}
    for doc in docs:
        for m in doc["mentions"]:
            if m["type"] == "Chemical":
                key = (doc["pmid"], m["start"], m["end"])
                if m["mesh"] in core:
                    gold[key] = m["mesh"]
                else:
                    out_of_scope.add(key)
        for mention in tagger.tag_text(doc["text"]):
            predicted[(doc["pmid"], mention.start, mention.end)] = mention

    texts = {doc["pmid"]: doc["text"] for doc in docs}
    scored = {k: v for k, v in predicted.items() if k not in unannotated}
    tp = [k for k in scored if k in gold]
    fp = [k for k in scored if k not in gold]
    fn = [k for k in gold if k not in predicted]
    mesh_ok = sum(predicted[k].mesh == gold[k] for k in tp)

    by_doc: dict[str, list[Span]] = {}
    for k in gold:
        by_doc.setdefault(k[0], []).append(k)

    def overlaps(k: Span) -> list[Span]:
        return [g for g in by_doc.get(k[0], []) if g[1] < k[2] and k[1] < g[2]]

    overlap_tp = sum(bool(overlaps(k)) for k in scored)
    overlap_found = {g for k in predicted for g in overlaps(k)}

    results = {
        "gold_in_scope": len(gold),
        "predicted_scored": len(scored),
        "ignored_known_unannotated": len(predicted) - len(scored),
        "exact_recall": len(tp) / len(gold) if gold else 0.0,
        "exact_precision": len(tp) / len(scored) if scored else 0.0,
        "mesh_accuracy": mesh_ok / len(tp) if tp else 0.0,
        "overlap_recall": len(overlap_found) / len(gold) if gold else 0.0,
        "overlap_precision": overlap_tp / len(scored) if scored else 0.0,
        "fp_on_out_of_scope_chemicals": sum(k in out_of_scope for k in fp),
    }
    if show:
        fn_texts = Counter(texts[k[0]][k[1] : k[2]] for k in fn)
        fp_texts = Counter(predicted[k].text for k in fp)
        bad_mesh = Counter((predicted[k].text, predicted[k].mesh, gold[k]) for k in tp if predicted[k].mesh != gold[k])
        print("missed:", fn_texts.most_common(show))
        print("false positives:", fp_texts.most_common(show))
        print("wrong MeSH (text, predicted, gold):", bad_mesh.most_common(show))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "train", "both"), default="dev")
    ap.add_argument("--show", type=int, default=0, help="list the N most frequent misses and false positives")
    args = ap.parse_args()
    splits = ("dev", "train") if args.split == "both" else (args.split,)
    docs = [json.loads(line) for s in splits for line in (BC5CDR / f"{s}.jsonl").open(encoding="utf-8")]
    results = evaluate(docs, EntityTagger(), args.show)
    print(f"split: {args.split} ({len(docs)} documents)")
    for key, value in results.items():
        print(f"{key:<28}  {value:.4f}" if isinstance(value, float) else f"{key:<28}  {value}")


if __name__ == "__main__":
    main()
