"""Per-page limits: each ends the page as a reject with its own code, and the next page is unaffected."""

from __future__ import annotations

import time

import pytest
from entry_texts import LEAD, ORIGIN

from pipeline.api import GlossaryPipeline, PipelineConfig

GOOD = (
    "<html><head><title>Serotonin Tone</title></head><body><h1>Serotonin Tone</h1>"
    f"<p>{LEAD}</p><h2>Origin</h2><p>{ORIGIN}</p></body></html>"
)


def test_a_page_over_the_text_limit_is_text_too_long(pipeline):
    limited = GlossaryPipeline(PipelineConfig(max_text_chars=200), tagger=pipeline.tagger)
    outcome = limited.process(GOOD.encode(), path="long.html")
    assert outcome.reject is not None and outcome.reject.reason == "text-too-long"


def test_a_page_that_outlives_its_deadline_is_a_timeout_and_the_next_page_runs(pipeline, monkeypatch):
    limited = GlossaryPipeline(PipelineConfig(max_seconds_per_page=0.2), tagger=pipeline.tagger)
    real_tag = limited.tagger.tag_record

    def stall(texts):
        time.sleep(2)  # a stage stuck on a pathological page
        return real_tag(texts)

    monkeypatch.setattr(limited.tagger, "tag_record", stall)
    started = time.perf_counter()
    outcome = limited.process(GOOD.encode(), path="slow.html")
    assert time.perf_counter() - started < 1.5
    assert outcome.reject is not None and outcome.reject.reason == "timeout"

    monkeypatch.setattr(limited.tagger, "tag_record", real_tag)
    assert limited.process(GOOD.encode(), path="next.html").records


def test_the_depth_limit_is_configurable_and_has_its_own_code(pipeline):
    nested = "<html><body>" + "<div>" * 30 + f"<h1>Serotonin Tone</h1><p>{LEAD}</p>" + "</div>" * 30 + "</body></html>"
    assert pipeline.process(nested.encode(), path="nested.html").records
    limited = GlossaryPipeline(PipelineConfig(max_depth=20), tagger=pipeline.tagger)
    outcome = limited.process(nested.encode(), path="nested.html")
    assert outcome.reject is not None and outcome.reject.reason == "too-deep"


def test_a_depth_limit_the_parser_cannot_honour_is_refused_up_front():
    with pytest.raises(ValueError, match="max_depth"):
        PipelineConfig(max_depth=1000)
