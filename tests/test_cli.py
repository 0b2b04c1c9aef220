"""The command line end to end, as a user runs it: `python -m pipeline ...` in a subprocess."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.model import json_schemas

LEAD = ("Ghrelin timing is the daily rise and fall of ghrelin, the stomach hormone that signals hunger, "
        "ahead of the meals a person usually eats.")
ORIGIN = ("Researchers described the pattern in the early 2000s after sampling blood every twenty minutes "
          "through a day of fixed meal times.")
MECHANISM = ("Cells of the stomach lining release ghrelin as the time of a habitual meal approaches; it reaches "
             "the hypothalamus, where it excites neurons that release neuropeptide Y.")


def _html(title: str, body: str, lang: str = "en") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><article>{body}</article></main></body></html>")


GOOD_HTML = _html("Ghrelin Timing", f"<h1>Ghrelin Timing</h1><p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p>"
                                    f"<h2>Mechanism</h2><p>{MECHANISM}</p>")
DL_HTML = _html("Hormone Glossary: G", f"<h1>Hormone Glossary: G</h1><dl><dt>Ghrelin Timing</dt><dd>{LEAD}</dd>"
                                       f"<dt>Glucagon Pulse</dt><dd>{ORIGIN} {MECHANISM}</dd></dl>")
GOOD_TXT = f"Ghrelin Timing\n{LEAD}\nOrigin\n{ORIGIN}\nMechanism\n{MECHANISM}\n"
SPANISH = _html("Ritmo de grelina", "<h1>Ritmo de grelina</h1><p>El ritmo de grelina es la subida y bajada diaria "
                "de la grelina, la hormona del estómago que anuncia el hambre antes de las comidas habituales de "
                "cada persona, y que vuelve a bajar cuando el estómago se llena.</p>", lang="es")
NOT_FOUND = _html("Page not found", "<h1>404 - Page not found</h1><p>Sorry, the page you were looking for has "
                  "moved or never existed. Try the search box or the glossary index.</p>")


# What a finished run leaves in its output folder.
RUN_FOLDER = [".lock", ".results", ".run-state", "current", "records.jsonl", "rejects.jsonl", "run.json"]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    (folder / "ghrelin-timing.html").write_text(GOOD_HTML, encoding="utf-8")
    (folder / "glossary-g.html").write_text(DL_HTML, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "ghrelin-timing.txt").write_text(GOOD_TXT, encoding="utf-8")
    (folder / "sub" / "ghrelin-timing-copy.html.gz").write_bytes(gzip.compress(GOOD_HTML.encode()))
    (folder / "ritmo-de-grelina.html").write_text(SPANISH, encoding="utf-8")
    (folder / "missing.html").write_text(NOT_FOUND, encoding="utf-8")
    (folder / "empty.html").write_bytes(b"")
    (folder / "picture.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4\n")  # not a page by its name: skipped
    (folder / ".draft.html").write_text(GOOD_HTML, encoding="utf-8")  # hidden: ignored
    return folder


@pytest.fixture(scope="module")
def run_output(pages, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    done = cli("run", str(pages), "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    return out


def test_run_writes_the_three_files_and_no_temp_files(run_output):
    # .run-state holds the journal that lets `run --resume` skip unchanged inputs; its parts are gone.
    # The three files are links through `current` into the run's one results folder.
    assert sorted(p.name for p in run_output.iterdir()) == RUN_FOLDER
    assert [p.name for p in (run_output / ".run-state").iterdir()] == ["journal.jsonl"]
    (results,) = (run_output / ".results").iterdir()
    assert (run_output / "current").resolve() == results
    assert sorted(p.name for p in results.iterdir()) == ["records.jsonl", "rejects.jsonl", "run.json"]


def test_run_records_validate_with_the_validate_command(run_output):
    records = _jsonl(run_output / "records.jsonl")
    assert len(records) == 5  # page, dl page (2 terms), txt, gzip copy
    assert {r["term"] for r in records} == {"Ghrelin Timing", "Glucagon Pulse"}
    done = cli("validate", str(run_output / "records.jsonl"))
    assert done.returncode == 0, done.stderr
    assert "5 records and 0 rejects checked, 0 problems" in done.stdout
    rejects = cli("validate", str(run_output / "rejects.jsonl"))
    assert rejects.returncode == 0, rejects.stderr
    assert "0 records and 4 rejects checked, 0 problems" in rejects.stdout


def test_run_rejects_say_which_file_and_why(run_output, pages):
    rejects = _jsonl(run_output / "rejects.jsonl")
    reasons = {Path(r["source"]["path"]).name: r["reason"] for r in rejects}
    assert reasons == {"ritmo-de-grelina.html": "not-english", "missing.html": "not-a-glossary-entry",
                       "empty.html": "empty", "picture.html": "binary"}
    for reject in rejects:
        assert Path(reject["source"]["path"]).is_relative_to(pages)
        assert reject["detail"].strip()


def test_run_report_counts_reconcile(run_output):
    report = json.loads((run_output / "run.json").read_text(encoding="utf-8"))
    counts = report["counts"]
    records = _jsonl(run_output / "records.jsonl")
    rejects = _jsonl(run_output / "rejects.jsonl")
    assert counts["records"] == len(records)
    assert counts["rejects"] == len(rejects) == sum(counts["rejects_by_reason"].values())
    assert counts["sources_with_records"] == len({r["source"]["path"] for r in records})
    assert counts["inputs"] == counts["sources_with_records"] + counts["rejects"] == 8
    assert counts["skipped_files"] == 1 and [Path(p).name for p in report["skipped_files"]] == ["notes.pdf"]


def test_a_second_run_over_the_same_folder_replaces_files_and_keeps_ids(run_output, pages, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "records.jsonl").write_text('{"stale": true}\n' * 50)
    (out / "rejects.jsonl").write_text("stale\n")
    (out / "run.json").write_text("{}")
    done = cli("run", str(pages), "-o", str(out), "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == RUN_FOLDER
    # Same inputs give the same records (ids included), whatever the number of workers.
    assert (out / "records.jsonl").read_text() == (run_output / "records.jsonl").read_text()
    assert (out / "rejects.jsonl").read_text() == (run_output / "rejects.jsonl").read_text()
    assert json.loads((out / "run.json").read_text())["counts"]["inputs"] == 8


def _corrupt(records: list[dict], how: str) -> list[dict]:
    record = records[0]
    if how == "offsets":
        entity = record["entities"][0]
        entity["start"] += 1
    elif how == "definition":
        record["definition"] = "Something else."
    elif how == "missing-field":
        del record["term"]
    elif how == "bad-kind":
        record["sections"][0]["kind"] = "introduction"
    return records


@pytest.mark.parametrize("how", ["offsets", "definition", "missing-field", "bad-kind", "not-json"])
def test_validate_fails_on_a_corrupted_records_file(run_output, tmp_path, how):
    lines = (run_output / "records.jsonl").read_text(encoding="utf-8").splitlines()
    if how == "not-json":
        lines[1] = lines[1][: len(lines[1]) // 2]
    else:
        records = _corrupt([json.loads(line) for line in lines], how)
        lines = [json.dumps(r) for r in records]
    bad = tmp_path / "records.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cli("validate", str(bad))
    assert done.returncode == 1
    assert "records.jsonl:" in done.stderr


def test_validate_reports_hostile_lines_as_problems_of_their_rows_without_a_traceback(run_output, tmp_path):
    good = (run_output / "records.jsonl").read_bytes().splitlines()
    deep = b"[" * 100_000 + b"]" * 100_000  # nested deeper than the JSON parser's stack
    huge_number = b'{"n": ' + b"7" * 5000 + b"}"  # past Python's 4,300-digit integer limit
    bad = tmp_path / "records.jsonl"
    bad.write_bytes(b"\n".join([good[0], deep, huge_number, good[1]]) + b"\n")
    done = cli("validate", str(bad))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{bad}:2: not JSON" in done.stderr and f"{bad}:3: not JSON" in done.stderr
    assert done.stdout.startswith("4 records and 0 rejects checked, 2 problems")


@pytest.mark.parametrize("bad_line", [b"caf\xe9", b"[" * 100_000 + b"]" * 100_000], ids=["not-utf8", "deep"])
@pytest.mark.parametrize("command", ["audit", "diff"])
def test_commands_reading_a_damaged_run_folder_name_the_line_instead_of_a_traceback(run_output, tmp_path, bad_line,
                                                                                   command):
    damaged = tmp_path / "run"
    shutil.copytree(run_output, damaged, symlinks=True)
    records = (damaged / "records.jsonl").resolve()
    records.write_bytes(records.read_bytes() + bad_line + b"\n")
    done = cli(command, str(damaged), *([str(run_output)] if command == "diff" else []))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{records}:" in done.stderr and "not JSON" in done.stderr


def test_validate_on_a_missing_file_fails(tmp_path):
    done = cli("validate", str(tmp_path / "nope.jsonl"))
    assert done.returncode == 2
    assert f"no such file: {tmp_path / 'nope.jsonl'}" in done.stderr


@pytest.mark.parametrize(
    "args",
    [pytest.param([], id="no-command"), pytest.param(["run"], id="run-without-input"),
     pytest.param(["run", "x", "--workers", "0"], id="zero-workers"),
     pytest.param(["run", "x", "--workers", "many"], id="non-numeric-workers"),
     pytest.param(["clean", "x"], id="clean-without-output"), pytest.param(["frobnicate"], id="unknown-command"),
     pytest.param(["validate"], id="validate-without-file")],
)
def test_bad_usage_exits_with_2(args, tmp_path):
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(("args", "name"), [([], "record.schema.json"), (["--reject"], "reject.schema.json")])
def test_schema_prints_the_json_schema(args, name):
    done = cli("schema", *args)
    assert done.returncode == 0
    assert json.loads(done.stdout) == json_schemas()[name]


def test_clean_writes_one_text_file_per_page_with_headings_on_their_own_lines(pages, tmp_path):
    out = tmp_path / "clean"
    done = cli("clean", str(pages), "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    # ghrelin-timing.html and sub/ghrelin-timing.txt share a stem: the second keeps its full name
    assert names == ["ghrelin-timing-copy.txt", "ghrelin-timing.txt", "ghrelin-timing.txt.txt", "glossary-g.txt",
                     "missing.txt", "rejects.jsonl", "ritmo-de-grelina.txt"]
    lines = (out / "ghrelin-timing-copy.txt").read_text(encoding="utf-8").splitlines()
    assert lines == ["Ghrelin Timing", LEAD, "Origin", ORIGIN, "Mechanism", MECHANISM]
    assert {r["reason"] for r in _jsonl(out / "rejects.jsonl")} == {"empty", "binary"}


def test_clean_keeps_pages_whose_names_differ_only_in_the_extension(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "ghrelin-timing.html").write_text(GOOD_HTML, encoding="utf-8")
    (pages / "ghrelin-timing.txt").write_text("Glucagon Pulse\n" + MECHANISM + "\n", encoding="utf-8")
    out = tmp_path / "clean"
    done = cli("clean", str(pages), "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    texts = [p.read_text(encoding="utf-8") for p in out.glob("*.txt")]
    assert any("Origin" in t for t in texts) and any("Glucagon Pulse" in t for t in texts)


def test_source_sha256_is_the_hash_of_the_raw_file(run_output):
    import hashlib

    records = _jsonl(run_output / "records.jsonl")
    assert records
    for record in records:
        raw = Path(record["source"]["path"]).read_bytes()
        assert record["source"]["sha256"] == hashlib.sha256(raw).hexdigest(), record["source"]["path"]
