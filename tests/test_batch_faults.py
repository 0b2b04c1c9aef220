"""Faults of the batch path found on real use: odd file names, killed processes, two runs in one folder,
a full disk, a crashed worker. Each test reproduces one of them through the command line or `run`."""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from entry_texts import LEAD, ORIGIN

from pipeline.run_files import iter_records, iter_rejects, read_run_report


def page(term: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term}</title></head>'
            f"<body><main><article><h1>{term}</h1><p>{term} is named here. {LEAD}</p><h2>Origin</h2>"
            f"<p>{ORIGIN}</p></article></main></body></html>")


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "run", *args], capture_output=True, text=True,
                          timeout=timeout)


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


def _pages(folder: Path, count: int) -> Path:
    """`count` good pages of some 40 KB, so that a run of them lasts long enough to be stopped."""
    folder.mkdir(parents=True, exist_ok=True)
    filler = f"<p>{LEAD}</p>" * 150
    for n in range(count):
        text = page(f"Serotonin Tone {n}").replace("<h2>Origin</h2>", filler + "<h2>Origin</h2>")
        (folder / f"page-{n:03d}.html").write_text(text, encoding="utf-8")
    return folder


def _start_run(pages: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    """A run in its own session, returned once it has committed its first shard (its workers are busy).
    Its messages go to a file beside `out` (a pipe would be held open by any worker that outlives it)."""
    command = [sys.executable, "-m", "pipeline", "run", str(pages), "-o", str(out), "--workers", "2",
               "--shard-size", "4", *extra]
    with open(out.parent / "stderr.txt", "wb") as stderr:
        started = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    journal = out / ".run-state" / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or not journal.read_bytes().count(b"\n")):
        time.sleep(0.02)
    return started


def _workers_of(run: subprocess.Popen[bytes]) -> list[psutil.Process]:
    workers = psutil.Process(run.pid).children(recursive=True)
    assert workers, "the run has no worker processes to check"
    return workers


def _alive(processes: list[psutil.Process], wait: float = 30.0) -> list[psutil.Process]:
    """The processes still running (zombies are dead) once they have had `wait` seconds to exit."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def test_killing_the_parent_alone_leaves_no_worker_running(tmp_path):
    run = _start_run(_pages(tmp_path / "pages", 80), tmp_path / "out")
    workers = _workers_of(run)
    run.kill()  # SIGKILL to the parent only, not to its process group
    run.wait()
    alive = _alive(workers)
    for process in alive:
        process.kill()
    assert not alive, f"{len(alive)} workers outlived their parent"


@pytest.mark.parametrize(("how", "code", "name"), [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")])
def test_sigterm_and_ctrl_c_stop_the_run_cleanly_and_say_how_to_resume(tmp_path, how, code, name):
    pages, out = _pages(tmp_path / "pages", 400), tmp_path / "out"
    run = _start_run(pages, out)
    workers = _workers_of(run)
    if how == signal.SIGINT:
        os.killpg(run.pid, how)  # a terminal sends Ctrl-C to the whole foreground group
    else:
        run.send_signal(how)
    run.wait(timeout=120)
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert run.returncode == code, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert name in stderr and "--resume" in stderr
    assert not _alive(workers)
    assert not (out / "run.json").exists(), "the run finished before it could be stopped"

    resumed = cli(str(pages), "-o", str(out), "--workers", "2", "--shard-size", "4", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert len(list(iter_records(out))) == 400
    assert read_run_report(out)["counts"]["reused_inputs"] >= 4


def test_a_second_run_into_a_busy_output_folder_refuses_at_once_and_the_first_finishes(tmp_path):
    pages, out = _pages(tmp_path / "pages", 400), tmp_path / "out"
    first = _start_run(pages, out)
    first.send_signal(signal.SIGSTOP)  # held mid-run, however fast this machine is
    for second in (cli(str(pages), "-o", str(out), "--workers", "1"),
                   cli(str(pages), "-o", str(out), "--workers", "1", "--resume")):
        assert second.returncode == 2, second.stderr
        assert "in use by another run" in second.stderr and f"process {first.pid}" in second.stderr
        assert "--resume" not in second.stderr
    first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=300) == 0, (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert len(list(iter_records(out))) == 400
    # The lock of a run that was killed is taken over: flock ends with its holder.
    killed = _start_run(pages, out, "--force", "--resume")
    killed.kill()
    killed.wait()
    assert cli(str(pages), "-o", str(out), "--workers", "1", "--resume").returncode == 0


def test_a_run_holds_its_output_folder_even_when_the_lock_file_is_deleted_under_it(tmp_path):
    from pipeline.output_lock import OutputFolderError, output_lock

    out = tmp_path / "out"
    with output_lock(out):
        # An operator who takes the lock file for a stale one: a second run must still be refused.
        (out / ".lock").unlink()
        with pytest.raises(OutputFolderError, match="in use by another run"), output_lock(out):
            pass
    with output_lock(out):  # the first run's end frees the folder
        assert (out / ".lock").read_text(encoding="ascii").strip() == str(os.getpid())


def test_an_output_path_that_is_a_file_is_refused_without_a_resume_hint(tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    target = tmp_path / "not-a-folder"
    target.write_text("x", encoding="utf-8")
    done = cli(str(pages), "-o", str(target), "--workers", "1")
    assert done.returncode == 2
    assert "cannot be used as the output folder" in done.stderr and "--resume" not in done.stderr


def _visible_run(out: Path) -> tuple[bytes, bytes, dict]:
    report = read_run_report(out)
    return (out / "records.jsonl").read_bytes(), (out / "rejects.jsonl").read_bytes(), report["counts"]


def _all_files(folder: Path) -> set[str]:
    """Every file and link under `folder`; a run's results folder (a new name each run) as '.results/*'."""
    names = set()
    for path in folder.rglob("*"):
        if path.is_file() or path.is_symlink():
            parts = path.relative_to(folder).parts
            names.add("/".join(("*", *parts[2:]) if parts[0] == ".results" else parts))
    return names


def test_a_disk_full_while_the_results_are_written_leaves_the_previous_run_whole(tmp_path, monkeypatch):
    from pipeline import shards
    from pipeline.runner import BatchOptions, run

    pages, out = _pages(tmp_path / "pages", 6), tmp_path / "out"
    (pages / "empty.html").write_bytes(b"")
    run([str(pages)], out, options=BatchOptions(shard_size=4))
    before = _visible_run(out)
    (pages / "page-000.html").write_bytes(b"")  # the next run differs: one record fewer, one reject more

    real_concatenate = shards._concatenate

    def disk_full(out_dir, name, parts):
        if Path(name).name == shards.RECORDS_JSONL:
            raise OSError(28, "No space left on device")
        return real_concatenate(out_dir, name, parts)

    monkeypatch.setattr(shards, "_concatenate", disk_full)
    with pytest.raises(OSError, match="No space"):
        run([str(pages)], out, options=BatchOptions(shard_size=4))
    assert _visible_run(out) == before  # never the new rejects beside the old records and report

    monkeypatch.setattr(shards, "_concatenate", real_concatenate)
    run([str(pages)], out, options=BatchOptions(shard_size=4, resume=True))
    records, rejects, counts = _visible_run(out)
    assert counts["rejects"] == 2 and rejects.count(b"\n") == 2 and records.count(b"\n") == 5


def test_a_run_and_a_resume_remove_what_earlier_attempts_left(tmp_path, monkeypatch):
    from pipeline import shards
    from pipeline.runner import BatchOptions, run

    pages, out = _pages(tmp_path / "pages", 6), tmp_path / "out"
    run([str(pages)], out, options=BatchOptions(shard_size=4))
    clean = _all_files(out)
    # What a SIGKILL during the final write and a full disk during a shard's commit leave behind.
    (out / ".records.jsonl.k1ll3d.tmp").write_bytes(b"x" * 1000)
    (out / ".run-state" / "parts").mkdir(exist_ok=True)
    (out / ".run-state" / "parts" / ".records-00001-0badf00d.jsonl.x.tmp").write_bytes(b"{}\n")
    (out / ".run-state" / "parts" / "rejects-00001-0badf00d.jsonl").write_bytes(b"{}\n")

    def disk_full(out_dir, name, parts):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shards, "_concatenate", disk_full)
    with pytest.raises(OSError):
        run([str(pages)], out, options=BatchOptions(shard_size=4, resume=True))
    monkeypatch.undo()
    run([str(pages)], out, options=BatchOptions(shard_size=4, resume=True))
    assert _all_files(out) == clean
    run([str(pages)], out, options=BatchOptions(shard_size=4))
    assert _all_files(out) == clean


def test_an_output_folder_inside_the_input_folder_is_never_read_as_input(tmp_path):
    pages = _pages(tmp_path / "pages", 5)
    out = pages / "out"
    for attempt in range(3):
        done = cli(str(pages), "-o", str(out), "--workers", "1", *(["--resume"] if attempt else []))
        assert done.returncode == 0, done.stderr
        report = read_run_report(out)
        assert report["counts"]["inputs"] == 5
        assert report["counts"]["reused_inputs"] == (5 if attempt else 0)
    assert report["excluded_files"] and all(name.startswith(str(out)) for name in report["excluded_files"])
    assert "inside an input folder" in done.stderr


def test_a_page_that_kills_its_worker_is_a_reject_and_the_batch_goes_on(tmp_path, monkeypatch):
    from pipeline.api import GlossaryPipeline
    from pipeline.runner import BatchOptions, run

    pages, out = _pages(tmp_path / "pages", 30), tmp_path / "out"
    (pages / "page-013.html").write_text(page("Serotonin Tone 13") + "<!-- kills its worker -->", encoding="utf-8")
    real_process = GlossaryPipeline.process

    def process(self, data, path, url=None, templates=None):
        if b"kills its worker" in data:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer or a crash in C code would
        return real_process(self, data, path, url, templates)

    monkeypatch.setattr(GlossaryPipeline, "process", process)  # the pool's workers are forked: they see it too
    summary = run([str(pages)], out, workers=2, options=BatchOptions(shard_size=4))
    assert summary.inputs == 30 and summary.rejects == {"worker-crashed": 1}
    (reject,) = iter_rejects(out)
    assert reject["reason"] == "worker-crashed" and reject["source"]["path"].endswith("page-013.html")
    assert "page-013.html" not in {Path(r["source"]["path"]).name for r in iter_records(out)}
    assert len(list(iter_records(out))) == 29


def test_a_link_to_a_folder_is_rejected_as_a_folder_link_not_as_a_pipe(tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    (tmp_path / "elsewhere").mkdir()
    (pages / "linked").symlink_to(tmp_path / "elsewhere")
    out = tmp_path / "out"
    assert cli(str(pages), "-o", str(out), "--workers", "1").returncode == 0
    (reject,) = iter_rejects(out)
    assert reject["source"]["path"].endswith("linked") and reject["reason"] == "unreadable"
    assert "link to a folder" in reject["detail"] and "pipe" not in reject["detail"]


def test_the_same_file_given_twice_is_processed_once_and_the_duplicate_counted(tmp_path):
    pages = _pages(tmp_path / "pages", 2)
    one = pages / "page-000.html"
    out = tmp_path / "out"
    done = cli(str(pages), str(one), f"{pages}/./page-000.html", "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    records = list(iter_records(out))
    assert len(records) == 2 and len({r["id"] for r in records}) == 2
    counts = read_run_report(out)["counts"]
    assert counts["inputs"] == 2 and counts["duplicate_inputs"] == 2


def test_a_page_over_the_character_limit_says_how_that_limit_differs_from_the_byte_limit(pipeline):
    from pipeline.api import GlossaryPipeline, PipelineConfig

    limited = GlossaryPipeline(PipelineConfig(max_text_chars=100), tagger=pipeline.tagger)
    reject = limited.process(page("Serotonin Tone").encode(), path="long.html").reject
    assert reject is not None and reject.reason == "text-too-long"
    assert "characters" in reject.detail and "bytes" in reject.detail


def test_a_pipe_named_like_a_container_is_a_reject_not_a_hang(tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    os.mkfifo(pages / "feed.jsonl")  # opening it to find its lines would wait for a writer for good
    os.mkfifo(pages / "crawl.warc.gz")
    out = tmp_path / "out"
    done = cli(str(pages), "-o", str(out), "--workers", "1", timeout=120)
    assert done.returncode == 0, done.stderr
    rejects = {Path(r["source"]["path"]).name: r["reason"] for r in iter_rejects(out)}
    assert rejects == {"feed.jsonl": "unreadable", "crawl.warc.gz": "unreadable"}
    assert len(list(iter_records(out))) == 1


@pytest.mark.parametrize(("how", "code", "name"), [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")])
def test_sigterm_and_ctrl_c_stop_the_clean_command_without_leaving_temporary_files(tmp_path, how, code, name):
    pages, out = _pages(tmp_path / "pages", 400), tmp_path / "clean"
    command = [sys.executable, "-m", "pipeline", "clean", str(pages), "-o", str(out), "--workers", "2",
               "--no-site-templates"]
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        cleaning = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(out.glob("*.txt")):  # texts are being written
        time.sleep(0.02)
    workers = _workers_of(cleaning)
    os.killpg(cleaning.pid, how)  # the whole group, as a terminal's Ctrl-C or a service manager's stop
    cleaning.wait(timeout=120)
    stderr_text = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert cleaning.returncode == code, stderr_text
    assert "Traceback" not in stderr_text and name in stderr_text
    assert not _alive(workers)
    assert not [path.name for path in out.iterdir() if path.name.endswith(".tmp")]
    assert len(list(out.glob("*.txt"))) < 400, "the clean finished before it could be stopped"


def test_a_page_that_kills_its_worker_in_the_clean_command_is_a_reject_and_the_rest_is_cleaned(tmp_path, monkeypatch):
    from pipeline.api import clean_page_in_time
    from pipeline.runner import run_clean

    pages, out = _pages(tmp_path / "pages", 30), tmp_path / "clean"
    (pages / "page-013.html").write_text(page("Serotonin Tone 13") + "<!-- kills its worker -->", encoding="utf-8")

    def cleaning(data, path, config, templates=None):
        if b"kills its worker" in data:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer or a crash in C code would
        return clean_page_in_time(data, path, config, templates)

    monkeypatch.setattr("pipeline.executors.clean_page_in_time", cleaning)  # the workers are forked: they see it
    assert run_clean([str(pages)], out, workers=2) == (29, 1)
    (line,) = (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    reject = json.loads(line)
    assert reject["reason"] == "worker-crashed" and reject["source"]["path"].endswith("page-013.html")
    assert sorted(path.name for path in out.glob("*.txt")) == [f"page-{n:03d}.txt" for n in range(30) if n != 13]


def test_the_clean_command_sweeps_the_temporary_files_an_interrupted_attempt_left(tmp_path):
    """A signal between a temporary file's creation and its writer's clean-up leaves the file (a Ctrl-C
    during `clean` did, now and then); the next attempt and the end of each attempt remove such files,
    and no other file."""
    pages, out = _pages(tmp_path / "pages", 2), tmp_path / "clean"
    out.mkdir()
    left = [out / ".page-000.txt.k3x9_q2z.tmp", out / ".rejects.jsonl.a1b2c3d4.tmp"]
    for path in left:
        path.write_text("half", encoding="utf-8")
    (out / "notes.tmp").write_text("the user's own", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipeline", "clean", str(pages), "-o", str(out), "--workers", "1",
                           "--no-site-templates"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not any(path.exists() for path in left)
    assert (out / "notes.tmp").exists() and len(list(out.glob("*.txt"))) == 2
