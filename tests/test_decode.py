"""Decode stage: bytes to text with the right charset, media type, or a reject code."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from pipeline.decode import decode
from pipeline.rejects import Rejected

# Smart quotes, dashes and accents: the characters legacy pages get wrong.
TEXT = "The brain\u2019s \u201creward\u201d signal \u2013 dopamine \u2014 reaches the caf\u00e9 of na\u00efve neurons."


def _html(text: str = TEXT, meta: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{meta}<title>Dopamine</title></head><body><p>{text}</p></body></html>"


def _reason(data: bytes, path: str = "page.html") -> str:
    with pytest.raises(Rejected) as caught:
        decode(data, path)
    return caught.value.reason


def test_utf8_without_bom():
    decoded = decode(_html().encode("utf-8"), "page.html")
    assert TEXT in decoded.text
    assert decoded.encoding == "utf-8"
    assert decoded.warnings == []


def test_utf8_with_bom_drops_the_bom():
    decoded = decode(codecs.BOM_UTF8 + _html().encode("utf-8"), "page.html")
    assert decoded.text.startswith("<!DOCTYPE html>")
    assert TEXT in decoded.text
    assert decoded.encoding == "utf-8"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    decoded = decode(bom + _html().encode(codec), "page.html")
    assert TEXT in decoded.text
    assert not decoded.text.startswith("\ufeff")
    assert decoded.media_type == "text/html"


def test_windows_1252_declared_in_a_meta_tag():
    page = _html(meta='<meta charset="windows-1252">').encode("cp1252")
    decoded = decode(page, "page.htm")
    assert TEXT in decoded.text
    assert decoded.encoding == "cp1252"
    assert decoded.warnings == []


def test_windows_1252_declared_with_http_equiv():
    page = _html(meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">').encode("cp1252")
    assert TEXT in decode(page, "page.html").text


def test_latin1_label_is_read_as_windows_1252():
    # Browsers decode pages labelled iso-8859-1 as windows-1252, where 0x93/0x94 are curly quotes.
    page = _html(meta='<meta charset="iso-8859-1">').encode("cp1252")
    assert TEXT in decode(page, "page.html").text


def test_a_wrong_meta_charset_is_overridden_and_warned_about():
    page = _html(meta='<meta charset="utf-8">').encode("cp1252")  # declared utf-8, written in cp1252
    decoded = decode(page, "page.html")
    assert TEXT in decoded.text
    assert decoded.warnings, "a page whose declared charset was wrong must carry a warning"
    assert any("utf-8" in warning for warning in decoded.warnings)


def test_a_utf16_label_on_a_utf8_page_is_read_as_utf8():
    # A common authoring slip; browsers treat a utf-16 <meta> label on ASCII-compatible bytes as UTF-8.
    page = _html(meta='<meta charset="utf-16">')
    for pad in ("", " "):  # odd and even byte counts
        decoded = decode((page + pad).encode("utf-8"), "page.html")
        assert TEXT in decoded.text


def test_undeclared_windows_1252_is_detected():
    page = _html().encode("cp1252")
    decoded = decode(page, "page.html")
    assert TEXT in decoded.text
    assert decoded.warnings


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("page.html", _html())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)), id="png"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", id="pdf"),
        pytest.param(_zip_bytes(), id="zip"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), id="jpeg"),
        pytest.param(b"<html>\x00\x01\x02" + bytes(100), id="nul-bytes"),
        pytest.param(b"BM6\x0c\x00\x00\x00\x00\x00\x006\x00\x00\x00(\x00" + bytes(range(256)), id="bmp"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)), id="exe"),
        pytest.param(b"ID3\x03\x00\x00\x00\x00\x0fvTIT2" + bytes(range(256)), id="mp3"),
        pytest.param(b"RIFF$\x08\x00\x00WAVEfmt " + bytes(range(256)), id="wav"),
    ],
)
def test_binary_files_are_rejected_as_binary(data):
    assert _reason(data, "page.html") == "binary"


@pytest.mark.parametrize("opening", ["BMI (body mass index)", "MZ twins", "ID3 (inhibitor of DNA binding 3)",
                                     "RIFF", "OggS"])
def test_a_text_that_starts_like_a_binary_signature_is_text(opening):
    # "BMI" starts like a bitmap's "BM", "MZ twins" like an executable's "MZ": letters alone are no signature.
    text = f"{opening}\n{opening} is a term a plain-text glossary entry starts with. {TEXT}\n"
    decoded = decode(text.encode("utf-8"), "entry.txt")
    assert decoded.text == text and decoded.media_type == "text/plain"


@pytest.mark.parametrize("label", ["base64", "rot13", "hex", "zlib", "uu", "bz2", "punycode", "utf-7", "idna",
                                   "unicode_escape"])
def test_a_declared_codec_that_is_no_web_encoding_is_ignored(label):
    # Python knows these names, browsers do not: "+ADw-" would be "<" in UTF-7, base64 is no text at all.
    # (An ASCII page: a page with valid UTF-8 beyond ASCII is read as UTF-8 whatever it declares.)
    data = _html("Dopamine +ADw-b+AD4- \\u0041 rises", f'<meta charset="{label}">').encode("ascii")
    decoded = decode(data, "page.html")
    assert "Dopamine +ADw-b+AD4- \\u0041 rises" in decoded.text


@pytest.mark.parametrize("data", [b"", b"   ", b" \n\t\r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"  \n",
                                  "\u200b\u200d\ufeff\u00ad\u2060\u200e\u00a0\u3000\n".encode() * 50])
def test_empty_or_whitespace_input_is_empty(data):
    # The last: zero-width spaces and joiners, soft hyphens and direction marks, which show nothing either.
    assert _reason(data) == "empty"


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("entry.html", b"Just words, no markup.", "text/html"),
        ("entry.htm", b"Just words.", "text/html"),
        ("entry.xhtml", b"Just words.", "text/html"),
        ("entry.html.gz", b"Just words.", "text/html"),
        ("entry.txt", b"Dopamine\nOrigin\nThe word <b>dopamine</b> was coined in 1950s.", "text/plain"),
        ("entry.txt", b"<!DOCTYPE html><html><body><p>Dopamine</p></body></html>", "text/html"),
        ("entry.TXT", b"Dopamine is a neurotransmitter.", "text/plain"),
    ],
)
def test_media_type_by_extension(path, data, expected):
    assert decode(data, path).media_type == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<!doctype html><html><body><p>Dopamine</p></body></html>", "text/html"),
        (b"<div class='entry'><h1>Dopamine</h1><p>A neurotransmitter.</p></div>", "text/html"),
        (b"Dopamine\n\nDopamine is a neurotransmitter; 3 < 4 and 5 > 2.", "text/plain"),
    ],
)
def test_media_type_by_content_when_the_name_has_no_extension(data, expected):
    assert decode(data, "downloads/dopamine").media_type == expected


def test_utf16_html_without_extension_is_recognised_as_html():
    data = codecs.BOM_UTF16_LE + "<html><body><p>Dopamine</p></body></html>".encode("utf-16-le")
    assert decode(data, "downloads/dopamine").media_type == "text/html"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_by_its_nul_pattern_and_warned_about(codec):
    decoded = decode(_html().encode(codec), "page.html")
    assert TEXT in decoded.text
    assert decoded.encoding == codec
    assert decoded.warnings


def test_nul_bytes_in_ascii_text_are_binary_not_utf16():
    data = _html().encode("utf-8")
    assert _reason(data[:40] + b"\x00\x00\x00" + data[40:]) == "binary"


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_without_bom_is_recognised_by_its_nul_pattern_and_warned_about(codec):
    decoded = decode(_html().encode(codec), "page.html")
    assert TEXT in decoded.text and decoded.encoding == codec
    assert decoded.warnings == [f"no byte-order mark: the NUL pattern says {codec}"]


_SAYS_UTF16 = "the byte-order mark says utf-16, but the bytes are UTF-8"


@pytest.mark.parametrize(("data", "encoding", "warning"), [
    (codecs.BOM_UTF16_LE + _html().encode("utf-8"), "utf-8", _SAYS_UTF16),
    (codecs.BOM_UTF16_BE + _html().encode("utf-8"), "utf-8", _SAYS_UTF16),
    (codecs.BOM_UTF8 + _html().encode("utf-16-le"), "utf-16-le",
     "the byte-order mark says UTF-8, but the NUL pattern says utf-16-le"),
])
def test_a_byte_order_mark_the_bytes_contradict_gives_way_to_them_with_a_warning(data, encoding, warning):
    # A tool that wrote one encoding's mark before text in another: the text was mojibake (a "listing of 0
    # words") or NUL-ridden ("mostly control characters").
    decoded = decode(data, "page.html")
    assert TEXT in decoded.text and decoded.encoding == encoding and decoded.warnings == [warning]


@pytest.mark.parametrize("where", ["end", "middle"])
def test_a_stray_nul_byte_in_a_text_page_is_dropped_with_a_warning_not_a_binary_reject(where):
    data = _html().encode("utf-8")
    data = data + b"\x00" if where == "end" else data[:60] + b"\x00" + data[60:]  # a C string's terminator
    decoded = decode(data, "page.html")
    assert TEXT in decoded.text and "\x00" not in decoded.text
    assert decoded.warnings == ["stray NUL bytes in the text were dropped"]
