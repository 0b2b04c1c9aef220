"""Block phrases for the names of synthetic analogues in the shared vocabulary that hold a lexicon name.

ANNOTATION.md tags no analogue: "desmopressin" is no vasopressin, "NPH insulin" no insulin, "delta-cortisone"
(prednisone) no cortisone. The shared vocabulary-mesh.tsv lists every analogue's MeSH names (kind
`synthetic_analogue`, and the `generic` headings). A name that holds a lexicon name ("1-desamino-8-arginine
vasopressin") would otherwise give that substance as a mention, so each such name is a block phrase of
pipeline/entities/never_tag.tsv, with the vocabulary row it comes from as its reason.

Left out, because the contract tags them as the substance and the tagger's rules already say so:
- inverted MeSH forms ("Insulin, Isophane"), which texts do not write;
- names the tagger reads whole: listed, or an ester the ester rule names ("estradiol enanthate"), but not an
  enantiomer the L-/D-/DL- rule would read as the hormone ("D-thyroxine" is dextrothyroxine);
- a peptide's fragment or chain length ("ACTH 1-24", "CCK-4", "gastrin tetrapeptide"): the fragment rule tags it
  as the hormone, since a fragment is chemically part of it;
- a species, origin or racemate qualifier before a lexicon name ("porcine insulin", "synthetic ACTH",
  "racemic epinephrine"): the mention is the substance, as in "human insulin".

Usage: vocabulary_analogue_blocks.py [--write]   (without --write: print the rows that are missing)
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityTagger  # noqa: E402
from pipeline.entities.lexicon import NEVER_TAG_PATH  # noqa: E402

VOCABULARY_MESH = ROOT.parent / "shared" / "data" / "vocabulary-mesh.tsv"
ANALOGUE_KINDS = ("synthetic_analogue", "generic")
FRAGMENT = re.compile(r"\(\d{1,3}-\d{1,3}\)|\d{1,3}-\d{1,3}|[ \-]\d{1,2}$|(?:tetra|penta|octa)peptide", re.IGNORECASE)
STEREO_PREFIX = re.compile(r"(?:[LD]|DL)-", re.IGNORECASE)
QUALIFIER = re.compile(r"^(?:human|porcine|bovine|ovine|synthetic|recombinant|racemic(?: mixture)?) ", re.IGNORECASE)


def analogue_names(path: Path = VOCABULARY_MESH) -> list[tuple[str, str, str]]:
    """(name, MeSH id, vocabulary canonical) of every analogue name the vocabulary lists."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["kind"] in ANALOGUE_KINDS]
    return [(name, r["mesh"], r["canonical"]) for r in rows for name in r["synonyms"].split("|") if name]


def names_to_block(tagger: EntityTagger, path: Path = VOCABULARY_MESH) -> list[tuple[str, str, str]]:
    """The analogue names whose text gives a mention today and that no rule above leaves to the tagger."""
    out = []
    for name, mesh, canonical in analogue_names(path):
        if ", " in name or FRAGMENT.search(name):
            continue
        mentions = tagger.tag_text(name)
        if not mentions:
            continue
        if any(m.start == 0 and m.end == len(name) for m in mentions) and not STEREO_PREFIX.match(name):
            continue  # a name the lexicon lists, or an ester the ester rule names ("estradiol enanthate")
        if QUALIFIER.match(name) and mentions[-1].end == len(name):
            continue
        out.append((name, mesh, canonical))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="append the missing rows to never_tag.tsv")
    args = ap.parse_args()
    rows = names_to_block(EntityTagger())
    lines = [f"{name.lower()}\tblock\tvocabulary-mesh.tsv: a name of the synthetic analogue {canonical} ({mesh}); "
             "ANNOTATION.md tags no analogue" for name, mesh, canonical in rows]
    for line in lines:
        print(line)
    if args.write and lines:
        with NEVER_TAG_PATH.open("a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    print(f"{len(lines)} rows {'written' if args.write else 'missing'}", file=sys.stderr)


if __name__ == "__main__":
    main()
