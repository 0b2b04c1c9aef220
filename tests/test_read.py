"""Read stage: which files a folder gives, and loading bytes within the size limits."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipeline.read import Limits, discover, gunzip, read_bytes
from pipeline.rejects import Rejected

PAGE = b"<html><body><p>Dopamine is a neurotransmitter.</p></body></html>"


def _touch(path: Path, data: bytes = PAGE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _rel(paths: list[str], root: Path) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in paths]


def test_folders_are_walked_recursively_in_sorted_order_without_hidden_entries(tmp_path):
    for name in ("b.html", "a.htm", "c.txt", "page.html.gz", "noext", "sub/z.xhtml", "sub/deeper/y.html",
                 ".hidden.html", ".git/config.html", "sub/.cache/x.html"):
        _touch(tmp_path / name)

    found = discover([str(tmp_path)])
    paths = _rel(found.paths, tmp_path)

    assert set(paths) == {"a.htm", "b.html", "c.txt", "noext", "page.html.gz", "sub/z.xhtml", "sub/deeper/y.html"}
    assert len(paths) == len(set(paths))
    top = [p for p in paths if "/" not in p]
    assert top == sorted(top)
    assert found.skipped == []
    assert discover([str(tmp_path)]) == found


def test_the_order_does_not_depend_on_creation_order(tmp_path):
    for name in ("m.html", "c.html", "x.html", "a.html"):
        _touch(tmp_path / name)
    assert _rel(discover([str(tmp_path)]).paths, tmp_path) == ["a.html", "c.html", "m.html", "x.html"]


def test_files_that_are_not_pages_by_name_are_listed_as_skipped(tmp_path):
    _touch(tmp_path / "entry.html")
    for name in ("logo.png", "styles.css", "notes.pdf", "data.json"):
        _touch(tmp_path / name, b"x")

    found = discover([str(tmp_path)])

    assert _rel(found.paths, tmp_path) == ["entry.html"]
    assert sorted(_rel(found.skipped, tmp_path)) == ["data.json", "logo.png", "notes.pdf", "styles.css"]


def test_a_file_named_on_the_command_line_is_kept_whatever_its_name(tmp_path):
    odd = _touch(tmp_path / "export.dat")
    found = discover([str(odd)])
    assert found.paths == [str(odd)] and found.skipped == []


def test_gzip_pages_are_read_raw_and_decompressed_by_gunzip(tmp_path):
    raw = gzip.compress(PAGE)
    path = _touch(tmp_path / "page.html.gz", raw)
    assert read_bytes(str(path), Limits()) == raw  # source.sha256 is the hash of these bytes
    assert gunzip(raw, Limits().max_decompressed_bytes) == PAGE


def test_plain_pages_are_read_as_they_are(tmp_path):
    path = _touch(tmp_path / "page.html")
    assert read_bytes(str(path), Limits()) == PAGE


def test_a_decompression_bomb_is_refused_as_too_large(tmp_path):
    bomb = gzip.compress(b"\0" * 2_000_000)  # ~2 kB on disk
    path = _touch(tmp_path / "bomb.html.gz", bomb)
    limits = Limits(max_bytes=1_000_000, max_decompressed_bytes=100_000)
    assert len(bomb) < limits.max_bytes

    with pytest.raises(Rejected) as caught:
        gunzip(read_bytes(str(path), limits), limits.max_decompressed_bytes)
    assert caught.value.reason == "decompressed-too-large"


def test_gunzip_stops_at_the_limit_instead_of_expanding_everything():
    bomb = gzip.compress(b"a" * 5_000_000)
    with pytest.raises(Rejected) as caught:
        gunzip(bomb, 1_000)
    assert caught.value.reason == "decompressed-too-large"
    assert gunzip(gzip.compress(b"a" * 1_000), 1_000) == b"a" * 1_000  # exactly at the limit is fine


def test_a_truncated_gzip_file_is_a_decode_error(tmp_path):
    data = gzip.compress(PAGE * 50)
    path = _touch(tmp_path / "cut.html.gz", data[: len(data) // 2])
    with pytest.raises(Rejected) as caught:
        gunzip(read_bytes(str(path), Limits()), Limits().max_decompressed_bytes)
    assert caught.value.reason == "decode-error"


def test_a_corrupt_gzip_body_is_a_decode_error(tmp_path):
    data = bytearray(gzip.compress(PAGE))
    data[12:20] = b"\xff" * 8  # damage the deflate stream after the header
    path = _touch(tmp_path / "bad.html.gz", bytes(data))
    with pytest.raises(Rejected) as caught:
        gunzip(read_bytes(str(path), Limits()), Limits().max_decompressed_bytes)
    assert caught.value.reason == "decode-error"


def test_a_file_over_the_size_limit_is_too_large(tmp_path):
    path = _touch(tmp_path / "big.html", b"<p>" + b"x" * 5_000 + b"</p>")
    with pytest.raises(Rejected) as caught:
        read_bytes(str(path), Limits(max_bytes=1_000))
    assert caught.value.reason == "too-large"
    assert read_bytes(str(path), Limits(max_bytes=10_000)).startswith(b"<p>x")


def test_a_file_that_grows_past_the_limit_after_its_size_was_checked_is_too_large(tmp_path, monkeypatch):
    import os

    path = _touch(tmp_path / "being-written.html", b"<p>" + b"x" * 500)
    real_stat = os.stat

    def stat_then_the_crawler_writes_on(target: object, *args: object, **kwargs: object) -> os.stat_result:
        status = real_stat(target, *args, **kwargs)
        if os.fspath(target) == str(path):  # only this file: os.stat is the process's own, patched for the test
            with open(path, "ab") as crawler:  # the file grows between the size check and the read
                crawler.write(b"x" * 5_000 + b"</p>")
        return status

    monkeypatch.setattr(os, "stat", stat_then_the_crawler_writes_on)
    with pytest.raises(Rejected) as caught:
        read_bytes(str(path), Limits(max_bytes=1_000))  # read, it was max_bytes + 1 bytes cut off mid-page
    assert caught.value.reason == "too-large"


def test_a_missing_file_is_unreadable(tmp_path):
    with pytest.raises(Rejected) as caught:
        read_bytes(str(tmp_path / "gone.html"), Limits())
    assert caught.value.reason == "unreadable"


@pytest.mark.parametrize(
    ("path", "stem"),
    [("a/b-c.html.gz", "b-c"), ("page.htm", "page"), ("x/entry.txt", "entry"), ("doc.xhtml", "doc"),
     ("noext", "noext"), ("notes.v2.html", "notes.v2")],
)
def test_page_stem_drops_page_and_gzip_suffixes(path, stem):
    from pipeline.read import page_stem

    assert page_stem(path) == stem
