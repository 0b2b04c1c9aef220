"""Property-based tests: random bytes and mutated pages give records or one reject, never an
exception; every record validates against the published schema and its entity offsets index
its section text; mutated archives and JSON Lines never stop the enumeration or the loading."""

from __future__ import annotations

import io

from entry_texts import LEAD, ORIGIN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.read import Limits
from pipeline.rejects import Rejected
from pipeline.sources import JsonlFields, Sources, load
from pipeline.validate import validate_record_line

PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Serotonin Tone | Example</title></head>'
    '<body><div class="cookie-banner"><p>We use cookies. Accept all?</p></div><nav><a href="/">Home</a></nav>'
    f"<main><article><h1>Serotonin Tone</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p><h2>Mechanism</h2>"
    "<p>Dopamine and cortisol act together with serotonin in the raphe nuclei.</p><dl><dt>Related</dt>"
    "<dd>melatonin</dd></dl></article></main><footer>© Example</footer></body></html>"
).encode()
SNIPPETS = [b"<", b">", b"</p>", b"<h2>", b"<dl><dt>", b"&#x0;", b"&amp;", b"\x00", b"<!--", b"<script>", b"\xff\xfe",
            b"<br>", b":", b"?", b"\xe2\x80", b"<div>" * 300, b"<?xml version='1.0' encoding='utf-16'?>",
            b'<meta charset="shift_jis">', b"\xef\xbb\xbf", b"<![CDATA[", b"]]>", b"<!DOCTYPE x [<!ENTITY a 'b'>]>"]
# Property runs share the session pipeline; a page takes a few milliseconds to a second.
SETTINGS = settings(deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(pipeline, data: bytes, path: str) -> None:
    outcome = pipeline.process(data, path=path)
    assert (outcome.reject is None) == bool(outcome.records)
    if outcome.reject is not None:
        assert outcome.reject.reason != "internal-error", outcome.reject.detail
        assert outcome.reject.detail
    for record in outcome.records:
        assert validate_record_line(record.model_dump_json()) == []
        for entity in record.entities:
            assert record.sections[entity.section].text[entity.start : entity.end] == entity.text


@settings(SETTINGS, max_examples=200)
@given(data=st.binary(max_size=4000), name=st.sampled_from(["page.html", "page.txt", "page", "page.html.gz"]))
def test_random_bytes_give_records_or_a_reject(pipeline, data, name):
    _check(pipeline, data, name)


@st.composite
def mutated(draw: st.DrawFn, base: bytes = PAGE) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(data)))
        match draw(st.sampled_from(["delete", "insert", "random", "duplicate"])):
            case "delete":
                del data[at : at + draw(st.integers(1, 200))]
            case "insert":
                data[at:at] = draw(st.sampled_from(SNIPPETS))
            case "random":
                data[at:at] = draw(st.binary(min_size=1, max_size=20))
            case "duplicate":
                data[at:at] = data[at : at + draw(st.integers(1, 400))]
    return bytes(data)


@settings(SETTINGS, max_examples=100)
@given(data=mutated())
def test_mutated_pages_give_records_or_a_reject(pipeline, data):
    _check(pipeline, data, "serotonin-tone.html")


def _warc() -> bytes:
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=False)
    for n in range(3):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://example.org/{n}", "response",
                                                      payload=io.BytesIO(PAGE), http_headers=http))
    return stream.getvalue()


JSONL = b'{"url": "https://example.org/a", "html": "<p>a</p>"}\n\n{"text": "b"}\n[1]\n{"html": "\\u00e9"}\n'


@settings(SETTINGS, max_examples=100)
@given(data=st.one_of(mutated(_warc()), mutated(JSONL)), kind=st.sampled_from(["warc", "jsonl"]))
def test_mutated_archives_and_json_lines_only_ever_give_units_or_rejects(tmp_path_factory, data, kind):
    path = tmp_path_factory.mktemp("units") / f"input.{kind}"
    path.write_bytes(data)
    items = list(Sources([str(path)]))
    assert items, "a container gave no unit at all"
    keys = [item.key for item in items]
    assert len(keys) == len(set(keys))
    for item in items:
        try:
            loaded = load(item, Limits(), JsonlFields())
        except Rejected as rejected:
            assert rejected.detail
        else:
            assert isinstance(loaded.data, bytes)
