"""Faults of the batch path found on real use: odd file names, killed processes, two runs in one folder,
a full disk, a crashed worker. Each test reproduces one of them through the command line or `run`."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys

from entry_texts import LEAD, ORIGIN

from pipeline.run_files import iter_records, iter_rejects, read_run_report


def page(term: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title></head>'
            f"<body><main><article><h1>{term}</h1><p>{term} is named here. {LEAD}</p><h2>Origin</h2>"
            f"<p>{ORIGIN}</p></article></main></body></html>")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "run", *args], capture_output=True, text=True,
                          timeout=300)


def test_a_file_name_that_is_not_utf8_gets_its_record_under_an_escaped_recoverable_path(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_text(page("Serotonin Tone"), encoding="utf-8")
    bad_name = b"bad\\\xff\xfe.html"  # undecodable bytes and a backslash, which the escaped form must keep apart
    with open(os.fsencode(pages) + b"/" + bad_name, "wb") as handle:
        handle.write(page("Dopamine Drive").encode())
    (pages / "empty\udcff.html").write_bytes(b"")  # a reject under such a name too
    out = tmp_path / "out"

    done = cli(str(pages), "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    records = {r["term"]: r for r in iter_records(out)}
    assert set(records) == {"Serotonin Tone", "Dopamine Drive"}
    written = records["Dopamine Drive"]["source"]["path"]
    assert written == str(pages) + "/bad\\\\\\xff\\xfe.html"
    assert written in read_run_report(out)["escaped_paths"]
    assert codecs.escape_decode(written.encode("utf-8"))[0] == os.fsencode(pages) + b"/" + bad_name
    (reject,) = iter_rejects(out)
    assert reject["reason"] == "empty" and reject["source"]["path"] == str(pages) + "/empty\\xff.html"

    again = cli(str(pages), "-o", str(out), "--workers", "1", "--resume")
    assert again.returncode == 0, again.stderr
    assert read_run_report(out)["counts"]["reused_inputs"] == 3


def test_a_listing_and_a_parquet_run_survive_a_name_that_is_not_utf8(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    bad = os.fsencode(pages) + b"/caf\xe9.html"  # a Latin-1 name
    with open(bad, "wb") as handle:
        handle.write(page("Cortisol Curve").encode())
    listing = tmp_path / "inputs.txt"
    listing.write_bytes(bad + b"\n")
    out = tmp_path / "out"

    done = cli("--from", str(listing), "-o", str(out), "--workers", "1", "--format", "parquet")
    assert done.returncode == 0, done.stderr
    (record,) = iter_records(out)
    assert record["source"]["path"] == str(pages) + "/caf\\xe9.html"
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["config"]["inputs_from"] == str(listing)


def test_the_clean_command_survives_a_name_that_is_not_utf8(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good\udcff.html").write_text(page("Serotonin Tone"), encoding="utf-8")
    (pages / "empty\udcfe.html").write_bytes(b"")
    out = tmp_path / "clean"
    done = subprocess.run([sys.executable, "-m", "pipeline", "clean", str(pages), "-o", str(out), "--workers", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / "good\udcff.txt").read_text(encoding="utf-8").startswith("Serotonin Tone")
    (reject,) = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["source"]["path"] == str(pages) + "/empty\\xfe.html"
