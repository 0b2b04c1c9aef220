"""Per-page limits: each ends the page as a reject with its own code, and the next page is unaffected."""

from __future__ import annotations

import json
import threading

import pytest
from entry_texts import LEAD, ORIGIN

from pipeline.api import GlossaryPipeline, PipelineConfig
from pipeline.runner import run_clean

GOOD = (
    "<html><head><title>Serotonin Tone</title></head><body><h1>Serotonin Tone</h1>"
    f"<p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p></body></html>"
)


def test_a_page_over_the_text_limit_is_text_too_long(pipeline):
    limited = GlossaryPipeline(PipelineConfig(max_text_chars=200), tagger=pipeline.tagger)
    outcome = limited.process(GOOD.encode(), path="long.html")
    assert outcome.reject is not None and outcome.reject.reason == "text-too-long"


def test_a_page_that_outlives_its_deadline_is_a_timeout_and_the_next_page_runs(pipeline):
    limited = GlossaryPipeline(PipelineConfig(max_seconds_per_page=0.001), tagger=pipeline.tagger)
    outcome = limited.process(_slow_by_construction(), path="slow.html")
    assert outcome.reject is not None and outcome.reject.reason == "timeout"
    relaxed = GlossaryPipeline(PipelineConfig(max_seconds_per_page=30), tagger=pipeline.tagger)
    assert relaxed.process(GOOD.encode(), path="next.html").records


def test_the_depth_limit_is_configurable_and_has_its_own_code(pipeline):
    nested = "<html><body>" + "<div>" * 30 + f"<h1>Serotonin Tone</h1><p>{LEAD}</p>" + "</div>" * 30 + "</body></html>"
    assert pipeline.process(nested.encode(), path="nested.html").records
    limited = GlossaryPipeline(PipelineConfig(max_depth=20), tagger=pipeline.tagger)
    outcome = limited.process(nested.encode(), path="nested.html")
    assert outcome.reject is not None and outcome.reject.reason == "too-deep"


def test_a_depth_limit_the_parser_cannot_honour_is_refused_up_front():
    with pytest.raises(ValueError, match="max_depth"):
        PipelineConfig(max_depth=1000)


@pytest.mark.parametrize("seconds", [1e12, -1.0])
def test_a_time_limit_the_timers_cannot_hold_is_refused_up_front(seconds):
    # 1e12 s overflowed the timer on every page: each page was an internal-error reject.
    with pytest.raises(ValueError, match="max_seconds_per_page"):
        PipelineConfig(max_seconds_per_page=seconds)


def _slow_by_construction() -> bytes:
    """A page of a megabyte: no machine runs every stage over it within a millisecond."""
    return ("<html><head><title>Serotonin Tone</title></head><body><h1>Serotonin Tone</h1>"
            + f"<p>{LEAD}</p>" * 5000 + "</body></html>").encode()


def test_the_deadline_holds_in_a_worker_thread_as_dask_runs_pages(pipeline):
    limited = GlossaryPipeline(PipelineConfig(max_seconds_per_page=0.001), tagger=pipeline.tagger)
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(limited.process(_slow_by_construction(), path="big.html")))
    worker.start()
    worker.join()
    (outcome,) = outcomes
    assert outcome.reject is not None and outcome.reject.reason == "timeout"
    # The next page in the same thread runs whole: a late timer never interrupts it.
    relaxed = GlossaryPipeline(PipelineConfig(max_seconds_per_page=30), tagger=pipeline.tagger)
    later = []
    worker = threading.Thread(target=lambda: later.append(relaxed.process(GOOD.encode(), path="next.html")))
    worker.start()
    worker.join()
    assert later[0].records


def test_the_dask_executor_enforces_the_page_limit(tmp_path):
    from distributed import LocalCluster

    from pipeline.run_files import iter_rejects
    from pipeline.runner import BatchOptions, run

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "big.html").write_bytes(_slow_by_construction())
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run([str(pages)], tmp_path / "out", workers=1, config=PipelineConfig(max_seconds_per_page=0.001),
            options=BatchOptions(executor="dask", scheduler=cluster.scheduler_address))
    assert [r["reason"] for r in iter_rejects(tmp_path / "out")] == ["timeout"]


def test_the_clean_command_applies_its_timeout_too(tmp_path):
    # `clean --timeout` was accepted and then ignored: a slow page ran as long as it took.
    slow, good = tmp_path / "slow.html", tmp_path / "good.html"
    slow.write_bytes(_slow_by_construction())
    good.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "clean"

    assert run_clean([str(slow)], out, config=PipelineConfig(max_seconds_per_page=0.001)) == (0, 1)
    (line,) = (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["reason"] == "timeout"
    assert run_clean([str(good)], out, config=PipelineConfig(max_seconds_per_page=30)) == (1, 0)
