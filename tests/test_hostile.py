"""Hostile and broken input: a corpus of garbage beside good pages, run through the command line
in one batch; parsing that expands nothing and fetches nothing; outputs only in the output folder;
encodings decoded right or flagged.

The audit report's inertness (script, event-handler, `javascript:` and CSS payloads in page text,
term, heading, warning and file name) is covered by tests/test_audit.py (static HTML checks) and
tests/test_audit_browser.py (the report opened in Chromium).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from entry_texts import LEAD, ORIGIN
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.clean import LIBXML2_MAX_DEPTH, MAX_ATTRIBUTES, TooDeep, parse_html
from pipeline.decode import decode
from pipeline.run_files import iter_records, iter_rejects, read_run_report

SECRET = "XXE-SECRET-4711"


def good_page(term: str, extra_head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title>{extra_head}</head>'
            f"<body><main><article><h1>{term}</h1><p>{term} is named here. {LEAD}</p><h2>Origin</h2>"
            f"<p>{ORIGIN}</p></article></main></body></html>")


def write_good_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    pages = {
        "serotonin-tone.html": good_page("Serotonin Tone").encode(),
        "dopamine-drive.txt": f"Dopamine Drive\nDopamine drive is named here. {LEAD}\nOrigin\n{ORIGIN}\n".encode(),
        "cortisol-curve.html.gz": gzip.compress(good_page("Cortisol Curve").encode(), mtime=0),
        "melatonin-onset.html": good_page("Melatonin Onset").encode("utf-16"),
        "oxytocin-bond.html": good_page("Oxytocin Bond – Café").replace("utf-8", "windows-1252").encode("cp1252"),
    }
    for name, data in pages.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in pages]


def _nested(depth: int) -> bytes:
    return (f"<html><body>{'<div>' * depth}<h1>Serotonin Tone</h1><p>{LEAD}</p>{'</div>' * depth}"
            "</body></html>").encode()


_XXE = ('<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY net SYSTEM "http://127.0.0.1:9/dtd">]>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        "<title>Serotonin Tone</title></head><body><p>&xxe; &net;</p></body></html>")
_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)).replace("&lol0;", "&lol;")
           + ']><html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;</p></body></html>')
_SPANISH = ('<html lang="es"><body><main><h1>Tono de serotonina</h1><p>El tono de serotonina es el nivel de fondo '
            "de la señal de serotonina en el cerebro, que influye en el ánimo, el sueño y el apetito a lo largo del "
            "día, y cambia con la luz, la comida y el estrés de cada persona.</p></main></body></html>")

_LINKS = "<html><body><ul>" + "".join(
    f'<li><a href="/t/{n}">What is {term} and why does it matter</a></li>'
    for n, term in enumerate(["Serotonin Tone", "Dopamine Drive", "Cortisol Curve", "Melatonin Onset"] * 75)
) + "</ul></body></html>"
# File name -> the reject reason it must get.
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.html": (b"", "empty"),
    "whitespace.html": (b" \r\n\t  \n", "empty"),
    "image.html": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    "photo.html": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)), "binary"),
    "anim.htm": (b"GIF89a\x01\x00\x01\x00" + bytes(range(256)), "binary"),
    "paper.html": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "binary"),
    "archive.html": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), "binary"),
    "program": (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "binary"),
    "nul-bytes.html": (b"<html><body><p>Serotonin \x00\x01 tone</p>" + bytes(300) + b"</body></html>", "binary"),
    "controls.txt": (bytes(range(1, 9)) * 100 + b"Serotonin tone", "binary"),
    "zipped-image.html.gz": (gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(200), mtime=0), "binary"),
    "cut.html.gz": (gzip.compress(good_page("Serotonin Tone").encode(), mtime=0)[:60], "decode-error"),
    "bomb.html.gz": (gzip.compress(bytes(60_000_000), compresslevel=1, mtime=0), "decompressed-too-large"),
    "huge.html": (b"<html><body><p>" + b"serotonin tone " * 2_000_000 + b"</p></body></html>", "too-large"),
    "nested.html": (_nested(100_000), "too-deep"),
    "truncated.html": (b'<!DOCTYPE html><html lang="en"><head><title>Serotonin To', "not-a-glossary-entry"),
    "unclosed.html": (b"<html><body><div><p><b><i><span>Serotonin tone<div><ul><li><table><tr><td>",
                      "not-a-glossary-entry"),
    "script-only.html": (b"<html><head><script>var a = '" + b"x" * 5000 + b"';</script></head><body><script>"
                         b"document.write('Serotonin tone is ' + a)</script></body></html>", "not-a-glossary-entry"),
    "style-only.html": (b"<html><head><style>body { color: red }</style></head><body><style>p{}</style></body></html>",
                        "not-a-glossary-entry"),
    "one-line.html": (b"<html><body>" + b"<span>a</span>" * 200_000 + b"</body></html>", "not-a-glossary-entry"),
    "bad-utf8.html": (b'<html><head><meta charset="utf-8"></head><body><p>' + bytes(range(0x80, 0x100)) * 40
                      + b"</p></body></html>", "decode-error"),
    "json-instead.html": (json.dumps({"term": "Serotonin Tone", "definition": LEAD, "origin": ORIGIN}).encode(),
                          "not-a-glossary-entry"),
    "comment-only.html": (b"<!-- nothing here but a comment -->", "parse-error"),
    "bare.html": (b"<html></html>", "not-a-glossary-entry"),
    "spanish.html": (_SPANISH.encode(), "not-english"),
    "not-found.html": (b"<html><head><title>Page not found</title></head><body><main><h1>404 - Page not found</h1>"
                       b"<p>Sorry, the page you were looking for has moved or never existed. Try the search box or "
                       b"browse the glossary index from the home page instead.</p></main></body></html>",
                       "not-a-glossary-entry"),
    "links.html": (_LINKS.encode(), "not-a-glossary-entry"),
    "billion-laughs.xhtml": (_LAUGHS.encode(), "not-a-glossary-entry"),
    "bad-bom.html": (codecs.BOM_UTF8 + b"<p>\xff\xfe\xfa</p>", "decode-error"),
    "odd-utf16.html": (codecs.BOM_UTF16_LE + "<p>a</p>".encode("utf-16-le") + b"\x00", "decode-error"),
    "endless.txt": (b"serotonin " * 510_000, "text-too-long"),
}
# Filled in by `write_bad_inputs`, which knows the paths: the XXE page, links and special files.
SPECIAL_FILES = {"xxe.xhtml": "not-a-glossary-entry", "dangling-link.html": "unreadable", "pipe.html": "unreadable"}


def _warc_response(writer: WARCWriter, url: str, body: bytes, headers: list[tuple[str, str]] | None = None) -> None:
    http = StatusAndHeaders("200 OK", headers or [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))


def write_bad_warc(path: Path) -> list[str]:
    """An archive of bad records, the last one cut short; the reasons in record order."""
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=False)
    _warc_response(writer, "https://example.org/logo", b"\x89PNG\r\n\x1a\n" + bytes(500))
    _warc_response(writer, "http://example.org/../../../../tmp/escaped-from-warc.html", b"")
    _warc_response(writer, "https://example.org/%2e%2e/%2e%2e/etc/passwd%00/", b"<html><body><p>Hi.</p></body></html>")
    _warc_response(writer, "https://example.org/zipped", b"not gzip at all",
                   [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    _warc_response(writer, "https://example.org/cut", good_page("Serotonin Tone").encode())
    path.write_bytes(stream.getvalue()[:-300])
    return ["binary", "empty", "not-a-glossary-entry", "not-a-glossary-entry", "unreadable"]


BAD_JSONL_LINES: list[tuple[str, str]] = [
    ('{"url": "https://example.org/a", "html": "<html><bo', "parse-error"),
    ('["an", "array"]', "parse-error"),
    ('{"url": "https://example.org/b"}', "parse-error"),
    ('{"url": "https://example.org/c", "html": ""}', "empty"),
    ('{"url": "https://example.org/d", "html": "<p>\\ud800 broken</p>"}', "decode-error"),
    ('{"url": "../../../../tmp/escaped-from-jsonl", "id": "/etc/x", "html": "<p>Hi.</p>"}', "not-a-glossary-entry"),
    ('{"url": 42, "html": 17}', "parse-error"),
]


def write_bad_inputs(folder: Path) -> dict[str, str]:
    """Every bad input under `folder`; its expected unit key (source.path) -> reject reason."""
    folder.mkdir(parents=True)
    expected: dict[str, str] = {}
    for name, (data, reason) in BAD_FILES.items():
        (folder / name).write_bytes(data)
        expected[str(folder / name)] = reason
    secret = folder.parent / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    (folder / "xxe.xhtml").write_text(_XXE.format(secret=secret), encoding="utf-8")
    (folder / "dangling-link.html").symlink_to(folder / "nowhere.html")
    os.mkfifo(folder / "pipe.html")
    expected.update({str(folder / name): reason for name, reason in SPECIAL_FILES.items()})

    warc = folder / "crawl.warc"
    reasons = iter(write_bad_warc(warc))
    from pipeline.sources import Sources

    for item in Sources([str(warc)]):
        expected[item.key] = next(reasons)
    assert next(reasons, None) is None, "the archive gave fewer units than it has records"
    (folder / "garbage.warc").write_bytes(b"this is not a web archive\r\n" * 20)
    expected[f"{folder / 'garbage.warc'}"] = "unreadable"
    (folder / "nothing.warc.gz").write_bytes(b"")
    expected[str(folder / "nothing.warc.gz")] = "empty"

    scraped = folder / "scraped.jsonl"
    raw_lines = [line.encode() for line, _ in BAD_JSONL_LINES] + [b'{"html": "<p>\xff\xfe bytes</p>"}']
    scraped.write_bytes(b"\n".join(raw_lines))  # the last line has no line break
    for number, (_, reason) in enumerate([*BAD_JSONL_LINES, ("", "parse-error")], start=1):
        expected[f"{scraped}#line={number}"] = reason
    (folder / "nothing.jsonl").write_bytes(b"")
    expected[str(folder / "nothing.jsonl")] = "empty"
    return expected


def _files_outside(root: Path, out: Path) -> set[Path]:
    return {path for path in root.rglob("*") if out not in path.parents and path != out}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The good pages and the bad inputs through `glossary-pipeline run --workers 2` in one batch."""
    root = tmp_path_factory.mktemp("hostile")
    good = write_good_pages(root / "good")
    expected = write_bad_inputs(root / "bad")
    (root / "cwd").mkdir()
    out = root / "out"
    before = _files_outside(root, out)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(root / "good"), str(root / "bad"), "-o", str(out),
         "--workers", "2"], capture_output=True, text=True, timeout=300, cwd=root / "cwd")
    return {"root": root, "good": good, "expected": expected, "out": out, "done": done, "before": before}


def test_the_corpus_has_at_least_40_broken_inputs(batch):
    assert len(batch["expected"]) >= 40


def test_the_batch_finishes_with_exit_0(batch):
    assert batch["done"].returncode == 0, batch["done"].stderr


def test_each_bad_input_has_exactly_its_reject(batch):
    rejects = list(iter_rejects(batch["out"]))
    got = {}
    for reject in rejects:
        assert reject["source"]["path"] not in got, f"two rejects for {reject['source']['path']}"
        got[reject["source"]["path"]] = reject["reason"]
    assert got == batch["expected"]
    assert all(reject["detail"] for reject in rejects)


def test_the_good_pages_records_are_those_of_a_clean_run(batch, pipeline):
    clean = [json.loads(record.model_dump_json()) for path in batch["good"]
             for record in pipeline.process(path.read_bytes(), path=str(path)).records]
    assert [r["term"] for r in clean] == ["Serotonin Tone", "Dopamine Drive", "Cortisol Curve", "Melatonin Onset",
                                          "Oxytocin Bond – Café"]
    records = list(iter_records(batch["out"]))
    assert sorted(records, key=lambda r: r["id"]) == sorted(clean, key=lambda r: r["id"])


def test_run_json_counts_reconcile(batch):
    counts = read_run_report(batch["out"])["counts"]
    assert counts["inputs"] == len(batch["good"]) + len(batch["expected"])
    assert counts["inputs"] == counts["sources_with_records"] + counts["rejects"]
    assert counts["rejects"] == len(batch["expected"])


def test_nothing_is_written_outside_the_output_folder(batch):
    assert _files_outside(batch["root"], batch["out"]) == batch["before"]
    assert list((batch["root"] / "cwd").iterdir()) == []
    assert not Path("/tmp/escaped-from-warc.html").exists() and not Path("/tmp/escaped-from-jsonl").exists()


def test_no_entity_is_expanded_and_no_local_file_is_read(batch):
    out = batch["out"]
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
            assert b"lollollol" not in path.read_bytes(), path


# -- parsing expands nothing and fetches nothing ---------------------------------------------------------

EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://127.0.0.1:9/xhtml1-strict.dtd" [<!ENTITY ext SYSTEM "http://127.0.0.1:9/entity">]>\n'
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><base href="http://127.0.0.1:9/"/>'
    '<link rel="stylesheet" href="http://127.0.0.1:9/a.css"/><link rel="canonical" href="http://127.0.0.1:9/c"/>'
    '<script src="http://127.0.0.1:9/a.js"></script><meta http-equiv="refresh" content="0; url=http://127.0.0.1:9/"/>'
    '<title>Serotonin Tone</title></head><body><iframe src="http://127.0.0.1:9/frame"></iframe>'
    f'<img src="//127.0.0.1:9/i.png"/><main><h1>Serotonin Tone</h1><p>&ext; {LEAD}</p><h2>Origin</h2>'
    f'<p>{ORIGIN} <a href="http://127.0.0.1:9/more">More</a></p><object data="http://127.0.0.1:9/o"></object>'
    '<svg><image href="http://127.0.0.1:9/s.png"/></svg></main></body></html>'
)


def test_no_page_makes_a_network_connection(pipeline, monkeypatch):
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for data in (EXTERNAL, _XXE.format(secret="/etc/hostname"), _LAUGHS):
        outcome = pipeline.process(data.encode(), path="external.xhtml", url="http://127.0.0.1:9/page")
        assert outcome.reject is None or outcome.reject.reason != "internal-error", outcome.reject
    assert attempts == []
    [record] = pipeline.process(EXTERNAL.encode(), path="external.xhtml").records
    assert record.term == "Serotonin Tone" and record.definition is not None and LEAD in record.definition


def test_entities_declared_in_a_page_stay_unexpanded():
    root = parse_html(_LAUGHS)
    assert "lollol" not in root.text_content()
    root = parse_html(_XXE.format(secret="/etc/passwd"))
    assert "root:" not in root.text_content() and "&xxe;" in root.text_content()


# -- nesting depth -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [LIBXML2_MAX_DEPTH - 1, 100_000])
def test_a_page_nested_past_libxml2s_limit_is_too_deep_not_silently_cut(depth):
    # <html> and <body> are two levels; the <h1> and <p> sit one level below the divs.
    text = _nested(depth).decode()
    with pytest.raises(TooDeep):
        parse_html(text)


def test_a_page_nested_just_within_the_limit_parses_whole():
    root = parse_html(_nested(LIBXML2_MAX_DEPTH - 3).decode())
    assert LEAD in root.text_content()


def test_a_lower_depth_limit_is_honoured():
    text = _nested(10).decode()  # h1 at level 13
    assert parse_html(text, max_depth=13) is not None
    with pytest.raises(TooDeep):
        parse_html(text, max_depth=12)


def test_a_page_nested_too_deep_is_a_too_deep_reject(pipeline):
    outcome = pipeline.process(_nested(300), path="nested.html")
    assert outcome.reject is not None and outcome.reject.reason == "too-deep"


def test_the_next_parse_does_not_inherit_a_deep_pages_error():
    with pytest.raises(TooDeep):
        parse_html(_nested(300).decode())
    assert LEAD in parse_html(_nested(3).decode()).text_content()


# -- attributes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [" ", "", " / "], ids=["spaces", "none-after-quotes", "slashes"])
def test_a_start_tag_of_thousands_of_attributes_keeps_the_first_ones_and_the_page_whole(separator):
    # libxml2's attribute check is worse than quadratic in one element's attributes (80,000 took 13 s).
    attributes = separator.join(f'data-k{n}="v>{n}<"' for n in range(MAX_ATTRIBUTES * 5))
    root = parse_html(f'<html><body><div id="d" {attributes}><h1>Serotonin Tone</h1><p>{LEAD}</p></div>'
                      '<p class="after">next</p></body></html>')
    (div,) = root.xpath("//div")
    assert len(div.attrib) == MAX_ATTRIBUTES and div.get("id") == "d" and div.get("data-k0") == "v>0<"
    assert LEAD in div.text_content() and root.xpath("//p[@class='after']/text()") == ["next"]


def test_an_element_with_fewer_attributes_than_the_cap_keeps_them_all():
    attributes = " ".join(f"k{n}=v{n}" for n in range(MAX_ATTRIBUTES - 1))
    (div,) = parse_html(f"<html><body><div {attributes} hidden><p>{LEAD}</p></div></body></html>").xpath("//div")
    assert len(div.attrib) == MAX_ATTRIBUTES and div.get("hidden") is not None


# -- encodings: decoded right, or flagged -------------------------------------------------------------------

TEXT = "Café crème – naïve “serotonin” résumé"
LATIN = "Café crème, naïve résumé"  # latin-1 has no dashes or curly quotes


@pytest.mark.parametrize(
    ("data", "text", "encoding", "warned"),
    [
        pytest.param(f"<p>{TEXT}</p>".encode(), TEXT, "utf-8", False, id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + f"<p>{TEXT}</p>".encode(), TEXT, "utf-8", False, id="utf-8-bom"),
        pytest.param(f"<p>{TEXT}</p>".encode("utf-16"), TEXT, "utf-16", False, id="utf-16-bom"),
        pytest.param(f"<p>{TEXT}</p>".encode("utf-16-be"), TEXT, "utf-16-be", True, id="utf-16-be-no-bom"),
        pytest.param(f'<meta charset="windows-1252"><p>{TEXT}</p>'.encode("cp1252"), TEXT, "cp1252", False,
                     id="cp1252"),
        pytest.param(f"<p>{TEXT}</p>".encode("cp1252"), TEXT, "cp1252", True, id="cp1252-undeclared"),
        pytest.param(f'<meta charset="iso-8859-1"><p>{LATIN}</p>'.encode("latin-1"), LATIN, "cp1252", False,
                     id="latin-1"),
        pytest.param(f'<meta charset="utf-8"><p>{TEXT}</p>'.encode("cp1252"), TEXT, "cp1252", True,
                     id="wrong-meta-utf8"),
        pytest.param(f'<meta charset="iso-8859-1"><p>{TEXT}</p>'.encode(), TEXT, "utf-8", True,
                     id="wrong-meta-latin1"),
        pytest.param(f"<p>{TEXT[:20]}".encode() + f"{TEXT[20:]}</p>".encode("cp1252"), TEXT, "utf-8", True,
                     id="mixed"),
    ],
)
def test_text_is_decoded_right_and_uncertain_detection_warns(data, text, encoding, warned):
    decoded = decode(data, "page.html")
    assert text in decoded.text
    assert decoded.encoding == encoding
    assert bool(decoded.warnings) == warned, decoded.warnings


def test_a_charset_warning_reaches_the_record(pipeline):
    page = good_page("Serotonin Tone").replace("utf-8", "iso-8859-1").replace("named here", "named here, café")
    [record] = pipeline.process(page.encode(), path="wrong-meta.html").records
    assert "café" in record.definition
    assert [w.code for w in record.quality.warnings if w.code == "charset-uncertain"] == ["charset-uncertain"]


# -- the clean command names its outputs from file names only -----------------------------------------------


def test_clean_writes_only_inside_its_output_folder(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    for name in ("...html", "..txt", ".. .html", "-o.html", "a b;rm -rf.html"):
        (pages / name).write_text(good_page("Serotonin Tone"), encoding="utf-8")
    (pages / "crawl.jsonl").write_text(json.dumps({"url": "../../escape", "html": good_page("X")}) + "\n")
    out = tmp_path / "out"
    before = _files_outside(tmp_path, out)
    done = subprocess.run([sys.executable, "-m", "pipeline", "clean", str(pages), "-o", str(out), "--workers", "1"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _files_outside(tmp_path, out) == before
    assert all(path.parent == out for path in out.rglob("*"))
