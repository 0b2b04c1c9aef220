"""evaluate: our scorer against the reference script on the dev set, and on tiny hand-made runs."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.quality.evaluate import Evaluation, GoldFolderError, evaluate_run, token_f1
from pipeline.run_files import RunFolderError, iter_records, iter_rejects

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCRIPT = SHARED / "tools" / "score_glossary.py"
DEV = SHARED / "data" / "glossary-dev"


# ---------------------------------------------------------------------------------------------------------
# Helpers: runs and gold written by hand


def write_run(run_dir: Path, records: list[dict], rejects: list[dict] = ()) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, items in (("records.jsonl", records), ("rejects.jsonl", rejects)):
        lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        (run_dir / name).write_text(lines, encoding="utf-8")
    return run_dir


def write_gold(gold_dir: Path, *golds: dict) -> Path:
    gold_dir.mkdir(parents=True, exist_ok=True)
    for gold in golds:
        (gold_dir / f"{gold['page']}.json").write_text(json.dumps(gold), encoding="utf-8")
    return gold_dir


def entity(section: int, text: str, label: str, canonical: str, labels: list[str] | None = None) -> dict:
    return {"section": section, "text": text, "label": label, "labels": labels or [label], "canonical": canonical}


def record(page: str, term: str, sections: list[tuple[str, str | None, str]], entities: list[dict]) -> dict:
    return {
        "id": "0" * 16,
        "term": term,
        "source": {"path": f"pages/{page}"},
        "sections": [{"kind": kind, "heading": heading, "text": text} for kind, heading, text in sections],
        "entities": entities,
    }


LEAD = "Cortisol pulse is the morning rise of cortisol, which dopamine does not set."
ORIGIN = "The name comes from studies of adrenal output sampled every hour."
SECOND_LEAD = "Melatonin onset is the evening rise of melatonin."

GOLD = {
    "page": "cortisol-pulse.html",
    "expect_reject": False,
    "boilerplate": ["We use cookies to improve your experience on this site"],
    "records": [
        {
            "term": "Cortisol Pulse",
            "sections": [
                {"kind": "definition", "heading": None, "text": LEAD},
                {"kind": "origin", "heading": "Origin", "text": ORIGIN},
            ],
            "entities": [
                {"section": "definition", "text": "cortisol", "labels": ["HORMONE"], "canonical": "cortisol"},
                {"section": "definition", "text": "dopamine", "labels": ["HORMONE", "NEUROCHEMICAL"],
                 "canonical": "dopamine"},
            ],
        },
        {
            "term": "Melatonin Onset",
            "sections": [{"kind": "definition", "heading": None, "text": SECOND_LEAD}],
            "entities": [
                {"section": "definition", "text": "melatonin", "labels": ["HORMONE", "NEUROCHEMICAL"],
                 "canonical": "melatonin"},
            ],
        },
    ],
}
GOLD_REJECT = {"page": "not-found.html", "expect_reject": True, "boilerplate": [], "records": []}


def perfect_records() -> list[dict]:
    return [
        record(
            "cortisol-pulse.html",
            "Cortisol Pulse",
            [("definition", None, LEAD), ("origin", "Origin", ORIGIN)],
            [
                entity(0, "cortisol", "HORMONE", "cortisol"),
                entity(0, "dopamine", "NEUROCHEMICAL", "dopamine", ["NEUROCHEMICAL", "HORMONE"]),
            ],
        ),
        record(
            "cortisol-pulse.html",
            "Melatonin Onset",
            [("definition", None, SECOND_LEAD)],
            [entity(0, "melatonin", "HORMONE", "melatonin", ["HORMONE", "NEUROCHEMICAL"])],
        ),
    ]


REJECT = {"source": {"path": "pages/not-found.html"}, "reason": "not-a-glossary-entry", "detail": "a 404 page"}


def score(tmp_path: Path, records: list[dict], rejects: list[dict] = (REJECT,)) -> Evaluation:
    gold_dir = tmp_path / "gold"
    if not gold_dir.exists():
        write_gold(gold_dir, GOLD, GOLD_REJECT)
    return evaluate_run(write_run(tmp_path / "run", records, rejects), gold_dir)


# ---------------------------------------------------------------------------------------------------------
# Hand-made runs: each fault moves its metric


def test_a_perfect_run_scores_one_everywhere(tmp_path):
    result = score(tmp_path, perfect_records())
    metrics = result.metrics
    assert result.problems == []
    assert metrics["pages"] == 2
    assert (metrics["records_expected"], metrics["records_produced"]) == (2, 2)
    assert metrics["records_missing"] == metrics["records_extra"] == metrics["boilerplate_leak_records"] == 0
    for name in ("reject_accuracy", "term_exact", "section_exact_all", "definition_exact", "origin_exact",
                 "section_token_f1_mean", "entity_precision", "entity_recall", "entity_f1",
                 "entity_label_accuracy", "normalisation_pair_accuracy"):
        assert metrics[name] == 1.0, name
    assert metrics["mechanism_exact"] is None  # no gold mechanism section
    assert metrics["section_token_f1_by_kind"] == {"definition": 1.0, "origin": 1.0}
    assert metrics["entity_by_label"]["HORMONE"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                                     "tp": 3, "fp": 0, "fn": 0}
    # dopamine and melatonin carry both labels in the gold, so they count under NEUROCHEMICAL too.
    assert metrics["entity_by_label"]["NEUROCHEMICAL"]["tp"] == 2


def test_a_missing_record_is_counted(tmp_path):
    result = score(tmp_path, perfect_records()[:1])
    assert result.metrics["records_missing"] == 1
    assert result.metrics["records_produced"] == 1
    # As in the reference script, a missing record's sections and mentions are not scored at all:
    # entity recall and section F1 cover matched records only, records_missing says what was lost.
    assert result.metrics["entity_recall"] == 1.0
    assert result.metrics["section_exact_all"] == 1.0


def test_no_record_at_all_is_a_problem(tmp_path):
    result = score(tmp_path, [])
    assert result.metrics["records_missing"] == 2
    assert "cortisol-pulse.html: no record (and no reject)" in result.problems
    assert result.metrics["term_exact"] is None  # nothing matched, nothing to rate


def test_an_extra_record_is_counted(tmp_path):
    extra = record("cortisol-pulse.html", "Cookie Policy", [("definition", None, "Cookies help us.")], [])
    result = score(tmp_path, [*perfect_records(), extra])
    assert result.metrics["records_extra"] == 1
    assert result.metrics["records_produced"] == 3
    assert result.metrics["term_exact"] == 1.0  # the two real records still pair by term


def test_leaked_boilerplate_is_found_in_section_text(tmp_path):
    records = perfect_records()
    leaked = ORIGIN + "\n\nWe use  cookies to improve your experience on this site and to count visits."
    records[0]["sections"][1]["text"] = leaked
    result = score(tmp_path, records)
    assert result.metrics["boilerplate_leak_records"] == 1
    assert "cortisol-pulse.html: boilerplate leaked into 'Cortisol Pulse'" in result.problems
    assert result.metrics["origin_exact"] == 0.0
    assert result.metrics["section_token_f1_by_kind"]["origin"] < 1.0


def test_a_wrong_term_still_pairs_by_order_and_lowers_term_exact(tmp_path):
    records = perfect_records()
    records[1]["term"] = "Melatonin Onset | Glossary"
    result = score(tmp_path, records)
    assert result.metrics["term_exact"] == 0.5
    assert result.metrics["records_missing"] == result.metrics["records_extra"] == 0
    assert "cortisol-pulse.html: term 'Melatonin Onset | Glossary' != 'Melatonin Onset'" in result.problems
    assert result.metrics["section_exact_all"] == 1.0  # its sections are still compared


def test_terms_compare_without_case_or_trailing_punctuation(tmp_path):
    records = perfect_records()
    records[0]["term"] = "cortisol pulse:"
    assert score(tmp_path, records).metrics["term_exact"] == 1.0


def test_a_wrong_label_lowers_label_accuracy_and_moves_the_per_label_scores(tmp_path):
    records = perfect_records()
    records[0]["entities"][0] = entity(0, "cortisol", "NEUROCHEMICAL", "cortisol")
    result = score(tmp_path, records)
    metrics = result.metrics
    assert metrics["entity_label_accuracy"] == round(2 / 3, 4)
    assert metrics["entity_f1"] == 1.0  # the span is still right
    assert metrics["entity_by_label"]["HORMONE"]["fn"] == 1
    assert metrics["entity_by_label"]["HORMONE"]["recall"] == round(2 / 3, 4)
    assert metrics["entity_by_label"]["NEUROCHEMICAL"]["fp"] == 1
    assert metrics["entity_by_label"]["NEUROCHEMICAL"]["precision"] == round(2 / 3, 4)
    assert any("label NEUROCHEMICAL for ('definition', 'cortisol')" in problem for problem in result.problems)


def test_one_label_where_the_gold_gives_two_costs_recall_under_the_other(tmp_path):
    records = perfect_records()
    records[0]["entities"][1] = entity(0, "dopamine", "NEUROCHEMICAL", "dopamine")
    metrics = score(tmp_path, records).metrics
    assert metrics["entity_label_accuracy"] == 1.0  # either label is right
    assert metrics["entity_by_label"]["NEUROCHEMICAL"]["fn"] == 0
    assert metrics["entity_by_label"]["HORMONE"]["fn"] == 1


def test_missed_and_spurious_entities(tmp_path):
    records = perfect_records()
    records[0]["entities"] = [
        records[0]["entities"][0],
        entity(1, "adrenal", "HORMONE", "adrenal"),  # not a mention in the gold
    ]  # dopamine missed
    result = score(tmp_path, records)
    assert result.metrics["entity_precision"] == round(2 / 3, 4)
    assert result.metrics["entity_recall"] == round(2 / 3, 4)
    assert "cortisol-pulse.html: missed entity ('definition', 'dopamine')" in result.problems
    assert "cortisol-pulse.html: spurious entity ('origin', 'adrenal')" in result.problems


def test_a_mention_in_the_wrong_section_kind_does_not_match(tmp_path):
    records = perfect_records()
    records[0]["entities"][0]["section"] = 1
    assert score(tmp_path, records).metrics["entity_recall"] == round(2 / 3, 4)


def test_sections_missing_spurious_and_partly_right(tmp_path):
    records = perfect_records()
    records[0]["sections"] = [
        {"kind": "definition", "heading": None, "text": LEAD.replace("morning", "early morning")},
        {"kind": "risk", "heading": "Risks", "text": "None known."},
    ]
    records[0]["entities"] = []
    result = score(tmp_path, records)
    metrics = result.metrics
    assert metrics["spurious_sections"] == 1
    assert metrics["origin_exact"] == 0.0
    assert metrics["section_token_f1_by_kind"]["origin"] == 0.0
    assert 0.9 < metrics["section_token_f1_by_kind"]["definition"] < 1.0
    assert metrics["definition_exact"] == 0.5
    assert "cortisol-pulse.html: 'Cortisol Pulse' has no origin section #0" in result.problems


def test_a_merged_canonical_lowers_normalisation_accuracy(tmp_path):
    records = perfect_records()
    records[0]["entities"][1]["canonical"] = "cortisol"  # dopamine and cortisol as one substance
    assert score(tmp_path, records).metrics["normalisation_pair_accuracy"] == 0.0


def test_rejects_are_scored(tmp_path):
    assert score(tmp_path, perfect_records(), rejects=[]).metrics["reject_accuracy"] == 0.0
    page_record = record("not-found.html", "Page Not Found", [("definition", None, "Sorry.")], [])
    result = score(tmp_path, [*perfect_records(), page_record])
    assert result.metrics["reject_accuracy"] == 0.0
    assert "not-found.html: expected a reject, got 1 record(s)" in result.problems


def test_pages_without_gold_are_counted_as_unknown(tmp_path):
    stray = record("elsewhere.html", "Elsewhere", [("definition", None, "Text.")], [])
    stray_reject = {**REJECT, "source": {"path": "pages/other.html"}}
    metrics = score(tmp_path, [*perfect_records(), stray], rejects=[REJECT, stray_reject]).metrics
    assert metrics["unknown_pages"] == 2


def test_token_f1():
    assert token_f1("", "") == 1.0
    assert token_f1("a b", "") == 0.0
    assert token_f1("The  Cat’s", "the cat's") == 1.0
    assert token_f1("a b c d", "a b") == pytest.approx(2 / 3)


def test_table_and_json(tmp_path):
    records = perfect_records()
    records[0]["term"] = "Wrong"
    result = score(tmp_path, records)
    table = result.table(show=1)
    assert "term_exact" in table and "section_token_f1_by_kind.definition" in table
    assert "entity_by_label.HORMONE" in table
    assert "1 problems; first 1:" in table
    assert "  cortisol-pulse.html: term 'Wrong' != 'Cortisol Pulse'" in table
    assert "problems" in result.table(show=0) and "term 'Wrong'" not in result.table(show=0)
    assert json.loads(json.dumps(result.to_json())) == {"metrics": result.metrics, "problems": result.problems}


def test_unreadable_folders_raise(tmp_path):
    with pytest.raises(RunFolderError):
        evaluate_run(tmp_path / "no-run", write_gold(tmp_path / "gold", GOLD))
    with pytest.raises(GoldFolderError):
        evaluate_run(write_run(tmp_path / "run", perfect_records()), tmp_path / "no-gold")
    (tmp_path / "gold" / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(GoldFolderError):
        evaluate_run(tmp_path / "run", tmp_path / "gold")


def test_the_command_prints_the_table_and_writes_json(tmp_path):
    gold_dir = write_gold(tmp_path / "gold", GOLD, GOLD_REJECT)
    run_dir = write_run(tmp_path / "run", perfect_records(), [REJECT])
    out = tmp_path / "scores.json"
    done = subprocess.run([sys.executable, "-m", "pipeline", "evaluate", str(run_dir), str(gold_dir), "--json",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "entity_f1" in done.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["metrics"]["entity_f1"] == 1.0
    missing = subprocess.run([sys.executable, "-m", "pipeline", "evaluate", str(tmp_path / "nothing"),
                              str(gold_dir)], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert f"no such run folder: {tmp_path / 'nothing'}" in missing.stderr


def _documented_gold() -> list[dict]:
    """The example gold files of docs/gold-format.md, as written there."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "gold-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 2, "the format page shows one page with records and one expected reject"
    return [json.loads(block) for block in blocks]


def test_the_documented_gold_format_scores_a_matching_run_perfectly(tmp_path):
    page, not_found = _documented_gold()
    gold_dir = write_gold(tmp_path / "gold", page, not_found)
    records = []
    for gold_record in page["records"]:
        kinds = [section["kind"] for section in gold_record["sections"]]
        sections = [(section["kind"], section["heading"], section["text"]) for section in gold_record["sections"]]
        entities = [entity(kinds.index(e["section"]), e["text"], e["labels"][0], e["canonical"], e["labels"])
                    for e in gold_record["entities"]]
        records.append(record(page["page"], gold_record["term"], sections, entities))
    rejects = [{**REJECT, "source": {"path": f"pages/{not_found['page']}"}}]
    result = evaluate_run(write_run(tmp_path / "run", records, rejects), gold_dir)
    assert result.problems == []
    assert result.metrics["pages"] == 2 and result.metrics["reject_accuracy"] == 1.0
    for name in ("term_exact", "section_exact_all", "entity_f1", "entity_label_accuracy"):
        assert result.metrics[name] == 1.0, name


@pytest.mark.parametrize(
    ("damage", "where"),
    [(lambda gold: gold.pop("records"), "the file: 'records' is a required property"),
     (lambda gold: gold["records"][0]["sections"][1].update(kind="intro"), "records/0/sections/1/kind: 'intro'"),
     (lambda gold: gold["records"][0]["entities"][0].update(labels="HORMONE"), "records/0/entities/0/labels:"),
     (lambda gold: gold["records"][0]["entities"][1].pop("canonical"), "records/0/entities/1: 'canonical' is"),
     (lambda gold: gold.update(page=7), "page: 7 is not of type 'string'")],
    ids=["no-records", "unknown-kind", "labels-not-a-list", "no-canonical", "page-not-text"],
)
def test_a_malformed_gold_file_is_named_with_what_is_wrong(damage, where, tmp_path):
    page, _ = _documented_gold()
    damage(page)
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "cortisol-pulse.html.json").write_text(json.dumps(page), encoding="utf-8")
    run_dir = write_run(tmp_path / "run", perfect_records())
    done = subprocess.run([sys.executable, "-m", "pipeline", "evaluate", str(run_dir), str(gold_dir)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{gold_dir / 'cortisol-pulse.html.json'}: not a gold file: {where}" in done.stderr


# ---------------------------------------------------------------------------------------------------------
# Agreement with the reference script on the dev set (and on damaged copies of its run)


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory) -> Path:
    if not SCRIPT.is_file() or not (DEV / "pages").is_dir():
        pytest.skip(f"the shared folder {SHARED} (score_glossary.py and glossary-dev) is not present")
    out = tmp_path_factory.mktemp("dev-run")
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(DEV / "pages"), "-o", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def script_scores(run_dir: Path, tmp_path: Path) -> dict:
    out = tmp_path / f"script-{run_dir.name}.json"
    done = subprocess.run([sys.executable, str(SCRIPT), str(run_dir), str(DEV / "gold"), "--json", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def assert_agrees_with_script(run_dir: Path, tmp_path: Path) -> Evaluation:
    expected = script_scores(run_dir, tmp_path)
    ours = evaluate_run(run_dir, DEV / "gold")
    for name, value in expected["metrics"].items():
        assert name in ours.metrics, f"metric {name} missing"
        assert ours.metrics[name] == value, f"{name}: ours {ours.metrics[name]!r}, script {value!r}"
    # We add label problems the script does not list; every problem it lists we list, in its order.
    script_problems = expected["problems"]
    assert [problem for problem in ours.problems if problem in set(script_problems)] == script_problems
    return ours


def test_dev_set_scores_agree_with_the_script(dev_run, tmp_path):
    ours = assert_agrees_with_script(dev_run, tmp_path)
    assert ours.metrics["records_produced"] > 0
    assert set(ours.metrics["entity_by_label"]) == {"HORMONE", "NEUROCHEMICAL"}
    assert "definition" in ours.metrics["section_token_f1_by_kind"]


def damage(records: list[dict], rejects: list[dict]) -> tuple[list[dict], list[dict]]:
    """A copy of the dev run with one of each kind of fault, so every branch of both scorers is exercised."""
    records, rejects = copy.deepcopy(records), copy.deepcopy(rejects)
    records.pop(0)  # a page with no record
    records[0]["term"] += " | Glossary"  # a wrong term
    records[1]["sections"][0]["text"] += " We use cookies to improve your experience."  # partly right
    records[1]["sections"][-1]["text"] = "Accept all cookies"  # far off
    records[2]["sections"].append({"kind": "risk", "heading": "Risks", "text": "Cookie settings"})  # spurious
    records[2]["sections"] = records[2]["sections"][1:]  # missing definition, entity sections now off by one
    for mention in records[3]["entities"][::2]:  # wrong labels and canonicals
        mention["label"] = "NEUROCHEMICAL" if mention["label"] == "HORMONE" else "HORMONE"
        mention["labels"] = [mention["label"]]
        mention["canonical"] = "something else"
    records[4]["entities"] = records[4]["entities"][::2]  # missed mentions
    records[5]["entities"] += records[5]["entities"][:3]  # spurious duplicates
    records.append({**records[6], "term": "Extra Entry"})  # an extra record
    records.append({**records[7], "source": {"path": "pages/unknown-page.html"}})  # a page without gold
    rejects.pop(0)  # an expected reject missing
    leaked = json.loads((DEV / "gold" / f"{page_of(records[8])}.json").read_text(encoding="utf-8"))["boilerplate"]
    if leaked:
        records[8]["sections"][0]["text"] += "\n\n" + leaked[0]
    return records, rejects


def page_of(item: dict) -> str:
    return Path(item["source"]["path"]).name


def test_damaged_dev_run_scores_agree_with_the_script(dev_run, tmp_path):
    records, rejects = damage(list(iter_records(dev_run)), list(iter_rejects(dev_run)))
    damaged = write_run(tmp_path / "damaged", records, rejects)
    ours = assert_agrees_with_script(damaged, tmp_path)
    metrics = ours.metrics
    assert metrics["records_extra"] >= 1 and metrics["unknown_pages"] >= 1
    assert metrics["reject_accuracy"] < 1.0 and metrics["term_exact"] < 1.0
    assert metrics["entity_label_accuracy"] < 1.0 and metrics["normalisation_pair_accuracy"] < 1.0
    assert metrics["spurious_sections"] >= 1 and metrics["entity_precision"] < 1.0
