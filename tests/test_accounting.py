"""Accounting: every input unit (file, WARC record, JSON line) ends as records or as exactly one
reject, and run.json's counts reconcile (inputs = sources with records + rejects)."""

from __future__ import annotations

import io
import json
import os
from collections import Counter

from test_hostile import good_page, write_bad_inputs, write_good_pages
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import executors
from pipeline.api import PipelineConfig
from pipeline.run_files import iter_records, iter_rejects, read_run_report
from pipeline.runner import BatchOptions, run
from pipeline.sources import Sources


def _good_warc(path) -> None:
    """Pages among records that are not inputs (warcinfo, requests, a 404, an image)."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for n, term in enumerate(["Leptin Signal", "Insulin Pulse"]):
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(f"https://example.org/{n}", "request", http_headers=request))
            for status, kind, body in (("200 OK", "text/html", good_page(term).encode()),
                                       ("404 Not Found", "text/html", b"<p>gone</p>"),
                                       ("200 OK", "image/png", b"\x89PNG\r\n\x1a\n")):
                http = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://example.org/{n}", "response",
                                                              payload=io.BytesIO(body), http_headers=http))


def test_every_unit_ends_as_records_or_one_reject_and_the_counts_reconcile(tmp_path, pipeline, monkeypatch):
    write_good_pages(tmp_path / "in" / "good")
    write_bad_inputs(tmp_path / "in" / "bad")
    _good_warc(tmp_path / "in" / "crawl.warc.gz")
    lines = [json.dumps({"url": "https://example.org/g", "html": good_page("Ghrelin Surge")}), "", "   ", "{oops"]
    (tmp_path / "in" / "scraped.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "in" / "README.md").write_text("not a page", encoding="utf-8")
    os.symlink(tmp_path / "in" / "good", tmp_path / "in" / "linked-folder")
    inputs = [str(tmp_path / "in")]
    # The session's pipeline stands in for the one each run builds (the spaCy load takes seconds).
    monkeypatch.setitem(executors._pipelines, PipelineConfig(), pipeline)
    out = tmp_path / "out"

    summary = run(inputs, out, workers=1, options=BatchOptions(shard_size=7))

    units = [item.key for item in Sources(inputs)]
    assert len(units) == len(set(units)), "two units share a key"
    records, rejects = list(iter_records(out)), list(iter_rejects(out))
    with_records = Counter(record["source"]["path"] for record in records)
    rejected = Counter(reject["source"]["path"] for reject in rejects)
    assert max(rejected.values()) == 1
    assert not set(with_records) & set(rejected), "a unit has both records and a reject"
    assert set(with_records) | set(rejected) == set(units)
    # Five good files, two archive pages and one JSON line give records; a linked folder is not
    # followed (it could loop) but is not dropped either: it is a reject.
    assert len(with_records) == 8
    assert rejected[str(tmp_path / "in" / "linked-folder")] == 1

    counts = read_run_report(out)["counts"]
    assert counts["inputs"] == len(units) == summary.inputs
    assert counts["inputs"] == counts["sources_with_records"] + counts["rejects"]
    assert counts["sources_with_records"] == len(with_records) and counts["records"] == len(records)
    assert counts["rejects"] == len(rejects) == sum(counts["rejects_by_reason"].values())
    assert counts["skipped_files"] == 1  # README.md, listed by name
    assert counts["skipped_units"] == {"blank-jsonl-line": 2, "warc-http-status": 2, "warc-not-html": 2,
                                       "warc-request": 2, "warc-warcinfo": 1}
