"""Score a finished run against gold files written to shared/ANNOTATION.md.

The metrics under the script's names are the ones `shared/tools/score_glossary.py` reports, computed the
same way and rounded the same way (4 decimals), so that our numbers and the reference scorer's can be
compared key by key (`tests/test_evaluate.py` runs both on the dev set and on altered copies of its run).
On top of them:

- `section_exact_by_kind` / `section_token_f1_by_kind`: the exact-match rate and mean token F1 of the
  gold sections of each kind (the script reports exact matches for three kinds and one overall F1).
- `entity_by_label`: precision, recall and F1 per label. A gold mention counts under every label in its
  `labels`. A predicted mention counts under every label in its `labels` (its primary `label` when
  `labels` is absent): both lists mean "every label this substance can carry", so a mention of dopamine
  is expected under HORMONE and under NEUROCHEMICAL alike, and a tagger that knows only one of them
  loses recall on the other. Within one label, mentions are matched as the script matches them
  overall: as a multiset of (section kind, normalised text) per record.

The gold format is docs/gold-format.md (`GOLD_SCHEMA` below checks it). Pages are matched by the base
name of `source.path` (or `source.uri`), gold records to predicted records
by term first and then in order; see `_pair_records`. As in the script, a gold record left without a
predicted one counts in `records_missing` only: its sections and mentions are not scored, so section and
entity scores describe the matched records.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, get_args

from jsonschema import Draft202012Validator

from pipeline.model import EntityLabel, SectionKind
from pipeline.run_files import RunFolderError, iter_records, iter_rejects

SECTION_KINDS: tuple[str, ...] = get_args(SectionKind)
ENTITY_LABELS: tuple[str, ...] = get_args(EntityLabel)

# The script reports exact-match rates for these kinds under their own keys.
_KINDS_WITH_OWN_EXACT_KEY = ("definition", "origin", "mechanism")
# A section this far below the gold text (token F1) is listed as a problem.
_SECTION_F1_PROBLEM_BELOW = 0.95
_DIGITS = 4

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_TYPOGRAPHIC_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})

Json = dict[str, Any]
# An entity as the scorer compares it: (section kind, normalised text).
EntityKey = tuple[Any, str]


_TEXT = {"type": "string"}
# The gold file format (docs/gold-format.md): what the scoring below reads, checked before any of it, so a
# malformed file is named with what is wrong instead of failing halfway through the scores.
GOLD_SCHEMA: Json = {
    "type": "object",
    "required": ["page"],
    "properties": {
        "page": {"type": "string", "minLength": 1},
        "expect_reject": {"type": "boolean"},
        "boilerplate": {"type": "array", "items": _TEXT},
        "records": {"type": "array", "items": {
            "type": "object",
            "required": ["term", "sections", "entities"],
            "properties": {
                "term": _TEXT,
                "sections": {"type": "array", "items": {
                    "type": "object",
                    "required": ["kind", "text"],
                    "properties": {"kind": {"enum": list(SECTION_KINDS)}, "heading": {"type": ["string", "null"]},
                                   "text": _TEXT},
                }},
                "entities": {"type": "array", "items": {
                    "type": "object",
                    "required": ["section", "text", "labels", "canonical"],
                    "properties": {"section": {"enum": list(SECTION_KINDS)}, "text": _TEXT,
                                   "labels": {"type": "array", "minItems": 1, "items": {"enum": list(ENTITY_LABELS)}},
                                   "canonical": _TEXT},
                }},
            },
        }},
    },
    # A page that gives records lists them; a page expected to be rejected may leave them out.
    "if": {"properties": {"expect_reject": {"const": True}}, "required": ["expect_reject"]},
    "else": {"required": ["records"]},
}


class GoldFolderError(RunFolderError):
    """The gold folder is missing or holds an unreadable file.

    A RunFolderError so that the command line reports it the way it reports an unreadable run.
    """


# ---------------------------------------------------------------------------------------------------------
# Text comparison, exactly as the reference scorer does it


def normalise(text: str | None) -> str:
    """NFKC, straight quotes, one space between words, lower case."""
    text = unicodedata.normalize("NFKC", text or "").translate(_TYPOGRAPHIC_QUOTES)
    return _WHITESPACE.sub(" ", text).strip().lower()


def normalise_term(term: str | None) -> str:
    """A term compared without the trailing colon, question mark or full stop some pages give it."""
    return normalise(term).strip(" .:?")


def token_f1(predicted: str, gold: str) -> float:
    """F1 of the two texts' word tokens taken as multisets; two empty texts agree completely."""
    predicted_tokens = Counter(_WORD.findall(normalise(predicted)))
    gold_tokens = Counter(_WORD.findall(normalise(gold)))
    if not predicted_tokens and not gold_tokens:
        return 1.0
    common = (predicted_tokens & gold_tokens).total()
    if common == 0:
        return 0.0
    precision = common / predicted_tokens.total()
    recall = common / gold_tokens.total()
    return 2 * precision * recall / (precision + recall)


def page_name(item: Json) -> str:
    """The gold page a record or reject belongs to: the base name of its source path."""
    source = item.get("source") or {}
    location = source.get("path") or source.get("uri") or ""
    return os.path.basename(location.split("#")[0].rstrip("/"))


# ---------------------------------------------------------------------------------------------------------
# The result


@dataclass(slots=True)
class Evaluation:
    metrics: dict[str, Any]
    problems: list[str]

    def to_json(self) -> Json:
        return {"metrics": self.metrics, "problems": self.problems}

    def table(self, show: int = 20) -> str:
        """Every metric, one per line, then the first `show` problems.

        The script's metrics come first, in its order and format, so the two tables can be read side by side;
        per-kind metrics follow as `parent.kind` lines and per-label entity scores as one line per label.
        """
        rows = list(_flat_metrics({name: value for name, value in self.metrics.items() if name != "entity_by_label"}))
        for label, scores in self.metrics.get("entity_by_label", {}).items():
            rows.append(
                (
                    f"entity_by_label.{label}",
                    f"P {scores['precision']}  R {scores['recall']}  F1 {scores['f1']}"
                    f"  (tp {scores['tp']}, fp {scores['fp']}, fn {scores['fn']})",
                )
            )
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        lines.append("")
        shown = self.problems[: max(show, 0)]
        lines.append(f"{len(self.problems)} problems" + (f"; first {len(shown)}:" if shown else ""))
        lines.extend(f"  {problem}" for problem in shown)
        return "\n".join(lines)


def _flat_metrics(metrics: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, value in metrics.items():
        if isinstance(value, dict):
            yield from _flat_metrics(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


# ---------------------------------------------------------------------------------------------------------
# Counting


@dataclass(slots=True)
class _EntityTally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Counter[EntityKey], predicted: Counter[EntityKey]) -> None:
        self.tp += (gold & predicted).total()
        self.fn += (gold - predicted).total()
        self.fp += (predicted - gold).total()

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    def f1(self) -> float:
        precision, recall = self.precision(), self.recall()
        return round(2 * precision * recall / (precision + recall), _DIGITS) if precision + recall else 0.0

    def to_json(self) -> Json:
        return {
            "precision": round(self.precision(), _DIGITS),
            "recall": round(self.recall(), _DIGITS),
            "f1": self.f1(),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(slots=True)
class _Tally:
    """Everything counted over the gold pages, turned into metrics at the end."""

    counts: Counter[str] = field(default_factory=Counter)
    section_f1: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Every section's F1 in document order: the mean sums them in the script's order, to the last bit.
    section_f1_all: list[float] = field(default_factory=list)
    entities: _EntityTally = field(default_factory=_EntityTally)
    entities_by_label: dict[str, _EntityTally] = field(
        default_factory=lambda: {label: _EntityTally() for label in ENTITY_LABELS}
    )
    label_right: int = 0
    label_checked: int = 0
    pairs_right: int = 0
    pairs_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def rate(self, part: str, whole: str) -> float | None:
        return _ratio(self.counts[part], self.counts[whole])

    def metrics(self) -> dict[str, Any]:
        kinds_seen = [kind for kind in SECTION_KINDS if self.counts[f"sections_{kind}"]]
        metrics: dict[str, Any] = {
            "pages": self.counts["pages"],
            "records_expected": self.counts["records_expected"],
            "records_produced": self.counts["records_produced"],
            "records_missing": self.counts["records_missing"],
            "records_extra": self.counts["records_extra"],
            "reject_accuracy": self.rate("rejects_right", "rejects_expected"),
            "term_exact": self.rate("terms_right", "records_matched"),
            "boilerplate_leak_records": self.counts["records_leaking"],
            "section_exact_all": self.rate("sections_all_exact", "sections_all"),
        }
        for kind in _KINDS_WITH_OWN_EXACT_KEY:
            metrics[f"{kind}_exact"] = self.rate(f"sections_{kind}_exact", f"sections_{kind}")
        metrics |= {
            "section_token_f1_mean": _mean(self.section_f1_all),
            "spurious_sections": self.counts["sections_spurious"],
            "entity_precision": round(self.entities.precision(), _DIGITS),
            "entity_recall": round(self.entities.recall(), _DIGITS),
            "entity_f1": self.entities.f1(),
            "entity_label_accuracy": _ratio(self.label_right, self.label_checked),
            "normalisation_pair_accuracy": _ratio(self.pairs_right, self.pairs_checked),
            "unknown_pages": self.counts["unknown_pages"],
            # Ours, beyond the reference scorer's keys:
            "section_exact_by_kind": {
                kind: self.rate(f"sections_{kind}_exact", f"sections_{kind}") for kind in kinds_seen
            },
            "section_token_f1_by_kind": {kind: _mean(self.section_f1[kind]) for kind in kinds_seen},
            "entity_by_label": {label: tally.to_json() for label, tally in self.entities_by_label.items()},
        }
        return metrics


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, _DIGITS) if whole else None


def _mean(values: list[float]) -> float | None:
    # sum()/len() in one go, as the script does, so that rounding sees the same float.
    return round(sum(values) / len(values), _DIGITS) if values else None


# ---------------------------------------------------------------------------------------------------------
# Scoring


def evaluate_run(run_dir: Path, gold_dir: Path) -> Evaluation:
    """Score the records and rejects in `run_dir` against every `*.json` gold file in `gold_dir`."""
    records_by_page: defaultdict[str, list[Json]] = defaultdict(list)
    for record in iter_records(run_dir):
        records_by_page[page_name(record)].append(record)
    rejects_by_page = Counter(page_name(reject) for reject in iter_rejects(run_dir))

    tally = _Tally()
    for gold in _read_gold(gold_dir):
        _score_page(gold, records_by_page.get(gold["page"], []), rejects_by_page[gold["page"]], tally)
    # A page of the run with no gold file at all (run over other inputs, or a gold file missing).
    for page in set(records_by_page) | set(rejects_by_page):
        if not (gold_dir / f"{page}.json").exists():
            tally.counts["unknown_pages"] += 1
    return Evaluation(metrics=tally.metrics(), problems=tally.problems)


def _read_gold(gold_dir: Path) -> Iterator[Json]:
    """The gold files in file name order (the order problems are listed in)."""
    if not gold_dir.is_dir():
        raise GoldFolderError(f"{gold_dir} is not a folder of gold files")
    for path in sorted(gold_dir.iterdir(), key=lambda path: path.name):
        if not path.name.endswith(".json"):
            continue
        try:
            gold = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise GoldFolderError(f"{path}: cannot read gold file: {error}") from error
        problem = next(iter(sorted(_gold_validator().iter_errors(gold), key=lambda e: list(e.absolute_path))), None)
        if problem is not None:
            where = "/".join(map(str, problem.absolute_path)) or "the file"
            raise GoldFolderError(f"{path}: not a gold file: {where}: {problem.message} (see docs/gold-format.md)")
        gold.setdefault("records", [])
        yield gold


@cache
def _gold_validator() -> Draft202012Validator:
    return Draft202012Validator(GOLD_SCHEMA)


def _score_page(gold: Json, predicted: list[Json], rejects: int, tally: _Tally) -> None:
    page = gold["page"]
    tally.counts["pages"] += 1
    if gold.get("expect_reject"):
        tally.counts["rejects_expected"] += 1
        if rejects and not predicted:
            tally.counts["rejects_right"] += 1
        else:
            tally.problems.append(f"{page}: expected a reject, got {len(predicted)} record(s)")
        return

    tally.counts["records_expected"] += len(gold["records"])
    tally.counts["records_produced"] += len(predicted)
    if not predicted:
        tally.problems.append(f"{page}: no record" + (" (rejected)" if rejects else " (and no reject)"))

    snippets = [normalise(snippet) for snippet in gold.get("boilerplate", [])]
    for record in predicted:
        visible = normalise(" ".join(_visible_texts(record)))
        if any(snippet and snippet in visible for snippet in snippets):
            tally.counts["records_leaking"] += 1
            tally.problems.append(f"{page}: boilerplate leaked into '{record.get('term')}'")

    pairs, extra = _pair_records(gold["records"], predicted)
    tally.counts["records_extra"] += len(extra)
    for gold_record, record in pairs:
        if record is None:
            tally.counts["records_missing"] += 1
            continue
        tally.counts["records_matched"] += 1
        if normalise_term(record.get("term")) == normalise_term(gold_record["term"]):
            tally.counts["terms_right"] += 1
        else:
            tally.problems.append(f"{page}: term '{record.get('term')}' != '{gold_record['term']}'")
        _score_sections(page, gold_record, record, tally)
        _score_entities(page, gold_record, record, tally)


def _visible_texts(record: Json) -> Iterator[str]:
    """Every text of a record a reader sees, where leaked boilerplate would show."""
    yield record.get("term") or ""
    for section in record.get("sections") or []:
        yield section.get("text") or ""
        yield section.get("heading") or ""


def _pair_records(gold_records: list[Json], predicted: list[Json]) -> tuple[list[tuple[Json, Json | None]], list[Json]]:
    """Pair each gold record of a page with a predicted one: same term first, then the leftovers in order.

    Returns the pairs (predicted None when none is left) and the predicted records left over.
    """
    free = list(range(len(predicted)))
    pairs: list[tuple[Json, Json | None]] = []
    unpaired: list[Json] = []
    for gold_record in gold_records:
        term = normalise_term(gold_record["term"])
        same_term = next((i for i in free if normalise_term(predicted[i].get("term")) == term), None)
        if same_term is None:
            unpaired.append(gold_record)
        else:
            free.remove(same_term)
            pairs.append((gold_record, predicted[same_term]))
    for gold_record in unpaired:
        pairs.append((gold_record, predicted[free.pop(0)] if free else None))
    return pairs, [predicted[i] for i in free]


def _score_sections(page: str, gold_record: Json, record: Json, tally: _Tally) -> None:
    """The n-th gold section of a kind is compared with the n-th predicted section of that kind."""
    predicted_by_kind: defaultdict[Any, list[Json]] = defaultdict(list)
    for section in record.get("sections") or []:
        predicted_by_kind[section.get("kind")].append(section)

    seen_of_kind: Counter[str] = Counter()
    for gold_section in gold_record["sections"]:
        kind = gold_section["kind"]
        index = seen_of_kind[kind]
        seen_of_kind[kind] += 1
        tally.counts[f"sections_{kind}"] += 1
        tally.counts["sections_all"] += 1
        candidates = predicted_by_kind.get(kind, [])
        section = candidates[index] if index < len(candidates) else None
        predicted_text = section.get("text") if section else ""
        if section is not None and normalise(predicted_text) == normalise(gold_section["text"]):
            tally.counts[f"sections_{kind}_exact"] += 1
            tally.counts["sections_all_exact"] += 1
        f1 = token_f1(predicted_text, gold_section["text"])
        tally.section_f1[kind].append(f1)
        tally.section_f1_all.append(f1)
        if section is None:
            tally.problems.append(f"{page}: '{gold_record['term']}' has no {kind} section #{index}")
        elif f1 < _SECTION_F1_PROBLEM_BELOW:
            tally.problems.append(f"{page}: '{gold_record['term']}' {kind} token-F1 {f1:.2f}")

    gold_kinds = {section["kind"] for section in gold_record["sections"]}
    for kind, sections in predicted_by_kind.items():
        if kind not in gold_kinds:
            tally.counts["sections_spurious"] += len(sections)


def _score_entities(page: str, gold_record: Json, record: Json, tally: _Tally) -> None:
    sections = record.get("sections") or []

    def predicted_kind(entity: Json) -> Any:
        """The kind of the section a predicted mention points at (gold mentions name the kind itself)."""
        index = entity.get("section")
        if isinstance(index, int) and 0 <= index < len(sections):
            return sections[index].get("kind")
        return index

    def gold_kind(entity: Json) -> Any:
        return entity["section"]

    gold_entities: list[Json] = gold_record["entities"]
    predicted_entities: list[Json] = record.get("entities") or []
    gold_keys = _entity_keys(gold_entities, gold_kind)
    predicted_keys = _entity_keys(predicted_entities, predicted_kind)
    tally.entities.add(gold_keys, predicted_keys)
    # One problem per distinct mention, however often it is missed.
    tally.problems.extend(f"{page}: missed entity {key}" for key in gold_keys - predicted_keys)
    tally.problems.extend(f"{page}: spurious entity {key}" for key in predicted_keys - gold_keys)

    for label, label_tally in tally.entities_by_label.items():
        label_tally.add(
            _entity_keys((e for e in gold_entities if label in e["labels"]), gold_kind),
            _entity_keys((e for e in predicted_entities if label in _predicted_labels(e)), predicted_kind),
        )

    matched = _matched_mentions(gold_entities, predicted_entities, gold_kind, predicted_kind)
    for gold_entity, entity in matched:
        tally.label_checked += 1
        key = (gold_kind(gold_entity), normalise(gold_entity["text"]))
        if entity.get("label") in gold_entity["labels"]:
            tally.label_right += 1
            # Right primary label, but a different label set moves the per-label scores: say why.
            if set(_predicted_labels(entity)) != set(gold_entity["labels"]):
                tally.problems.append(
                    f"{page}: labels {sorted(_predicted_labels(entity))} for {key} != {sorted(gold_entity['labels'])}"
                )
        else:
            tally.problems.append(f"{page}: label {entity.get('label')} for {key} is none of {gold_entity['labels']}")
    _score_normalisation(matched, tally)


def _entity_keys(entities: Iterable[Json], kind_of: Callable[[Json], Any]) -> Counter[EntityKey]:
    return Counter((kind_of(entity), normalise(entity.get("text"))) for entity in entities)


def _predicted_labels(entity: Json) -> list[Any]:
    labels = entity.get("labels")
    return labels if isinstance(labels, list) else [entity.get("label")]


def _matched_mentions(
    gold_entities: list[Json],
    predicted_entities: list[Json],
    gold_kind: Callable[[Json], Any],
    predicted_kind: Callable[[Json], Any],
) -> list[tuple[Json, Json]]:
    """Gold and predicted mentions paired in document order within each (section kind, text) key.

    The order of the pairs (gold keys in first-seen order) is the script's; the label and normalisation
    scores do not depend on it, but problems are listed in it.
    """
    gold_by_key: defaultdict[EntityKey, list[Json]] = defaultdict(list)
    for entity in gold_entities:
        gold_by_key[(gold_kind(entity), normalise(entity["text"]))].append(entity)
    predicted_by_key: defaultdict[EntityKey, list[Json]] = defaultdict(list)
    for entity in predicted_entities:
        predicted_by_key[(predicted_kind(entity), normalise(entity.get("text")))].append(entity)
    return [
        pair
        for key, gold_of_key in gold_by_key.items()
        for pair in zip(gold_of_key, predicted_by_key.get(key, []), strict=False)
    ]


def _score_normalisation(matched: list[tuple[Json, Json]], tally: _Tally) -> None:
    """Over every two matched mentions with different surfaces: do both agree whether they are one substance?

    Two mentions with the same surface say nothing about synonym handling, so they are skipped.
    """
    for first_index, (gold_first, predicted_first) in enumerate(matched):
        for gold_second, predicted_second in matched[first_index + 1 :]:
            if normalise(gold_first["text"]) == normalise(gold_second["text"]):
                continue
            tally.pairs_checked += 1
            same_in_gold = gold_first["canonical"] == gold_second["canonical"]
            canonical = predicted_first.get("canonical")
            same_predicted = bool(canonical) and normalise(canonical) == normalise(predicted_second.get("canonical"))
            if same_in_gold == same_predicted:
                tally.pairs_right += 1
