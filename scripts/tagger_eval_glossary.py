"""Score the entity tagger alone on glossary-dev: gold section texts in, entity metrics out.

Each gold record's section texts go through EntityTagger.tag_record; the records (gold
sections + predicted entities) are then scored by the shared scorer
(../shared/tools/score_glossary.py), so the numbers are computed exactly as for a full run.
Only the entity lines are meaningful here (sections are gold by construction).

Usage: tagger_eval_glossary.py [--data DIR] [--show N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityTagger  # noqa: E402

SHARED = ROOT.parent / "shared"
ENTITY_METRICS = (
    "entity_precision",
    "entity_recall",
    "entity_f1",
    "entity_label_accuracy",
    "normalisation_pair_accuracy",
)


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_glossary", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predicted_records(gold_dir: Path, tagger: EntityTagger) -> list[dict]:
    records = []
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        for rec in gold["records"]:
            sections = rec["sections"]
            per_section = tagger.tag_record([s["text"] for s in sections])
            entities = [
                {"section": i, "text": m.text, "label": m.label, "labels": list(m.labels), "canonical": m.canonical}
                for i, mentions in enumerate(per_section)
                for m in mentions
            ]
            records.append(
                {"source": {"path": gold["page"]}, "term": rec["term"], "sections": sections, "entities": entities}
            )
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "glossary-dev")
    ap.add_argument("--scorer", type=Path, default=SHARED / "tools" / "score_glossary.py")
    ap.add_argument("--show", type=int, default=20, help="print up to N entity problems")
    args = ap.parse_args()

    scorer = load_scorer(args.scorer)
    records = predicted_records(args.data / "gold", EntityTagger())
    with tempfile.TemporaryDirectory() as run_dir:
        with open(Path(run_dir) / "records.jsonl", "w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
        metrics, problems = scorer.score(run_dir, str(args.data / "gold"))
    for key in ENTITY_METRICS:
        print(f"{key:<28}  {metrics[key]}")
    entity_problems = [p for p in problems if " entity " in p]
    print(f"\n{len(entity_problems)} entity problems" + (":" if entity_problems and args.show else ""))
    for line in entity_problems[: args.show]:
        print("  " + line)


if __name__ == "__main__":
    main()
