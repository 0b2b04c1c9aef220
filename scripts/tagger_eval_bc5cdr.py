"""Score the entity tagger on BC5CDR in-scope Chemical mentions (tier core, ANNOTATION.md scope).

Each document (title + abstract) is tagged as one record. Scoring, exact span:
- gold = Chemical mentions whose MeSH id is a core-tier row of scope-train-dev.tsv (a composite
  "ID|ID" only when every part is, as the folder's README defines it);
- a prediction on exactly a gold span is a TP; one that overlaps a hit listed in
  known-unannotated-train-dev.tsv and no gold Chemical mention is not counted (BC5CDR leaves most
  peptide hormones unannotated; the list's regex spans are often shorter than the tagger's name of
  the same substance: "natriuretic peptide" in "brain natriuretic peptide"); every other
  prediction is a FP, including those on out-of-scope Chemicals;
- MeSH accuracy is over TPs (a composite gold id never equals the one id a mention carries).
The overlap-based variant (BC5CDR spans differ from ANNOTATION.md, e.g. whole drug names) is
printed next to it: a prediction overlapping a gold span matches it.

Per kind (endogenous, class, precursor, metabolite, ester_or_conjugate of scope-train-dev.tsv, or of the
shared vocabulary-mesh.tsv for a prediction's own id): recall over the gold mentions of that kind, and
precision over the scored predictions that are of it, a TP by its gold id, a FP by the id it carries
("(no core id)" when that id is of no core kind or there is none).

Usage: tagger_eval_bc5cdr.py [--split dev|train|both] [--show N] [--by-kind]
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
VOCABULARY_MESH = BC5CDR.parent / "vocabulary-mesh.tsv"
CORE_KINDS = ("endogenous", "class", "precursor", "metabolite", "ester_or_conjugate")
NO_KIND = "(no core id)"

Span = tuple[str, int, int]  # pmid, start, end


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_scope() -> tuple[set[str], set[Span]]:
    """The core-tier MeSH ids and the known-unannotated hits of the shared BC5CDR folder."""
    core = {r["mesh"] for r in read_tsv(BC5CDR / "scope-train-dev.tsv") if r["tier"] == "core"}
    unannotated = {
        (r["pmid"], int(r["start"]), int(r["end"])) for r in read_tsv(BC5CDR / "known-unannotated-train-dev.tsv")
    }
    return core, unannotated


def load_kinds() -> dict[str, str]:
    """MeSH id -> core kind: BC5CDR's own scope rows first, then the shared vocabulary's for other ids."""
    kinds = {r["mesh"]: r["kind"] for r in read_tsv(VOCABULARY_MESH) if r["kind"] in CORE_KINDS}
    kinds.update({r["mesh"]: r["kind"] for r in read_tsv(BC5CDR / "scope-train-dev.tsv") if r["kind"] in CORE_KINDS})
    return kinds


def by_kind(
    gold: dict[Span, str], scored: dict[Span, Mention], kinds: dict[str, str]
) -> dict[str, tuple[int, int, int]]:
    """kind -> (gold mentions, scored predictions, true positives)."""
    counts: dict[str, list[int]] = {}
    for mesh in gold.values():
        counts.setdefault(kinds.get(mesh, NO_KIND), [0, 0, 0])[0] += 1
    for key, mention in scored.items():
        kind = kinds.get(gold[key], NO_KIND) if key in gold else kinds.get(mention.mesh or "", NO_KIND)
        row = counts.setdefault(kind, [0, 0, 0])
        row[1] += 1
        row[2] += key in gold
    return {kind: (g, p, t) for kind, (g, p, t) in counts.items()}


def _overlaps_any(key: Span, spans_by_doc: dict[str, list[tuple[int, int]]]) -> bool:
    return any(start < key[2] and key[1] < end for start, end in spans_by_doc.get(key[0], ()))


def evaluate(
    docs: list[dict],
    tagger: EntityTagger,
    show: int,
    core: set[str],
    unannotated: set[Span],
    kinds: dict[str, str] | None = None,
) -> dict[str, float]:
    gold: dict[Span, str] = {}
    out_of_scope: set[Span] = set()
    predicted: dict[Span, Mention] = {}
    chemical_spans: dict[str, list[tuple[int, int]]] = {}
    for doc in docs:
        for m in doc["mentions"]:
            if m["type"] == "Chemical":
                key = (doc["pmid"], m["start"], m["end"])
                chemical_spans.setdefault(doc["pmid"], []).append((m["start"], m["end"]))
                if set(m["mesh"].split("|")) <= core:
                    gold[key] = m["mesh"]
                else:
                    out_of_scope.add(key)
        for mention in tagger.tag_text(doc["text"]):
            predicted[(doc["pmid"], mention.start, mention.end)] = mention

    unannotated_by_doc: dict[str, list[tuple[int, int]]] = {}
    for pmid, start, end in unannotated:
        unannotated_by_doc.setdefault(pmid, []).append((start, end))

    def is_known_unannotated(key: Span) -> bool:
        # The listed hits overlap no gold Chemical by construction; a prediction that reaches one must not
        # either, or it could be a wrong span of an annotated mention.
        return _overlaps_any(key, unannotated_by_doc) and not _overlaps_any(key, chemical_spans)

    texts = {doc["pmid"]: doc["text"] for doc in docs}
    scored = {k: v for k, v in predicted.items() if k in gold or not is_known_unannotated(k)}
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
        # of those, the ones a listed hit only overlaps (an exact-span-only discount would count them as FPs)
        "ignored_by_overlap_only": sum(k not in scored and k not in unannotated for k in predicted),
        "exact_recall": len(tp) / len(gold) if gold else 0.0,
        "exact_precision": len(tp) / len(scored) if scored else 0.0,
        "mesh_accuracy": mesh_ok / len(tp) if tp else 0.0,
        "overlap_recall": len(overlap_found) / len(gold) if gold else 0.0,
        "overlap_precision": overlap_tp / len(scored) if scored else 0.0,
        "fp_on_out_of_scope_chemicals": sum(k in out_of_scope for k in fp),
    }
    if kinds is not None:
        print(f"{'kind':<20} {'gold':>5} {'scored':>6} {'TP':>4} {'recall':>7} {'precision':>9}")
        for kind, (g, p, t) in sorted(by_kind(gold, scored, kinds).items(), key=lambda kv: -kv[1][0]):
            recall = f"{t / g:.4f}" if g else "-"
            precision = f"{t / p:.4f}" if p else "-"
            print(f"{kind:<20} {g:>5} {p:>6} {t:>4} {recall:>7} {precision:>9}")
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
    ap.add_argument("--by-kind", action="store_true", help="recall and precision per kind of substance")
    args = ap.parse_args()
    splits = ("dev", "train") if args.split == "both" else (args.split,)
    docs = [json.loads(line) for s in splits for line in (BC5CDR / f"{s}.jsonl").open(encoding="utf-8")]
    results = evaluate(docs, EntityTagger(), args.show, *load_scope(), kinds=load_kinds() if args.by_kind else None)
    print(f"split: {args.split} ({len(docs)} documents)")
    for key, value in results.items():
        print(f"{key:<28}  {value:.4f}" if isinstance(value, float) else f"{key:<28}  {value}")


if __name__ == "__main__":
    main()
