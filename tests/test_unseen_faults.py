"""Faults no earlier test had tried, as a hostile web, a sloppy crawler and an unlucky operator make them:
each input must end as records or as a reject with its reason, and no unit may end the batch."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from entry_texts import LEAD, ORIGIN

from pipeline.clean import parse_html
from pipeline.executors import Task, WorkSettings, pipeline_for, process_task
from pipeline.run_files import iter_records, iter_rejects
from pipeline.runner import BatchOptions, run, run_clean
from pipeline.sources import SourceItem


def page(term: str, head: str = "", body: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title>{head}</head>'
            f"<body><main><article><h1>{term}</h1><p>{term} is named here. {LEAD}</p>{body}<h2>Origin</h2>"
            f"<p>{ORIGIN}</p></article></main></body></html>")


def _jsonl_line(term: str, **extra: object) -> str:
    return json.dumps({"url": f"https://example.org/{term.lower().replace(' ', '-')}", "html": page(term), **extra})


def test_a_json_line_nested_deeper_than_the_parser_can_read_is_a_reject_not_the_end_of_the_batch(tmp_path):
    scraped = tmp_path / "scraped.jsonl"
    deep = '{"url": "https://example.org/deep", "html": ' + "[" * 100_000 + "]" * 100_000 + "}"
    scraped.write_text("\n".join([_jsonl_line("Serotonin Tone"), deep, _jsonl_line("Dopamine Drive")]) + "\n",
                       encoding="utf-8")
    out = tmp_path / "out"

    summary = run([str(scraped)], out)

    assert summary.inputs == 3 and summary.records == 2
    (reject,) = iter_rejects(out)
    assert reject["source"]["path"] == f"{scraped}#line=2" and reject["reason"] == "parse-error"
    assert "nests" in reject["detail"]


def test_a_json_line_with_an_integer_too_long_for_python_still_gives_its_page(tmp_path):
    scraped = tmp_path / "scraped.jsonl"
    scraped.write_text(_jsonl_line("Cortisol Curve", crawl_id=int("7" * 4000)).replace("7" * 4000, "7" * 5000) + "\n",
                       encoding="utf-8")

    run([str(scraped)], tmp_path / "out")

    assert [record["term"] for record in iter_records(tmp_path / "out")] == ["Cortisol Curve"]


def test_a_unit_whose_loading_fails_unexpectedly_is_an_internal_error_reject(pipeline, monkeypatch, tmp_path):
    def broken_load(*args: object) -> None:
        raise KeyError("a bug in a reader")

    monkeypatch.setattr("pipeline.executors.load", broken_load)
    item = SourceItem("file", str(tmp_path / "page.html"))
    config = pipeline.config

    result = process_task(pipeline_for(config), WorkSettings(config), Task(0, item))

    assert result.reason == "internal-error" and result.records == []
    assert "KeyError" in json.loads(result.reject or "{}")["detail"]


def _folder_too_deep_to_list(parent: Path) -> Path:
    """A folder whose path is longer than the system allows a path to be (PATH_MAX, 4,096 bytes), with a page
    in it: made one level at a time relative to the last, so only a walk from the top meets the limit. Unlike a
    folder without read permission, this cannot be listed by root either."""
    level = os.open(parent, os.O_RDONLY)
    name = "d" * 250
    for _ in range(18):
        os.mkdir(name, dir_fd=level)
        deeper = os.open(name, os.O_RDONLY, dir_fd=level)
        os.close(level)
        level = deeper
    page_fd = os.open("deep.html", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=level)
    os.write(page_fd, page("Serotonin Tone").encode())
    os.close(page_fd)
    os.close(level)
    return parent / name


def test_a_folder_that_cannot_be_listed_is_an_unreadable_reject_not_a_silent_gap(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_text(page("Dopamine Drive"), encoding="utf-8")
    _folder_too_deep_to_list(pages)
    out = tmp_path / "out"

    summary = run([str(pages)], out)

    assert summary.inputs == 2 and summary.records == 1
    (reject,) = iter_rejects(out)
    assert reject["reason"] == "unreadable" and "could not be listed" in reject["detail"]
    assert reject["source"]["path"].startswith(str(pages / ("d" * 250)))


def test_the_clean_command_also_rejects_a_folder_it_cannot_list(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_text(page("Dopamine Drive"), encoding="utf-8")
    _folder_too_deep_to_list(pages)

    written, rejected = run_clean([str(pages)], tmp_path / "clean")

    assert (written, rejected) == (1, 1)
    (line,) = (tmp_path / "clean" / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["reason"] == "unreadable"


@pytest.mark.parametrize("output_format", ["jsonl", "parquet"])
@pytest.mark.parametrize("damage", ["cut-short", "deleted"])
def test_a_resume_after_the_results_were_cut_short_or_deleted_processes_them_again(tmp_path, output_format, damage):
    # "run --resume continues it" must hold when an operator (or a restore, or a full disk) damaged the results.
    pages = tmp_path / "pages"
    pages.mkdir()
    for term in ("Serotonin Tone", "Dopamine Drive", "Cortisol Curve"):
        (pages / f"{term.lower().replace(' ', '-')}.html").write_text(page(term), encoding="utf-8")
    (pages / "empty.html").write_bytes(b"")
    out = tmp_path / "out"
    options = BatchOptions(format=output_format, shard_size=2)
    run([str(pages)], out, options=options)
    before = sorted(record["id"] for record in iter_records(out))
    results = (out / "current").resolve()
    for damaged in [results / "rejects.jsonl", *results.glob("records*")]:
        if damage == "deleted":
            damaged.unlink()
        else:
            os.truncate(damaged, damaged.stat().st_size // 2)

    summary = run([str(pages)], out, options=replace(options, resume=True))

    assert summary.inputs == 4 and summary.reused == 0
    assert sorted(record["id"] for record in iter_records(out)) == before
    assert [reject["reason"] for reject in iter_rejects(out)] == ["empty"]


def test_a_gzip_compressed_json_lines_file_is_one_reject_that_says_how_to_read_it(tmp_path):
    # Named on the command line it was read as one HTML page: a record of raw JSON, the other lines gone;
    # in a walked folder it was only a skipped file.
    lines = "\n".join(_jsonl_line(term) for term in ("Serotonin Tone", "Dopamine Drive", "Cortisol Curve")) + "\n"
    crawls = tmp_path / "crawls"
    crawls.mkdir()
    (crawls / "walked.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    (crawls / "mislabelled.jsonl").write_bytes(gzip.compress(lines.encode()))
    named = tmp_path / "named.ndjson.gz"
    named.write_bytes(gzip.compress(lines.encode()))
    out = tmp_path / "out"

    summary = run([str(named), str(crawls)], out)

    assert summary.records == 0 and summary.inputs == 3
    rejects = {Path(reject["source"]["path"]).name: reject for reject in iter_rejects(out)}
    assert set(rejects) == {"named.ndjson.gz", "walked.jsonl.gz", "mislabelled.jsonl"}
    assert all(r["reason"] == "unreadable" and "gunzip" in r["detail"] for r in rejects.values())


def test_a_json_line_whose_url_has_a_lone_surrogate_gives_its_record_and_the_run_finishes(tmp_path):
    # '"url": "https://example.org/a\ud800"' is valid JSON; no UTF-8 writer takes the string it gives, and
    # the first record that carried it ended the run (and every --resume) with a serialisation error.
    scraped = tmp_path / "scraped.jsonl"
    broken = json.dumps({"url": "https://example.org/serotonin\ud800tone", "html": page("Serotonin Tone")})
    scraped.write_text(broken + "\n" + _jsonl_line("Dopamine Drive") + "\n", encoding="utf-8")
    out = tmp_path / "out"

    summary = run([str(scraped)], out)

    assert summary.records == 2
    urls = [record["source"]["url"] for record in iter_records(out)]
    assert urls == ["https://example.org/serotonin\\ud800tone", "https://example.org/dopamine-drive"]


def test_a_result_that_cannot_be_written_as_json_is_an_internal_error_reject_of_its_unit(pipeline, monkeypatch,
                                                                                          tmp_path):
    from pipeline.sources import Loaded

    monkeypatch.setattr("pipeline.executors.load",
                        lambda *args: Loaded(page("Serotonin Tone").encode(), "https://example.org/\ud800"))
    item = SourceItem("file", str(tmp_path / "page.html"))

    result = process_task(pipeline_for(pipeline.config), WorkSettings(pipeline.config), Task(0, item))

    assert result.reason == "internal-error" and result.records == []
    assert "could not be written as JSON" in json.loads(result.reject or "{}")["detail"]


def test_the_clean_command_rejects_a_web_archive_or_json_lines_file_instead_of_cleaning_it_as_one_page(tmp_path):
    # Read as one page, a container gave the text of its first page (with the JSON around it); the rest vanished.
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "good.html").write_text(page("Dopamine Drive"), encoding="utf-8")
    (inputs / "scraped.jsonl").write_text(_jsonl_line("Serotonin Tone") + "\n" + _jsonl_line("Cortisol Curve") + "\n",
                                          encoding="utf-8")
    (inputs / "crawl.warc").write_bytes(b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n")

    written, rejected = run_clean([str(inputs)], tmp_path / "clean")

    assert (written, rejected) == (1, 2)
    assert [path.name for path in (tmp_path / "clean").glob("*.txt")] == ["good.txt"]
    lines = (tmp_path / "clean" / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert {Path(json.loads(line)["source"]["path"]).name for line in lines} == {"scraped.jsonl", "crawl.warc"}
    assert all("`run` reads them" in json.loads(line)["detail"] for line in lines)


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_a_json_lines_file_in_utf16_or_utf32_is_one_reject_that_says_how_to_convert_it(tmp_path, codec):
    # As PowerShell's `>` writes it: split at its 0x0A bytes, some lines were rejected, others read by chance.
    scraped = tmp_path / "scraped.jsonl"
    lines = "\r\n".join(_jsonl_line(term) for term in ("Serotonin Tone", "Dopamine Drive", "Cortisol Curve"))
    scraped.write_bytes((lines + "\r\n").encode(codec))
    out = tmp_path / "out"

    summary = run([str(scraped)], out)

    assert summary.inputs == 1 and summary.records == 0
    (reject,) = iter_rejects(out)
    assert reject["source"]["path"] == str(scraped) and "UTF-16 or UTF-32" in reject["detail"]


@pytest.mark.parametrize("plant", ["a folder named current", "a records.jsonl of its own", "an audit.html of its own"])
def test_an_output_folder_holding_files_under_a_runs_names_that_no_run_wrote_is_refused_before_any_work(
    plant, tmp_path
):
    from pipeline.output_lock import OutputFolderError

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "serotonin-tone.html").write_text(page("Serotonin Tone"), encoding="utf-8")
    out = tmp_path / "someones-folder"
    out.mkdir()
    if plant == "a folder named current":
        (out / "current").mkdir()
        precious = out / "current" / "thesis.txt"
    else:
        precious = out / plant.split()[1]
    precious.write_text("not a run's", encoding="utf-8")

    # It failed only at the very end (a folder cannot be renamed over), saying --resume continues it; or it
    # replaced or deleted the file.
    with pytest.raises(OutputFolderError, match=precious.relative_to(out).parts[0]):
        run([str(pages)], out)

    assert precious.read_text(encoding="utf-8") == "not a run's"
    assert not (out / ".results").exists() and not (out / ".run-state").exists()


def test_the_folder_of_an_earlier_run_stays_usable_whatever_its_layout(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "serotonin-tone.html").write_text(page("Serotonin Tone"), encoding="utf-8")
    out = tmp_path / "out"
    run([str(pages)], out)
    run([str(pages)], out, options=BatchOptions(resume=True))
    # The layout before the `current` link: regular result files beside the run's state.
    for name in ("records.jsonl", "rejects.jsonl", "run.json"):
        kept = (out / name).read_bytes()
        (out / name).unlink()
        (out / name).write_bytes(kept)
    (out / "current").unlink()

    assert run([str(pages)], out).records == 1
    assert (out / "records.jsonl").is_symlink()


def _warc_of_responses(path: Path, responses: list[tuple[str, list[tuple[str, str]], bytes]]) -> Path:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, headers, body in responses:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *headers], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return path


def test_a_payload_in_a_content_encoding_nothing_here_undoes_is_a_decode_error_that_names_it(tmp_path):
    html = page("Serotonin Tone").encode()
    zstd_frame = b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4  # compressed bytes: control bytes from the start
    archive = _warc_of_responses(tmp_path / "crawl.warc.gz", [
        ("https://example.org/gzip", [("Content-Encoding", "gzip")], gzip.compress(html)),
        ("https://example.org/zstd", [("Content-Encoding", "zstd")], zstd_frame),
        ("https://example.org/two", [("Content-Encoding", "gzip, br")], zstd_frame),
        # Stored decoded under the header it was fetched with: the text is read as it is.
        ("https://example.org/stored-decoded", [("Content-Encoding", "zstd")], html),
    ])
    out = tmp_path / "out"

    run([str(archive)], out)

    assert [record["source"]["url"] for record in iter_records(out)] == [
        "https://example.org/gzip", "https://example.org/stored-decoded"]
    rejects = {reject["source"]["url"]: reject for reject in iter_rejects(out)}
    assert {url: reject["reason"] for url, reject in rejects.items()} == {
        "https://example.org/zstd": "decode-error", "https://example.org/two": "decode-error"}
    assert "Content-Encoding 'zstd'" in rejects["https://example.org/zstd"]["detail"]
    assert "Content-Encoding 'gzip, br'" in rejects["https://example.org/two"]["detail"]


def _warc_members(terms: list[str]) -> list[bytes]:
    """Each term's page as one uncompressed WARC response record."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    members = []
    for term in terms:
        stream = io.BytesIO()
        writer = WARCWriter(stream, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        url = f"https://example.org/{term.lower().replace(' ', '-')}"
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page(term).encode()),
                                                      http_headers=http))
        members.append(stream.getvalue())
    return members


def _with_content_length(record: bytes, change: int) -> bytes:
    import re

    length = re.search(rb"Content-Length: (\d+)", record)
    assert length is not None
    return record.replace(length.group(0), b"Content-Length: %d" % (int(length.group(1)) + change), 1)


@pytest.mark.parametrize("compressed", [False, True], ids=["warc", "warc.gz"])
@pytest.mark.parametrize("damage", ["length-short", "length-long", "length-past-the-end", "bytes-spliced-in"])
def test_one_bad_stretch_of_a_web_archive_costs_only_its_record_not_the_records_after_it(damage, compressed, tmp_path):
    terms = ["Serotonin Tone", "Dopamine Drive", "Cortisol Curve", "Melatonin Onset"]
    members = _warc_members(terms)
    if damage == "bytes-spliced-in":  # a crawler's log line written into the archive between two records
        members[1] += b"2026-12-01 12:00:00 fetch failed: timeout\r\n" * 3
    else:
        members[1] = _with_content_length(members[1], {"length-short": -100, "length-long": 100,
                                                       "length-past-the-end": 10**9}[damage])
    archive = tmp_path / ("crawl.warc.gz" if compressed else "crawl.warc")
    archive.write_bytes(b"".join(gzip.compress(member) if compressed else member for member in members))
    out = tmp_path / "out"

    summary = run([str(archive)], out)

    # Before: everything after the bad stretch was one reject ("the rest is not read"), its pages lost.
    found = [record["term"] for record in iter_records(out)]
    (reject,) = iter_rejects(out)
    assert reject["reason"] == "unreadable" and "reading goes on at the next record" in reject["detail"]
    if damage == "bytes-spliced-in":  # the record before the stray bytes is whole
        assert found == terms
    else:
        assert found == [terms[0], *terms[2:]]
    assert summary.inputs == len(found) + 1


def test_a_file_of_no_web_archive_records_is_still_one_reject(tmp_path):
    archive = tmp_path / "saved-page.warc"
    archive.write_text(page("Serotonin Tone") * 50, encoding="utf-8")

    run([str(archive)], tmp_path / "out")

    (reject,) = iter_rejects(tmp_path / "out")
    assert reject["reason"] == "unreadable" and "no record follows" in reject["detail"]


def test_a_path_holding_a_nul_byte_is_an_unreadable_reject_not_the_end_of_the_run(tmp_path):
    good = tmp_path / "serotonin-tone.html"
    good.write_text(page("Serotonin Tone"), encoding="utf-8")
    broken = str(tmp_path / "dopamine\0drive.html")  # as a caller or a list of NUL-separated names can give it

    summary = run([str(good), broken], tmp_path / "out")  # ValueError: embedded null byte, for the whole run

    assert summary.inputs == 2 and summary.records == 1
    (reject,) = iter_rejects(tmp_path / "out")
    assert reject["reason"] == "unreadable" and "NUL byte" in reject["detail"]
    written, rejected = run_clean([str(good), broken], tmp_path / "texts")
    assert (written, rejected) == (1, 1)


def test_a_word_broken_at_every_letter_is_one_text_not_an_element_a_letter():
    """<wbr> holds nothing: a page of "d<wbr>o<wbr>p..." was 170,000 elements per MB (2 s per MB)."""
    root = parse_html("<html><body><p>" + "d<wbr>o<WBR/>p<wbr></wbr>amine " * 500 + "</p></body></html>")
    assert not root.xpath("//wbr")
    assert root.xpath("string(//p)").split()[:2] == ["dopamine", "dopamine"]


def test_a_page_with_hundreds_of_line_break_chances_in_its_words_is_a_record_not_too_deep(pipeline):
    # <wbr> is void, but libxml2's HTML parser opened each one and nested the rest of the paragraph inside it.
    words = " ".join(["5-hydroxy<wbr>trypt<wbr>amine"] * 200)
    html = page("Serotonin Tone", body=f"<h2>Mechanism</h2><p>It acts as {words} does.</p>")

    outcome = pipeline.process(html.encode(), path="serotonin-tone.html")

    assert outcome.reject is None, outcome.reject
    (record,) = outcome.records
    assert record.mechanism is not None and "5-hydroxytryptamine 5-hydroxytryptamine" in record.mechanism
