"""Batch runs: WARC and JSON Lines inputs, Parquet shards, the Dask executor, kill and resume."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from entry_texts import LEAD, ORIGIN
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.run_files import iter_records, iter_rejects, read_run_report
from pipeline.runner import BatchOptions, run

TERMS = ["Serotonin Tone", "Dopamine Drive", "Cortisol Curve", "Melatonin Onset", "Oxytocin Bond", "Ghrelin Surge",
         "Leptin Signal", "Insulin Pulse", "Thyroxine Level", "Adrenaline Rush", "Prolactin Rise", "Gaba Calm"]


def page(term: str, canonical: bool = False) -> str:
    link = f'<link rel="canonical" href="https://example.org/{term.lower().replace(" ", "-")}">' if canonical else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title>{link}</head>'
            f"<body><main><article><h1>{term}</h1><p>{term} is named here. {LEAD}</p><h2>Origin</h2>"
            f"<p>{ORIGIN}</p></article></main></body></html>")


def _pages(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        term = f"{TERMS[n % len(TERMS)]} {n}"
        (folder / f"page-{n:03d}.html").write_text(page(term), encoding="utf-8")
    (folder / "empty.html").write_bytes(b"")  # a reject among the records
    return folder


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "run", *args], capture_output=True, text=True,
                          timeout=300)


def _reconciles(out: Path) -> dict:
    counts = read_run_report(out)["counts"]
    records, rejects = list(iter_records(out)), list(iter_rejects(out))
    assert counts["records"] == len(records)
    assert counts["rejects"] == len(rejects)
    assert counts["sources_with_records"] == len({r["source"]["path"] for r in records})
    assert counts["inputs"] == counts["sources_with_records"] + counts["rejects"]
    return counts


def _warc_response(writer: WARCWriter, url: str, body: bytes, content_type: str, status: str = "200 OK") -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


def _warc(path: Path) -> Path:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for n, term in enumerate(TERMS[:3]):
            url = f"https://example.org/glossary/{n}"
            request = StatusAndHeaders("GET /glossary HTTP/1.1", [("Host", "example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            _warc_response(writer, url, page(term).encode(), "text/html; charset=utf-8")
        _warc_response(writer, "https://example.org/logo.png", b"\x89PNG\r\n\x1a\n", "image/png")
        _warc_response(writer, "https://example.org/gone", b"<html><body>gone</body></html>", "text/html",
                       status="404 Not Found")
    return path


def test_warc_html_responses_become_sources_and_other_records_are_counted_as_skipped(tmp_path):
    archive = _warc(tmp_path / "crawl.warc.gz")
    out = tmp_path / "out"
    done = _cli(str(archive), "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr

    records = list(iter_records(out))
    assert [r["term"] for r in records] == TERMS[:3]
    assert [r["source"]["url"] for r in records] == [f"https://example.org/glossary/{n}" for n in range(3)]
    for record in records:
        name, offset = record["source"]["path"].split("#offset=")
        assert name == str(archive) and int(offset) > 0
    counts = _reconciles(out)
    assert counts["inputs"] == 3
    assert counts["skipped_units"] == {"warc-http-status": 1, "warc-not-html": 1, "warc-request": 3,
                                       "warc-warcinfo": 1}


def test_jsonl_lines_are_sources_and_a_broken_line_is_a_parse_error_reject(tmp_path):
    scraped = tmp_path / "scraped.jsonl"
    lines = [json.dumps({"link": "https://example.org/a", "body": page(TERMS[0])}),
             json.dumps({"link": "https://example.org/b",
                         "text": f"{TERMS[1]}\n{TERMS[1]} is named here. {LEAD}\nOrigin\n{ORIGIN}\n"}),
             '{"link": "https://example.org/c", "body": "<html>',  # cut off by the scraper
             "",
             json.dumps({"link": "https://example.org/d"})]
    scraped.write_text("\n".join(lines) + "\n", encoding="utf-8")
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{scraped}\n", encoding="utf-8")
    out = tmp_path / "out"

    done = _cli("--from", str(listing), "-o", str(out), "--workers", "1", "--jsonl-url", "link",
                "--jsonl-html", "body")
    assert done.returncode == 0, done.stderr

    records = list(iter_records(out))
    assert [(r["term"], r["source"]["path"], r["source"]["url"]) for r in records] == [
        (TERMS[0], f"{scraped}#line=1", "https://example.org/a"),
        (TERMS[1], f"{scraped}#line=2", "https://example.org/b")]
    assert records[1]["source"]["media_type"] == "text/plain"
    rejects = list(iter_rejects(out))
    assert [(r["source"]["path"], r["reason"]) for r in rejects] == [
        (f"{scraped}#line=3", "parse-error"), (f"{scraped}#line=5", "parse-error")]
    assert "line 3" in rejects[0]["detail"]
    counts = _reconciles(out)
    assert counts["inputs"] == 4 and counts["skipped_units"] == {"blank-jsonl-line": 1}


def test_parquet_shards_hold_the_same_records_as_jsonl(tmp_path):
    pages = _pages(tmp_path / "pages", 7)
    jsonl_out, parquet_out = tmp_path / "jsonl", tmp_path / "parquet"
    assert _cli(str(pages), "-o", str(jsonl_out), "--workers", "2").returncode == 0
    done = _cli(str(pages), "-o", str(parquet_out), "--workers", "2", "--format", "parquet", "--shard-size", "3")
    assert done.returncode == 0, done.stderr

    shards = read_run_report(parquet_out)["outputs"]["records"]
    assert shards == ["records-00000.parquet", "records-00001.parquet", "records-00002.parquet"]
    from_pyarrow = [row for name in shards for row in pq.read_table(parquet_out / name).to_pylist()]
    expected = _jsonl(jsonl_out / "records.jsonl")
    assert [row["id"] for row in from_pyarrow] == [r["id"] for r in expected]
    assert from_pyarrow[0]["sections"] == expected[0]["sections"]  # nested types, not JSON strings
    assert list(iter_records(parquet_out)) == expected
    assert list(iter_rejects(parquet_out)) == _jsonl(jsonl_out / "rejects.jsonl")
    _reconciles(parquet_out)


def test_the_dask_executor_gives_the_local_executors_records(tmp_path):
    from distributed import LocalCluster

    pages = _pages(tmp_path / "pages", 12)
    for name in ("recaptured-1.html", "recaptured-2.html"):  # one URL twice: the first keeps it on either executor
        (pages / name).write_text(page(f"{TERMS[0]} recaptured", canonical=True), encoding="utf-8")
    local = tmp_path / "local"
    run([str(pages)], local, workers=1, options=BatchOptions(shard_size=5))
    assert read_run_report(local)["counts"]["rejects_by_reason"]["duplicate-url"] == 1
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask_out = tmp_path / "dask"
        run([str(pages)], dask_out, workers=2,
            options=BatchOptions(executor="dask", scheduler=cluster.scheduler_address, shard_size=5))
    assert (dask_out / "records.jsonl").read_bytes() == (local / "records.jsonl").read_bytes()
    assert (dask_out / "rejects.jsonl").read_bytes() == (local / "rejects.jsonl").read_bytes()
    assert read_run_report(dask_out)["counts"] == read_run_report(local)["counts"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_run_killed_with_sigkill_resumes_to_the_uninterrupted_result(tmp_path, fmt):
    pages = _pages(tmp_path / "pages", 40)
    whole = tmp_path / "whole"
    common = ["--workers", "2", "--shard-size", "4", "--format", fmt]
    assert _cli(str(pages), "-o", str(whole), *common).returncode == 0

    out = tmp_path / "out"
    journal = out / ".run-state" / "journal.jsonl"
    killed = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(pages), "-o", str(out), *common],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or journal.read_bytes().count(b"\n") < 3):
        time.sleep(0.02)
    os.killpg(killed.pid, signal.SIGKILL)  # the run and its pool workers, mid-run
    killed.wait()
    assert not (out / "run.json").exists(), "the run finished before it could be killed"
    assert not (out / "records.jsonl").exists()  # nothing half-written under a final name

    done = _cli(str(pages), "-o", str(out), *common, "--resume")
    assert done.returncode == 0, done.stderr
    assert list(iter_records(out)) == list(iter_records(whole))
    assert list(iter_rejects(out)) == list(iter_rejects(whole))
    counts = _reconciles(out)
    assert counts["reused_inputs"] >= 12
    assert {k: v for k, v in counts.items() if k != "reused_inputs"} == {
        k: v for k, v in read_run_report(whole)["counts"].items() if k != "reused_inputs"}


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_resume_skips_unchanged_inputs_and_redoes_changed_ones(tmp_path, fmt):
    pages = _pages(tmp_path / "pages", 9)
    out = tmp_path / "out"
    options = BatchOptions(format=fmt, shard_size=4)
    first = run([str(pages)], out, options=options)
    records = list(iter_records(out))

    again = run([str(pages)], out, options=BatchOptions(format=fmt, shard_size=4, resume=True))
    assert again.reused == again.inputs == first.inputs
    assert list(iter_records(out)) == records

    (pages / "page-005.html").write_text(page("Vasopressin Hold"), encoding="utf-8")
    changed = run([str(pages)], out, options=BatchOptions(format=fmt, shard_size=4, resume=True))
    assert changed.reused == first.inputs - 1
    fresh = tmp_path / "fresh"
    run([str(pages)], fresh, options=options)
    assert list(iter_records(out)) == list(iter_records(fresh))
    assert list(iter_rejects(out)) == list(iter_rejects(fresh))
    assert "Vasopressin Hold" in {r["term"] for r in iter_records(out)}
