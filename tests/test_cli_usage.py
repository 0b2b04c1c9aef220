"""The command line's answers to mistakes: which exit code, which message, and no traceback.

The exit codes are the README's table: 0 ok; 1 the work found problems or failed; 2 bad usage or
an argument that cannot be read.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from entry_texts import LEAD, ORIGIN
from test_cli import GOOD_HTML, GOOD_TXT, _jsonl, cli

from pipeline.api import PipelineConfig
from pipeline.cli import PAGE_OPTIONS
from pipeline.read import Limits


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    (folder / "ghrelin-timing.html").write_text(GOOD_HTML, encoding="utf-8")
    (folder / "ghrelin-timing-notes.txt").write_text(GOOD_TXT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def finished_run(pages, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "out"
    done = cli("run", str(pages), "-o", str(out), "--workers", "1", "--format", "parquet")
    assert done.returncode == 0, done.stderr
    return out


def _clean_failure(done: subprocess.CompletedProcess[str], code: int) -> None:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr


# -- 1. a path named on the command line that does not exist -----------------------------------------


def test_a_mistyped_input_is_bad_usage_naming_it(pages, tmp_path):
    out = tmp_path / "out"
    done = cli("run", str(pages), str(tmp_path / "pagez"), "-o", str(out), "--workers", "1")
    _clean_failure(done, 2)
    assert f"no such input: {tmp_path / 'pagez'}" in done.stderr
    assert not out.exists()  # nothing was started


def test_an_unreadable_file_inside_a_folder_or_a_list_stays_a_reject(pages, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "ghrelin-timing.html").write_text(GOOD_HTML, encoding="utf-8")
    (folder / "gone.html").symlink_to(tmp_path / "nowhere.html")  # named by the folder, not readable
    listed = tmp_path / "inputs.txt"
    listed.write_text(f"{folder / 'ghrelin-timing.html'}\n{tmp_path / 'listed-but-missing.html'}\n", encoding="utf-8")
    for args in ([str(folder)], ["--from", str(listed)]):
        out = tmp_path / f"out-{len(args)}"
        done = cli("run", *args, "-o", str(out), "--workers", "1")
        assert done.returncode == 0, done.stderr
        rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [reject["reason"] for reject in rejects] == ["unreadable"]
        assert rejects[0]["source"]["path"].endswith(("gone.html", "listed-but-missing.html"))


@pytest.mark.parametrize(
    ("command", "what"),
    [(["validate", "{missing}"], "file"), (["audit", "{missing}"], "run folder"),
     (["diff", "{run}", "{missing}"], "run folder"), (["evaluate", "{missing}", "{run}"], "run folder"),
     (["evaluate", "{run}", "{missing}"], "gold folder"), (["clean", "{missing}", "-o", "{out}"], "input")],
)
def test_every_command_exits_2_naming_a_missing_argument(command, what, finished_run, tmp_path):
    missing = tmp_path / "typo"
    args = [part.format(missing=missing, run=finished_run, out=tmp_path / "out") for part in command]
    done = cli(*args)
    _clean_failure(done, 2)
    assert f"no such {what}: {missing}" in done.stderr


def test_a_missing_from_list_is_bad_usage(tmp_path):
    done = cli("run", "--from", str(tmp_path / "list.txt"), "-o", str(tmp_path / "out"))
    _clean_failure(done, 2)
    assert f"cannot read --from {tmp_path / 'list.txt'}" in done.stderr


@pytest.mark.parametrize("written_by", ["notepad-utf8-bom", "powershell-utf16", "find-print0"])
def test_a_from_list_as_editors_and_tools_write_it_gives_every_listed_page(written_by, pages, tmp_path):
    listed = sorted(str(path) for path in pages.iterdir())
    if written_by == "find-print0":  # NUL-separated, so a name may hold a line break
        odd = tmp_path / "two\nlines.html"
        odd.write_text(f"<html><head><title>Melatonin Onset</title></head><body><article><h1>Melatonin Onset</h1>"
                       f"<p>Melatonin Onset is named here. {LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p></article>"
                       "</body></html>", encoding="utf-8")
        listed.append(str(odd))
        data = "".join(f"{path}\0" for path in listed).encode("utf-8")
    else:
        text = "".join(f"{path}\r\n" for path in listed)
        data = codecs.BOM_UTF8 + text.encode("utf-8") if written_by.endswith("bom") else text.encode("utf-16")
    (tmp_path / "list.txt").write_bytes(data)
    out = tmp_path / "out"

    done = cli("run", "--from", str(tmp_path / "list.txt"), "-o", str(out), "--workers", "1")

    _clean_failure(done, 0)  # UTF-16: "the run failed: embedded null byte; `run --resume` continues it"
    assert _jsonl(out / "rejects.jsonl") == []  # the BOM made the first path a name no file has
    assert sorted({record["source"]["path"] for record in _jsonl(out / "records.jsonl")}) == listed


# -- 2. an output path that is a file ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "clean"])
def test_an_output_file_is_refused_before_starting_without_a_resume_hint(command, pages, tmp_path):
    target = tmp_path / "afile"
    target.write_text("mine\n", encoding="utf-8")
    done = cli(command, str(pages), "-o", str(target), "--workers", "1")
    _clean_failure(done, 2)
    assert f"{target} cannot be used as the output folder: it is a file" in done.stderr
    assert "resume" not in done.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("command", ["run", "clean"])
def test_an_output_folder_that_cannot_be_made_is_bad_usage(command, pages, tmp_path):
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    target = tmp_path / "afile" / "out"
    done = cli(command, str(pages), "-o", str(target), "--workers", "1")
    _clean_failure(done, 2)
    assert f"{target} cannot be used as the output folder" in done.stderr
    assert "resume" not in done.stderr


# -- 3. validate ---------------------------------------------------------------------------------------


def test_validate_reads_parquet_and_tells_records_from_rejects(finished_run, tmp_path):
    records = cli("validate", str(finished_run / "records-00000.parquet"))
    assert records.returncode == 0, records.stderr
    assert records.stdout.strip() == "2 records and 0 rejects checked, 0 problems"

    reject = {"source": {"path": "x.html", "url": None, "sha256": "0" * 64}, "reason": "empty", "detail": "No text."}
    mixed = tmp_path / "mixed.jsonl"
    record_line = subprocess.run(  # one record of the run as a JSON line, beside a reject
        [sys.executable, "-c", "import json,sys; from pipeline.run_files import iter_records; "
         "print(json.dumps(next(iter_records(__import__('pathlib').Path(sys.argv[1])))))", str(finished_run)],
        capture_output=True, text=True, check=True).stdout
    mixed.write_text(record_line + json.dumps(reject) + "\n", encoding="utf-8")
    done = cli("validate", str(mixed))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1 records and 1 rejects checked, 0 problems"

    declared = cli("validate", "--reject", str(mixed))  # the record is no reject
    _clean_failure(declared, 1)
    assert "mixed.jsonl:1: reject:" in declared.stderr
    assert declared.stdout.strip().startswith("0 records and 2 rejects checked")

    bad_reject = tmp_path / "rejects.jsonl"
    bad_reject.write_text(json.dumps({**reject, "reason": "no-such-reason"}) + "\n", encoding="utf-8")
    wrong = cli("validate", str(bad_reject))
    _clean_failure(wrong, 1)
    assert "rejects.jsonl:1: reject: reason:" in wrong.stderr


@pytest.mark.parametrize("content", [b"\x1f\x8b\x08\x00binary\xff\xfe\n" * 3, b"PAR1 not really parquet PAR1"],
                         ids=["binary", "broken-parquet"])
def test_validate_reports_a_bad_file_as_problems_not_a_traceback(content, tmp_path):
    bad = tmp_path / "records.parquet"
    bad.write_bytes(content)
    done = cli("validate", str(bad))
    _clean_failure(done, 1)
    assert str(bad) in done.stderr


def test_validate_of_a_folder_is_bad_usage(finished_run):
    done = cli("validate", str(finished_run))
    _clean_failure(done, 2)
    assert "is a folder" in done.stderr


# -- 4. a reader that goes away ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["schema", "tag"])
def test_a_closed_pipe_ends_the_command_quietly(command, tmp_path):
    lines = tmp_path / "texts.jsonl"
    lines.write_text("".join(json.dumps({"id": str(n), "text": "Dopamine and cortisol."}) + "\n" for n in range(30)),
                     encoding="utf-8")
    args = [sys.executable, "-m", "pipeline", command] + ([str(lines)] if command == "tag" else [])
    # The reader is gone before the command writes anything (as `| head` after its lines), whatever the
    # machine's speed: its end of the pipe is closed before the command starts.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(args, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 1


@pytest.mark.parametrize("command", [["run", "{pages}", "-o", ""], ["clean", "{pages}", "-o", ""],
                                     ["diff", "{run}", "{run}", "--json", ""],
                                     ["evaluate", "{run}", "{pages}", "--json", ""]])
def test_an_empty_path_argument_is_bad_usage_not_the_current_folder(command, pages, finished_run, tmp_path):
    # `-o "$OUT"` with OUT unset: the run went into the current folder; `--json ""` ended in a traceback.
    args = [arg.format(pages=pages, run=finished_run) for arg in command]
    done = cli(*args, cwd=tmp_path)
    _clean_failure(done, 2)
    assert "an empty path" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["folder", "under-a-file"])
def test_a_json_report_that_cannot_be_written_is_bad_usage_naming_it(target, finished_run, tmp_path):
    report = tmp_path if target == "folder" else tmp_path / "notes.txt" / "diff.json"
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    done = cli("diff", str(finished_run), str(finished_run), "--json", str(report))
    _clean_failure(done, 2)
    assert f"--json {report}" in done.stderr


@pytest.mark.parametrize("command", ["run", "clean"])
def test_more_workers_than_cores_is_capped_at_the_cores_with_a_note(command, pages, tmp_path):
    # The pool forks every worker at once, each building its own pipeline (about 200 MB): `--workers 100` on a
    # small machine ran it out of memory. One more than the cores is enough to show the cap, and harmless without it.
    cores = os.cpu_count() or 1
    out = tmp_path / "out"
    done = cli(command, str(pages), "-o", str(out), "--workers", str(cores + 1))
    _clean_failure(done, 0)
    assert f"--workers {cores + 1} is more than this machine's {cores} cores; using {cores}" in done.stderr
    if command == "run":
        assert json.loads((out / "run.json").read_text(encoding="utf-8"))["config"]["workers"] == cores


def test_clean_refuses_an_output_folder_among_its_inputs_and_leaves_the_pages_alone(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "ghrelin-timing.txt").write_text(GOOD_TXT, encoding="utf-8")  # its text would be written to this name
    (pages / "ghrelin-timing.html").write_text(GOOD_HTML, encoding="utf-8")
    page_file = str(pages / "ghrelin-timing.html")
    for args in ([str(pages), "-o", str(pages)], [str(pages), "-o", str(pages / "texts")],
                 [page_file, "-o", str(pages)]):
        done = cli("clean", *args, "--workers", "1")
        _clean_failure(done, 2)
        assert "give -o a folder outside the inputs" in done.stderr
    assert sorted(path.name for path in pages.iterdir()) == ["ghrelin-timing.html", "ghrelin-timing.txt"]
    assert (pages / "ghrelin-timing.txt").read_text(encoding="utf-8") == GOOD_TXT
    # A folder beside the inputs, or below a file's folder, is fine: nothing there is read.
    assert cli("clean", page_file, "-o", str(pages / "texts"), "--workers", "1").returncode == 0


def _command_with_closed(fd: int, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command started with standard stream `fd` closed (`<&-`, `>&-`, `2>&-`); the other two captured, the
    output of a closed stderr read back from a file the command's stdout is also pointed at."""
    streams: dict[str, object] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], **streams, text=True, timeout=300, cwd=cwd,
                          preexec_fn=lambda: os.close(fd))


def test_a_closed_standard_stream_ends_no_command_with_a_traceback_and_loses_no_run(pages, tmp_path):
    # stderr closed: the progress bar and the messages found no stream; the run ended before it began, silently.
    quiet = _command_with_closed(2, "run", str(pages), "-o", "quiet", "--workers", "1", cwd=tmp_path)
    assert quiet.returncode == 0 and "2 inputs" in quiet.stdout
    assert len(_jsonl(tmp_path / "quiet" / "records.jsonl")) >= 1
    # stdout closed: the run is written, and the command says its report was lost, as a closed pipe does.
    blind = _command_with_closed(1, "run", str(pages), "-o", "blind", "--workers", "1", cwd=tmp_path)
    _clean_failure(blind, 1)
    assert "standard output is closed" in blind.stderr
    assert _jsonl(tmp_path / "blind" / "records.jsonl") == _jsonl(tmp_path / "quiet" / "records.jsonl")
    # stdin closed: `tag` reading it is told where its lines can come from.
    no_input = _command_with_closed(0, "tag", cwd=tmp_path)
    _clean_failure(no_input, 2)
    assert "standard input is closed" in no_input.stderr


def test_a_terminal_that_is_not_utf8_gets_escapes_and_tag_still_writes_utf8_json(pages, tmp_path):
    ascii_terminal = {**os.environ, "PYTHONIOENCODING": "ascii"}
    out = tmp_path / "out-\u2192-results"
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(pages), "-o", str(out), "--workers", "1"],
                          capture_output=True, text=True, timeout=300, env=ascii_terminal)
    _clean_failure(done, 0)
    assert "out-\\u2192-results" in done.stdout
    line = json.dumps({"id": "caf\u00e9-1", "text": "Dopamine \u2192 cortisol."}, ensure_ascii=False)
    tagged = subprocess.run([sys.executable, "-m", "pipeline", "tag"], input=line.encode("utf-8"),
                            capture_output=True, timeout=300, env=ascii_terminal)
    assert tagged.returncode == 0, tagged.stderr
    (result,) = [json.loads(row) for row in tagged.stdout.decode("utf-8").splitlines()]
    assert result["id"] == "caf\u00e9-1"
    assert [entity["canonical"] for entity in result["entities"]] == ["dopamine", "cortisol"]


# -- 7. stale audit files ------------------------------------------------------------------------------


def test_a_new_run_removes_the_audit_of_the_results_it_replaced(pages, tmp_path):
    out = tmp_path / "out"
    assert cli("run", str(pages), "-o", str(out), "--workers", "1").returncode == 0
    assert cli("audit", str(out)).returncode == 0
    assert (out / "audit.html").exists() and (out / "audit.json").exists()
    rerun = cli("run", str(pages / "ghrelin-timing.html"), "-o", str(out), "--workers", "1")
    assert rerun.returncode == 0, rerun.stderr
    assert not (out / "audit.html").exists() and not (out / "audit.json").exists()
    assert cli("audit", str(out)).returncode == 0
    assert json.loads((out / "audit.json").read_text(encoding="utf-8"))["totals"]["inputs"] == 1


# -- 8. page limits as flags, --force, exit codes ------------------------------------------------------


def test_force_without_resume_is_refused(pages, tmp_path):
    done = cli("run", str(pages), "-o", str(tmp_path / "out"), "--force")
    _clean_failure(done, 2)
    assert "--force only goes with --resume" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("flags", "reason"),
    [(["--max-bytes", "400"], "too-large"), (["--max-chars", "300"], "text-too-long"),
     (["--max-depth", "3"], "too-deep"), (["--language", "de"], "not-english")],
)
def test_page_limit_flags_reach_the_pages(flags, reason, pages, tmp_path):
    out = tmp_path / "out"
    done = cli("run", str(pages), "-o", str(out), "--workers", "1", *flags)
    assert done.returncode == 0, done.stderr
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rejects and {reject["reason"] for reject in rejects} == {reason}
    config = json.loads((out / "run.json").read_text(encoding="utf-8"))["config"]
    name = next(name for flag, name, _, _ in PAGE_OPTIONS if flag == flags[0])
    recorded = config["limits"][name] if name in {f.name for f in fields(Limits)} else config[name]
    assert str(recorded) == flags[1]


@pytest.mark.parametrize(
    "flags", [["--language", "xx"], ["--max-depth", "257"], ["--timeout", "-1"], ["--max-bytes", "0"],
              ["--timeout", "1e12"]]  # the last: each page was an internal error (the timers overflow)
)
def test_out_of_range_limits_are_bad_usage(flags, pages, tmp_path):
    done = cli("run", str(pages), "-o", str(tmp_path / "out"), *flags)
    _clean_failure(done, 2)
    assert flags[0] in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_defaults_in_the_help_are_the_configurations():
    config = PipelineConfig()
    defaults = {**{f.name: getattr(config.limits, f.name) for f in fields(Limits)},
                **{f.name: getattr(config, f.name) for f in fields(PipelineConfig)}}
    for flag, name, _, help_text in PAGE_OPTIONS:
        stated = re.search(r"default ([\w,.]+)\)", help_text)
        assert stated, flag
        default = defaults[name]
        assert stated.group(1).replace(",", "") == (f"{default:g}" if isinstance(default, float) else str(default))
