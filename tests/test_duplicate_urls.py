"""Inputs that name one URL: a run keeps the records of the first of them in input order, and each later one
whose records would repeat its ids is a `duplicate-url` reject naming it, so that no two records of a run share
an id (a user loads records into a table keyed by id). The same holds for Parquet shards, several workers, Dask
(tests/test_batch_runs.py) and every kind of --resume."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from entry_texts import LEAD, ORIGIN
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.run_files import iter_records, iter_rejects, read_run_report
from pipeline.runner import BatchOptions, run

URL = "https://example.org/glossary/serotonin-tone"


def page(term: str, extra: str = "", canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title>{link}</head>'
            f"<body><main><article><h1>{term}</h1><p>{term} is named here. {LEAD}{extra}</p><h2>Origin</h2>"
            f"<p>{ORIGIN}</p></article></main></body></html>")


def _jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"url": url, "html": html}) + "\n" for url, html in rows), encoding="utf-8")
    return path


def _warc(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, html in rows:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                          http_headers=headers))
    return path


def _checked(out: Path) -> tuple[list[dict], list[dict], dict]:
    """The run's records, rejects and counts, after checking what a user who loads them relies on."""
    records, rejects, counts = list(iter_records(out)), list(iter_rejects(out)), read_run_report(out)["counts"]
    assert len({r["id"] for r in records}) == len(records), "two records of one run share an id"
    assert counts["records"] == len(records) and counts["rejects"] == len(rejects)
    assert counts["inputs"] == counts["sources_with_records"] + counts["rejects"]
    return records, rejects, counts


def test_two_json_lines_with_one_url_keep_the_first_and_reject_the_second_naming_it(tmp_path):
    scraped = _jsonl(tmp_path / "scraped.jsonl", [
        (URL, page("Serotonin Tone")),
        ("https://example.org/glossary/other", page("Dopamine Drive")),
        (URL, page("Serotonin Tone", extra=" A later capture with other HTML.")),  # the same URL, recaptured
    ])
    out = tmp_path / "out"
    run([str(scraped)], out)

    records, rejects, counts = _checked(out)
    assert [(r["term"], r["source"]["path"]) for r in records] == [
        ("Serotonin Tone", f"{scraped}#line=1"), ("Dopamine Drive", f"{scraped}#line=2")]
    (duplicate,) = rejects
    assert duplicate["reason"] == "duplicate-url"
    assert duplicate["source"] == {"path": f"{scraped}#line=3", "url": URL, "sha256": duplicate["source"]["sha256"]}
    assert f"{scraped}#line=1" in duplicate["detail"] and URL in duplicate["detail"]
    assert counts["rejects_by_reason"] == {"duplicate-url": 1}


def test_a_warc_record_a_json_line_and_a_saved_page_naming_one_url_give_one_set_of_records(tmp_path):
    archive = _warc(tmp_path / "crawl.warc.gz", [(URL, page("Serotonin Tone"))])
    scraped = _jsonl(tmp_path / "scraped.jsonl", [(URL, page("Serotonin Tone", extra=" Scraped again."))])
    saved = tmp_path / "saved.html"  # a page saved from the browser: its canonical link names the URL
    saved.write_text(page("Serotonin Tone", canonical=URL), encoding="utf-8")
    out = tmp_path / "out"
    run([str(archive), str(scraped), str(saved)], out, workers=2)

    records, rejects, counts = _checked(out)
    (kept,) = {r["source"]["path"] for r in records}
    assert kept.startswith(f"{archive}#offset=")  # the first input in input order
    assert [(r["source"]["path"], r["reason"]) for r in rejects] == [
        (f"{scraped}#line=1", "duplicate-url"), (str(saved), "duplicate-url")]
    assert all(kept in r["detail"] for r in rejects)
    assert counts["rejects_by_reason"] == {"duplicate-url": 2}


def test_pages_whose_canonical_links_all_name_the_home_page_keep_their_different_entries(tmp_path):
    """A site template's mistake: each page's canonical link names the home page. The terms differ, so do the
    ids: nothing is lost, and nothing would be overwritten."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for term in ("Serotonin Tone", "Dopamine Drive"):
        (pages / f"{term.lower().replace(' ', '-')}.html").write_text(
            page(term, canonical="https://example.org/"), encoding="utf-8")
    out = tmp_path / "out"
    run([str(pages)], out)

    records, rejects, _ = _checked(out)
    assert sorted(r["term"] for r in records) == ["Dopamine Drive", "Serotonin Tone"]
    assert {r["source"]["url"] for r in records} == {"https://example.org/"} and rejects == []


def test_a_duplicate_that_gives_no_records_claims_nothing(tmp_path):
    """An error page captured first does not take the URL from the good capture after it."""
    scraped = _jsonl(tmp_path / "scraped.jsonl", [
        (URL, "<html><body><h1>404</h1><p>Page not found.</p></body></html>"), (URL, page("Serotonin Tone"))])
    out = tmp_path / "out"
    run([str(scraped)], out)

    records, rejects, _ = _checked(out)
    assert {r["source"]["path"] for r in records} == {f"{scraped}#line=2"}
    assert [r["reason"] for r in rejects] == ["not-a-glossary-entry"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_shards_keep_the_first_capture_across_shards_and_a_resume_with_other_workers_agrees(tmp_path, fmt):
    rows = [(f"https://example.org/glossary/{n % 3}", page(f"Serotonin Tone {n % 3}", extra=f" Capture {n}."))
            for n in range(7)]
    scraped = _jsonl(tmp_path / "scraped.jsonl", rows)
    out = tmp_path / "out"
    run([str(scraped)], out, workers=1, options=BatchOptions(format=fmt, shard_size=2))
    records, rejects, counts = _checked(out)
    assert [r["source"]["path"] for r in records] == [f"{scraped}#line={n}" for n in (1, 2, 3)]
    assert [r["source"]["path"] for r in rejects] == [f"{scraped}#line={n}" for n in (4, 5, 6, 7)]
    assert counts["rejects_by_reason"] == {"duplicate-url": 4}

    again = run([str(scraped)], out, workers=2, options=BatchOptions(format=fmt, shard_size=2, resume=True))
    assert again.reused == 3  # the kept inputs; each duplicate is judged again against the inputs before it
    assert _checked(out) == (records, rejects, {**counts, "reused_inputs": 3})


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_resume_hands_the_url_on_when_the_first_capture_no_longer_gives_records(tmp_path, fmt):
    scraped = tmp_path / "scraped.jsonl"
    _jsonl(scraped, [(URL, page("Serotonin Tone")), (URL, page("Serotonin Tone", extra=" Recaptured."))])
    out = tmp_path / "out"
    options = BatchOptions(format=fmt, shard_size=1)
    run([str(scraped)], out, options=options)
    (first_id,) = {r["id"] for r in iter_records(out)}

    _jsonl(scraped, [(URL, ""), (URL, page("Serotonin Tone", extra=" Recaptured."))])  # the first line lost its page
    run([str(scraped)], out, options=BatchOptions(format=fmt, shard_size=1, resume=True))
    records, rejects, _ = _checked(out)
    assert [(r["source"]["path"], r["id"]) for r in records] == [(f"{scraped}#line=2", first_id)]  # same URL, same id
    assert [r["reason"] for r in rejects] == ["empty"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_reused_input_becomes_a_duplicate_when_an_earlier_input_now_names_its_url(tmp_path, fmt):
    scraped = tmp_path / "scraped.jsonl"
    _jsonl(scraped, [("https://example.org/glossary/other", page("Dopamine Drive")), (URL, page("Serotonin Tone"))])
    out = tmp_path / "out"
    run([str(scraped)], out, options=BatchOptions(format=fmt, shard_size=1))

    _jsonl(scraped, [(URL, page("Serotonin Tone", extra=" Moved.")), (URL, page("Serotonin Tone"))])
    # the second line's bytes did not change and its journal entry is reused, but the URL is no longer its own
    run([str(scraped)], out, options=BatchOptions(format=fmt, shard_size=1, resume=True))
    fresh = tmp_path / "fresh"
    run([str(scraped)], fresh, options=BatchOptions(format=fmt, shard_size=1))
    assert _checked(out)[:2] == _checked(fresh)[:2]
    assert [r["reason"] for r in iter_rejects(out)] == ["duplicate-url"]
