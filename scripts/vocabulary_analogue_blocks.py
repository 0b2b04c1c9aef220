"""Block phrases for the names of synthetic analogues in the shared vocabulary that hold a lexicon name.

ANNOTATION.md tags no analogue: "desmopressin" is no vasopressin, "lysine vasopressin" (lypressin) none either,
"delta-cortisone" (prednisone) no cortisone. The shared vocabulary-mesh.tsv lists every analogue's MeSH names (kind
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
  "racemic epinephrine"): the mention is the substance, as in "human insulin";
- a formulation or action-time word with the hormone's name ("NPH insulin", "lente insulin", "short-acting
  insulin"): MeSH files these preparations as analogues, but their molecule may be the hormone itself
  (NPH is human insulin with protamine), which the contract tags.

The rows are computed with a tagger that has none of them, so a row that is no longer needed is found too.

Usage: vocabulary_analogue_blocks.py [--write]
  without --write: print the rows that are missing and those no longer needed (exit 1 if any);
  with --write: rewrite never_tag.tsv with exactly the needed rows (the other rows kept as they are).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities.lexicon import NEVER_TAG_PATH, NeverTag, load_never_tag  # noqa: E402
from pipeline.entities.matcher import EntityMatcher  # noqa: E402
from pipeline.entities.types import Mention  # noqa: E402

VOCABULARY_MESH = ROOT.parent / "shared" / "data" / "vocabulary-mesh.tsv"
ANALOGUE_KINDS = ("synthetic_analogue", "generic")
FRAGMENT = re.compile(r"\(\d{1,3}-\d{1,3}\)|\d{1,3}-\d{1,3}|[ \-]\d{1,2}$|(?:tetra|penta|octa)peptide", re.IGNORECASE)
STEREO_PREFIX = re.compile(r"(?:[LD]|DL)-", re.IGNORECASE)
QUALIFIER = re.compile(r"^(?:human|porcine|bovine|ovine|synthetic|recombinant|racemic(?: mixture)?) ", re.IGNORECASE)
FORMULATION = re.compile(
    r"^(?:(?:regular |neutral )?(?:isophane|nph|(?:neutral )?protamine hagedorn|lente|ultralente|semilente|biphasic"
    r"|mixed|premixed|(?:short|long|rapid|intermediate)-acting) \w+s?|\w+ mixtures)$", re.IGNORECASE)
REASON = "vocabulary-mesh.tsv: a name of the synthetic analogue"


def analogue_names(path: Path = VOCABULARY_MESH) -> list[tuple[str, str, str]]:
    """(name, MeSH id, vocabulary canonical) of every analogue name the vocabulary lists."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["kind"] in ANALOGUE_KINDS]
    return [(name, r["mesh"], r["canonical"]) for r in rows for name in r["synonyms"].split("|") if name]


def _tagger_without_these_rows() -> EntityMatcher:
    """A matcher whose never-tag list lacks the rows this script writes: what the analogue names give alone."""
    written = {line.split("\t")[0] for line in written_rows()}
    never_tag = load_never_tag()
    return EntityMatcher(never_tag=NeverTag(never_tag.generic, tuple(p for p in never_tag.block if p not in written),
                                            never_tag.derived_endings))


def needed_rows(path: Path = VOCABULARY_MESH) -> list[str]:
    """never_tag.tsv rows for the analogue names that give a mention and that no rule above leaves to the tagger."""
    matcher = _tagger_without_these_rows()

    def tag(text: str) -> list[Mention]:
        return matcher.tag_record([text])[0]

    rows: dict[str, str] = {}
    for name, mesh, canonical in analogue_names(path):
        if ", " in name or FRAGMENT.search(name) or FORMULATION.match(name):
            continue
        mentions = tag(name)
        if not mentions:
            continue
        if any(m.start == 0 and m.end == len(name) for m in mentions) and not STEREO_PREFIX.match(name):
            continue  # a name the lexicon lists, or an ester the ester rule names ("estradiol enanthate")
        if QUALIFIER.match(name) and mentions[-1].end == len(name):
            continue
        reason = f"{REASON} {canonical} ({mesh}); ANNOTATION.md tags no analogue"
        rows.setdefault(name.lower(), f"{name.lower()}\tblock\t{reason}")
    return list(rows.values())


def written_rows() -> list[str]:
    """The rows of never_tag.tsv that this script wrote."""
    lines = NEVER_TAG_PATH.read_text(encoding="utf-8").splitlines()
    return [line for line in lines[1:] if line.split("\t")[2].startswith(REASON)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite never_tag.tsv with exactly the needed rows")
    args = ap.parse_args()
    needed, written = needed_rows(), written_rows()
    missing, stale = sorted(set(needed) - set(written)), sorted(set(written) - set(needed))
    for line in missing:
        print("missing\t" + line)
    for line in stale:
        print("not needed\t" + line)
    if args.write:
        lines = NEVER_TAG_PATH.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line not in stale]
        temp = NEVER_TAG_PATH.with_name(NEVER_TAG_PATH.name + ".tmp")
        temp.write_text("\n".join(kept + missing) + "\n", encoding="utf-8")
        temp.replace(NEVER_TAG_PATH)
    print(f"{len(missing)} missing, {len(stale)} not needed{' (written)' if args.write else ''}", file=sys.stderr)
    return 0 if args.write or not (missing or stale) else 1


if __name__ == "__main__":
    sys.exit(main())
