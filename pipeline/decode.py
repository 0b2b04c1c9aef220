"""Decode stage: bytes -> text and media type, never a crash on bytes that lie about themselves.

Charset order: byte-order mark, then the charset the page declares (<meta charset>,
http-equiv, XML declaration) when the bytes decode cleanly with it, then strict UTF-8,
then charset-normalizer's detection. Bytes nothing decodes are a `decode-error` reject.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import charset_normalizer

from pipeline.rejects import Rejected

MediaType = Literal["text/html", "text/plain"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Signatures of common binary formats that are sometimes saved with a page's name.
_BINARY_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-", b"PK\x03\x04", b"\x00\x00\x01\x00",
    b"7z\xbc\xaf", b"Rar!\x1a", b"\x7fELF", b"\x1a\x45\xdf\xa3",
)
# Signatures made of a few letters, which a text also starts with ("BMI is ...", "MZ twins", "ID3 gene"):
# binary only when a control byte (which text has not) follows within the file's first bytes.
_LETTER_MAGIC = (b"BM", b"MZ", b"RIFF", b"OggS", b"ID3", b"wOFF", b"wOF2")
_MAGIC_WINDOW = 16
# Bytes that text has not (C0 controls but tab, line breaks, form feed; DEL): binary data has them within a few KB.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_HTML_SIGNS = re.compile(
    r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<(?:p|div|h[1-6]|article|main|section|dl|title)[\s>]",
    re.IGNORECASE,
)
_HTML_START = re.compile(r"\s*<(?:!doctype|html)", re.IGNORECASE)
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# WHATWG encoding rules: pages labelled latin-1 / ascii are decoded as windows-1252.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
                    "ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252",
                    # WHATWG: a UTF-16/32 label in a <meta> of a page without a BOM means UTF-8 (the page
                    # could not have been read as ASCII-compatible markup otherwise).
                    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8", "utf16": "utf-8",
                    "utf-32": "utf-8", "utf-32le": "utf-8", "utf-32be": "utf-8", "x-user-defined": "cp1252"}
# Python's text codecs that no browser takes from a page (not in the WHATWG Encoding Standard): they rewrite
# ASCII markup ("+ADw-" is "<" in UTF-7, a backslash starts an escape) or fail on any ordinary page.
_NOT_WEB_ENCODINGS = frozenset({"utf-7", "idna", "punycode", "unicode-escape", "raw-unicode-escape"})
# When detection finds windows-1252 as plausible as its best guess, take windows-1252: the
# default legacy encoding of English-language pages (detectors often tie it with cp1250).
_PREFERRED_LEGACY = "cp1252"
_CHAOS_TOLERANCE = 0.02
_MAX_CONTROL_SHARE = 0.01
# C0 controls other than tab, line feed, form feed and carriage return.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# A character that shows: not white space, and not one of the invisible format characters (zero-width space
# and joiners, soft hyphen, direction marks and embeddings, word joiner, byte-order mark) a page of nothing
# but them is made of.
_VISIBLE = re.compile("[^\\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# What `bytes.decode("utf-8", "surrogateescape")` makes of bytes that are not UTF-8.
_STRAY_BYTES = re.compile("[\udc80-\udcff]")


@dataclass(slots=True)
class Decoded:
    text: str
    media_type: MediaType
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes, path: str) -> Decoded:
    if not data.strip():
        raise Rejected("empty", "the input is empty or only whitespace")
    text, encoding, warnings = _to_text(data)
    if not _VISIBLE.search(text):
        raise Rejected("empty", "the input has no visible characters")
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise Rejected("binary", "the input is mostly control characters, not text")
    return Decoded(text=text, media_type=_media_type(text, path), encoding=encoding, warnings=warnings)


def _to_text(data: bytes) -> tuple[str, str, list[str]]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if (other := _contradicted_bom(codec, data[len(bom):])) is not None:
                return other
            try:
                return data.decode(codec), codec.removesuffix("-sig"), []
            except UnicodeDecodeError as error:
                raise Rejected("decode-error", f"the bytes do not match their {codec} byte-order mark") from error
    if data.startswith(_BINARY_MAGIC) or (
        data.startswith(_LETTER_MAGIC) and CONTROL_BYTES.search(data, 0, _MAGIC_WINDOW)
    ):
        raise Rejected("binary", "the input is binary data (an image, archive, document or executable), not a page")
    warnings: list[str] = []
    if b"\x00" in data[:4096]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        sample = data[:4096]
        if len(CONTROL_BYTES.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
            raise Rejected("binary", "the input has NUL bytes and is not UTF-16 text: binary data, not a page")
        # A stray NUL or two in text (a C string's terminator, a database field's padding), which a browser
        # shows as nothing: dropped, rather than the page rejected as binary.
        data = data.replace(b"\x00", b"")
        warnings.append("stray NUL bytes in the text were dropped")
    declared = _declared_charset(data)
    if declared and declared != "utf-8" and not data.isascii() and _is_utf8(data):
        # A legacy label on UTF-8 bytes (a template's stale <meta>) would turn every accent into
        # mojibake; valid multi-byte UTF-8 does not happen by chance in a legacy-encoded page.
        return data.decode("utf-8"), "utf-8", [f"declared charset {declared}, but the bytes are UTF-8"]
    if declared:
        try:
            return data.decode(declared), declared, []
        except UnicodeError:  # UnicodeDecodeError, and the UnicodeError of codecs such as punycode
            warnings.append(f"declared charset {declared} does not decode the bytes; detected instead")
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    mixed = _utf8_with_legacy_bytes(data)
    if mixed is not None:
        return mixed, "utf-8", [*warnings, "mixed encodings: bytes that are not UTF-8 were read as windows-1252"]
    matches = charset_normalizer.from_bytes(data[:200_000])
    best = matches.best()
    if best is None:
        raise Rejected("decode-error", "no character encoding decodes these bytes")
    best = next(
        (m for m in matches if m.encoding == _PREFERRED_LEGACY and m.chaos <= best.chaos + _CHAOS_TOLERANCE), best
    )
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise Rejected("decode-error", f"the bytes do not decode as detected {best.encoding}") from error
    warnings.append(f"charset detected as {best.encoding} (no declaration matched)")
    return text, best.encoding, warnings


def _contradicted_bom(codec: str, body: bytes) -> tuple[str, str, list[str]] | None:
    """The text, when the bytes after a byte-order mark plainly are in another encoding (a tool that wrote
    the mark of one encoding before text in another). UTF-16 or UTF-32 markup has NUL bytes (every ASCII
    character has one): a "UTF-16" body without any that is valid UTF-8 is UTF-8; a "UTF-8" body whose NUL
    bytes follow the pattern of UTF-16 or UTF-32 is that."""
    sample = body[:4096]
    if codec != "utf-8-sig" and b"\x00" not in sample and _is_utf8(body):
        return body.decode("utf-8"), "utf-8", [f"the byte-order mark says {codec}, but the bytes are UTF-8"]
    if codec == "utf-8-sig" and b"\x00" in sample and (wide := _utf16_without_bom(body)) is not None:
        text, wide_codec, _ = wide
        return text, wide_codec, [f"the byte-order mark says UTF-8, but the NUL pattern says {wide_codec}"]
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_with_legacy_bytes(data: bytes) -> str | None:
    """UTF-8 text with stray windows-1252 bytes (a UTF-8 template around legacy content):
    each valid UTF-8 sequence as UTF-8, each stray byte as windows-1252, so neither half
    becomes mojibake. None unless valid multi-byte characters outnumber the stray bytes."""
    text = data.decode("utf-8", "surrogateescape")  # stray bytes become U+DC80..U+DCFF
    stray = len(_STRAY_BYTES.findall(text))
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - stray
    if multibyte < max(stray, 1):
        return None
    return _STRAY_BYTES.sub(lambda match: _legacy_char(ord(match.group()) - 0xDC00), text)


def _legacy_char(byte: int) -> str:
    # Five bytes have no windows-1252 character; WHATWG maps them to the C1 controls, as latin-1 does.
    return bytes([byte]).decode("cp1252", errors="ignore") or bytes([byte]).decode("latin-1")


def _utf16_without_bom(data: bytes) -> tuple[str, str, list[str]] | None:
    """UTF-16 (or UTF-32) saved without a byte-order mark: ASCII markup puts a NUL in every other
    byte (in three bytes of four).

    Which bytes of the pairs (or quads) are mostly NUL tells the width and byte order; anything
    else with NUL bytes is binary.
    """
    sample = data[:4096]
    codec = _utf32_by_nul_pattern(sample) if len(data) % 4 == 0 else None
    pairs = len(sample) // 2
    if codec is None:
        if pairs == 0 or len(data) % 2:
            return None
        even_nul = sample[0::2].count(0) / pairs
        odd_nul = sample[1::2].count(0) / pairs
        if odd_nul > 0.3 and even_nul < 0.05:
            codec = "utf-16-le"
        elif even_nul > 0.3 and odd_nul < 0.05:
            codec = "utf-16-be"
        else:
            return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return text, codec, [f"no byte-order mark: the NUL pattern says {codec}"]


def _utf32_by_nul_pattern(sample: bytes) -> str | None:
    """UTF-32's byte order when its pattern shows: the highest byte of every character NUL (no code
    point is above U+10FFFF), the next nearly always (only characters past U+FFFF, emoji, set it),
    and the lowest almost never."""
    quads = len(sample) // 4
    if quads == 0:
        return None
    nul = [sample[offset::4][:quads].count(0) / quads for offset in range(4)]
    if nul[3] == 1 and nul[2] > 0.9 and nul[0] < 0.05:
        return "utf-32-le"
    if nul[0] == 1 and nul[1] > 0.9 and nul[3] < 0.05:
        return "utf-32-be"
    return None


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(data[:4096])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
        _require_text_codec(name)
    except LookupError:  # unknown, or a codec that is no character encoding (base64, rot13, zlib)
        return None
    return None if name in _NOT_WEB_ENCODINGS else name


def _require_text_codec(name: str) -> None:
    """LookupError unless `name` is a character encoding. bytes.decode checks that before decoding (and
    not at all for empty bytes), so one byte is enough; whether it decodes does not matter."""
    with contextlib.suppress(UnicodeError):
        b"<".decode(name)


def _control_share(text: str) -> float:
    sample = text[:20_000]
    return len(_CONTROL_CHARS.findall(sample)) / len(sample)


def _media_type(text: str, path: str) -> MediaType:
    """By the file name's extension; by the decoded text's opening when the name has none.

    The decoded text, not the bytes, is inspected, so UTF-16 pages are recognised too.
    """
    name = Path(path).name.lower().removesuffix(".gz")
    head = text[:2048].lstrip("\ufeff")
    if name.endswith(".txt"):
        # A .txt file is plain text unless it plainly starts as an HTML document.
        return "text/html" if _HTML_START.match(head) else "text/plain"
    if name.endswith(_HTML_SUFFIXES):
        return "text/html"
    return "text/html" if _HTML_SIGNS.search(head) else "text/plain"
