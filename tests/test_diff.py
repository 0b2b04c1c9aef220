"""diff: two runs of the same pages agree; after editing one page and deleting another, exactly those show."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.quality.diff import changed_excerpt, diff_runs
from pipeline.run_files import RunFolderError, iter_records, iter_rejects

CORTISOL_LEAD = (
    "Cortisol pulse is the sharp morning rise of cortisol that follows waking, "
    "timed by the same clock that lowers melatonin at dawn."
)
CORTISOL_LEAD_EDITED = (
    "Cortisol pulse is the sharp morning rise of cortisol that follows waking, "
    "timed by the same clock that brings daylight alertness."
)
CORTISOL_ORIGIN = (
    "The name comes from sleep laboratory studies of the 1970s that sampled blood every twenty minutes "
    "from evening to late morning."
)
CORTISOL_ORIGIN_EDITED = (
    "The name comes from sleep laboratory studies of the 1980s that sampled saliva every thirty minutes "
    "from evening to late morning."
)
DOPAMINE_LEAD = (
    "Dopamine tone is the steady background level of dopamine in the striatum, which sets how readily "
    "a person starts a movement or pursues a reward."
)
DOPAMINE_ORIGIN = (
    "The phrase comes from pharmacology papers that compared resting and stimulated release of the "
    "transmitter in animal tissue."
)
OXYTOCIN_LEAD = (
    "Oxytocin bonding is the strengthening of social attachment that follows the release of oxytocin "
    "during touch, childbirth and nursing."
)
OXYTOCIN_ORIGIN = (
    "The idea grew from studies of prairie voles in the 1990s, whose pair bonds depended on the hormone "
    "acting in reward regions of the brain."
)


def html(term: str, lead: str, origin: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title></head>'
        f"<body><main><article><h1>{term}</h1><p>{lead}</p><h2>Origin</h2><p>{origin}</p>"
        "</article></main></body></html>"
    )


NOT_FOUND = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>'
    "<body><main><h1>404 - Page not found</h1><p>Sorry, the page you were looking for has moved or never "
    "existed. Try the search box or the glossary index.</p></main></body></html>"
)


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def run_pages(pages: Path, out: Path) -> Path:
    done = cli("run", pages, "-o", out, "--workers", "1")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    """Run A over four pages, run A2 over the same pages, run B after editing one page and deleting another."""
    root = tmp_path_factory.mktemp("diff")
    pages = root / "pages"
    pages.mkdir()
    (pages / "cortisol-pulse.html").write_text(html("Cortisol Pulse", CORTISOL_LEAD, CORTISOL_ORIGIN), "utf-8")
    (pages / "dopamine-tone.html").write_text(html("Dopamine Tone", DOPAMINE_LEAD, DOPAMINE_ORIGIN), "utf-8")
    (pages / "oxytocin-bonding.html").write_text(
        html("Oxytocin Bonding", OXYTOCIN_LEAD, OXYTOCIN_ORIGIN), "utf-8"
    )
    (pages / "missing.html").write_text(NOT_FOUND, "utf-8")
    run_a = run_pages(pages, root / "a")
    run_a2 = run_pages(pages, root / "a2")

    edited = html("Cortisol Pulse", CORTISOL_LEAD_EDITED, CORTISOL_ORIGIN_EDITED)
    (pages / "cortisol-pulse.html").write_text(edited, "utf-8")
    (pages / "oxytocin-bonding.html").unlink()
    run_b = run_pages(pages, root / "b")
    return run_a, run_a2, run_b


def test_the_runs_are_what_the_test_expects(runs):
    run_a, _, _ = runs
    records = list(iter_records(run_a))
    assert sorted(record["term"] for record in records) == ["Cortisol Pulse", "Dopamine Tone", "Oxytocin Bonding"]
    cortisol = next(record for record in records if record["term"] == "Cortisol Pulse")
    assert "melatonin" in {entity["text"] for entity in cortisol["entities"]}
    assert len(list(iter_rejects(run_a))) == 1


def test_a_run_against_itself_and_against_a_rerun_shows_no_change(runs):
    run_a, run_a2, _ = runs
    for other in (run_a, run_a2):
        result = diff_runs(run_a, other)
        assert not result.changed
        assert result.sources == []
        assert "no differences: 4 sources, 3 records, 1 rejects" in result.report()
        assert result.to_json()["changed"] is False
    done = cli("diff", run_a, run_a2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no differences" in done.stdout


def test_exactly_the_edited_and_the_deleted_page_are_reported(runs, tmp_path):
    run_a, _, run_b = runs
    result = diff_runs(run_a, run_b)
    assert result.changed
    assert [Path(source.path).name for source in result.sources] == ["cortisol-pulse.html", "oxytocin-bonding.html"]
    edited, deleted = result.sources

    assert edited.input_changed
    assert not edited.records_added and not edited.records_removed and edited.reject_status is None
    [record] = edited.records_changed
    assert record.term == "Cortisol Pulse"
    assert [(section.index, section.status) for section in record.sections] == [(0, "changed"), (1, "changed")]
    assert record.sections[1].after == {"kind": "origin", "heading": "Origin", "text": CORTISOL_ORIGIN_EDITED}
    assert dict(record.entities_lost) == {("definition", "melatonin", record_label(run_a), "melatonin"): 1}
    assert not record.entities_gained

    assert [entry["term"] for entry in deleted.records_removed] == ["Oxytocin Bonding"]
    assert not deleted.records_added and not deleted.input_changed

    totals = result.totals()
    assert totals["sources_changed"] == 2
    assert (totals["records_added"], totals["records_removed"], totals["records_changed"]) == (0, 1, 1)
    assert (totals["sections_changed"], totals["sections_added"], totals["sections_removed"]) == (2, 0, 0)
    assert (totals["entities_lost"], totals["entities_gained"]) == (1, 0)
    assert totals["rejects_added"] == totals["rejects_removed"] == totals["rejects_changed"] == 0

    report = result.report()
    assert "dopamine-tone" not in report and "missing.html" not in report
    assert "record removed: 'Oxytocin Bonding'" in report
    assert "section 1 origin 'Origin': text changed" in report
    assert "[1970s that sampled blood every twenty]" in report
    assert "[1980s that sampled saliva every thirty]" in report
    assert "entity lost: 'melatonin' in definition" in report

    out = tmp_path / "diff.json"
    done = cli("diff", run_a, run_b, "--json", out)
    assert done.returncode == 1, done.stderr
    assert done.stdout.strip() == report
    written = json.loads(out.read_text("utf-8"))
    assert written["changed"] is True and written["totals"] == totals
    assert [Path(source["path"]).name for source in written["sources"]] == [
        "cortisol-pulse.html",
        "oxytocin-bonding.html",
    ]


def record_label(run_dir: Path) -> str:
    """The label the pipeline gives melatonin (both labels are right; the primary one is the pipeline's choice)."""
    for record in iter_records(run_dir):
        for entity in record["entities"]:
            if entity["text"] == "melatonin":
                return entity["label"]
    raise AssertionError("no melatonin mention")


def test_the_diff_is_directional(runs):
    run_a, _, run_b = runs
    backwards = diff_runs(run_b, run_a)
    assert backwards.totals()["records_added"] == 1
    assert backwards.totals()["entities_gained"] == 1


def copy_run(run_dir: Path, target: Path) -> Path:
    shutil.copytree(run_dir, target)
    return target


def rewrite_jsonl(path: Path, change) -> None:
    """Edit a copied run's JSON Lines file in place (these runs are written in the default jsonl format)."""
    items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    path.write_text("".join(json.dumps(change(item)) + "\n" for item in items), "utf-8")


def test_provenance_and_timings_are_notes_not_changes(runs, tmp_path):
    run_a, _, _ = runs
    other = copy_run(run_a, tmp_path / "other")

    def new_version(record: dict) -> dict:
        record["provenance"] = {"pipeline_version": "9.9.9", "config_hash": "0123456789abcdef"}
        record["quality"]["kept_chars"] += 1  # derived, not compared
        return record

    rewrite_jsonl(other / "records.jsonl", new_version)
    report = json.loads((other / "run.json").read_text("utf-8"))
    report["pipeline_version"] = "9.9.9"
    report["timings"]["total_seconds"] = 123.0
    report["config"]["workers"] = 64
    (other / "run.json").write_text(json.dumps(report), "utf-8")

    result = diff_runs(run_a, other)
    assert not result.changed
    assert any("pipeline version differs" in note for note in result.notes)
    assert any("record config_hash differs" in note for note in result.notes)
    assert not any("workers" in note or "seconds" in note for note in result.notes)
    assert "note: pipeline version differs" in result.report()


def test_a_changed_reject_reason_and_a_heading_change(runs, tmp_path):
    run_a, _, _ = runs
    other = copy_run(run_a, tmp_path / "other")

    def rename_heading(record: dict) -> dict:
        if record["term"] == "Dopamine Tone":
            record["sections"][1]["heading"] = "History"
        return record

    rewrite_jsonl(other / "records.jsonl", rename_heading)
    rewrite_jsonl(other / "rejects.jsonl", lambda reject: {**reject, "reason": "parse-error", "detail": "broken"})
    result = diff_runs(run_a, other)
    assert [Path(source.path).name for source in result.sources] == ["dopamine-tone.html", "missing.html"]
    assert result.sources[1].reject_status == "changed"
    assert result.totals()["rejects_changed"] == 1
    [section] = result.sources[0].records_changed[0].sections
    assert section.status == "changed"
    lines = section.lines()
    assert lines[0] == "section 1 origin 'History': heading changed"
    assert lines[1] == "  was origin 'Origin'"
    assert "reject changed: not-a-glossary-entry" in result.report()


def test_a_missing_run_is_an_error(runs, tmp_path):
    run_a, _, _ = runs
    with pytest.raises(RunFolderError):
        diff_runs(run_a, tmp_path / "nothing")
    done = cli("diff", run_a, tmp_path / "nothing")
    assert done.returncode == 2
    assert f"no such run folder: {tmp_path / 'nothing'}" in done.stderr


def test_changed_excerpt_shows_the_change_with_context():
    before = "The first words stay. The middle part was old. The last words stay too."
    after = "The first words stay. The middle part is new. The last words stay too."
    old, new = changed_excerpt(before, after)
    assert "[was old.]" in old and "[is new.]" in new  # punctuation stays with its word
    assert old.startswith("The first") and old.endswith("stay too.")
    long_before = "word " * 100 + "old " + "word " * 100
    long_after = "word " * 100 + "new " + "word " * 100
    old, new = changed_excerpt(long_before, long_after)
    assert old.startswith("...") and old.endswith("...")
    assert "[old]" in old and "[new]" in new and len(old) < 120


def test_two_copies_of_a_folder_show_only_the_real_edit(tmp_path):
    """Sources are matched by their path inside the folder given, so moving the pages changes nothing."""
    first = tmp_path / "crawl-monday" / "pages"
    (first / "hormones").mkdir(parents=True)
    (first / "cortisol-pulse.html").write_text(html("Cortisol Pulse", CORTISOL_LEAD, CORTISOL_ORIGIN), "utf-8")
    (first / "hormones" / "oxytocin-bonding.html").write_text(
        html("Oxytocin Bonding", OXYTOCIN_LEAD, OXYTOCIN_ORIGIN), "utf-8"
    )
    (first / "dopamine-tone.html").write_text(html("Dopamine Tone", DOPAMINE_LEAD, DOPAMINE_ORIGIN), "utf-8")
    (first / "missing.html").write_text(NOT_FOUND, "utf-8")
    second = tmp_path / "crawl-tuesday"
    shutil.copytree(first, second)
    (second / "cortisol-pulse.html").write_text(html("Cortisol Pulse", CORTISOL_LEAD, CORTISOL_ORIGIN_EDITED), "utf-8")
    run_a, run_b = run_pages(first, tmp_path / "a"), run_pages(second, tmp_path / "b")

    result = diff_runs(run_a, run_b)
    [edited] = result.sources
    assert edited.path == str(second / "cortisol-pulse.html")
    assert (edited.path_before, edited.matched_by) == (str(first / "cortisol-pulse.html"), "relative path")
    assert edited.input_changed and not edited.records_added and not edited.records_removed
    [record] = edited.records_changed
    assert [(section.index, section.status) for section in record.sections] == [(1, "changed")]
    totals = result.totals()
    assert (totals["records_added"], totals["records_removed"], totals["records_changed"]) == (0, 0, 1)
    assert totals["rejects_added"] == totals["rejects_removed"] == 0
    assert f"4 sources of {run_b} matched to sources of {run_a} by relative path" in result.notes
    assert f"matched to {first / 'cortisol-pulse.html'} by relative path" in result.report()


def test_sources_fall_back_to_url_then_content_hash(tmp_path):
    """Pages without a common root: scraper lines match by URL, renamed files by their bytes."""
    line = {"url": "https://example.org/glossary/cortisol-pulse", "html": html("Cortisol Pulse", CORTISOL_LEAD,
                                                                              CORTISOL_ORIGIN)}
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "scrape.jsonl").write_text(json.dumps(line) + "\n", "utf-8")
    (tmp_path / "one" / "dopamine-tone.html").write_text(html("Dopamine Tone", DOPAMINE_LEAD, DOPAMINE_ORIGIN), "utf-8")
    (tmp_path / "two" / "elsewhere").mkdir(parents=True)
    edited = {**line, "html": html("Cortisol Pulse", CORTISOL_LEAD_EDITED, CORTISOL_ORIGIN)}
    # An empty line first: the record is line 2 now, so neither its path nor its relative path matches.
    (tmp_path / "two" / "elsewhere" / "scrape-2.jsonl").write_text("\n" + json.dumps(edited) + "\n", "utf-8")
    shutil.copy(tmp_path / "one" / "dopamine-tone.html", tmp_path / "two" / "dopamine-tone-renamed.html")
    run_a = run_pages(tmp_path / "one", tmp_path / "a")
    run_b = run_pages(tmp_path / "two", tmp_path / "b")

    result = diff_runs(run_a, run_b)
    [changed] = result.sources
    assert changed.matched_by == "url" and changed.path.endswith("scrape-2.jsonl#line=2")
    assert [record.term for record in changed.records_changed] == ["Cortisol Pulse"]
    assert f"1 sources of {run_b} matched to sources of {run_a} by content hash" in result.notes
    assert result.totals()["records_added"] == result.totals()["records_removed"] == 0
