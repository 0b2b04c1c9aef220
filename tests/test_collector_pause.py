"""The cyclic garbage collector is off while a page is processed and as it was once no page is.

A dense page's many live objects made each full collection walk them all again (a quarter of the
time of a 1 MB page of `<br>` lines); no test may time that, so these pin the pause itself.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence

import pytest

from pipeline.api import GlossaryPipeline, PipelineConfig
from pipeline.entities import EntityTagger, Mention

PAGE = (b"<!DOCTYPE html><html lang='en'><head><title>Dopamine Tone</title></head><body><main>"
        b"<h1>Dopamine Tone</h1><p>Dopamine tone is the steady background level of dopamine that neurons release "
        b"between bursts, which sets how strongly the brain responds to reward and shapes movement.</p>"
        b"<h2>Origin</h2><p>The term comes from studies of striatal dopamine in the nineteen eighties, when steady "
        b"release was first told apart from bursts.</p></main></body></html>")


class _RecordingTagger:
    """The real tagger, noting whether the collector ran while it tagged, and able to hold a page there."""

    def __init__(self, tagger: EntityTagger) -> None:
        self.tagger = tagger
        self.collector_on: list[bool] = []
        self.inside = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def tag_record(self, texts: Sequence[str]) -> list[list[Mention]]:
        self.collector_on.append(gc.isenabled())
        if len(self.collector_on) == 1:  # only the first page is held
            self.inside.set()
            assert self.release.wait(timeout=60)
        return self.tagger.tag_record(texts)


@pytest.fixture
def recording(pipeline: GlossaryPipeline) -> Iterator[tuple[GlossaryPipeline, _RecordingTagger]]:
    tagger = _RecordingTagger(pipeline.tagger)
    yield GlossaryPipeline(PipelineConfig(), tagger=tagger), tagger  # type: ignore[arg-type]
    gc.enable()


def test_the_collector_is_off_during_a_page_and_on_after_it(recording) -> None:
    pipeline, tagger = recording
    assert gc.isenabled()
    outcome = pipeline.process(PAGE, path="dopamine-tone.html")
    assert outcome.reject is None and outcome.records
    assert tagger.collector_on == [False]
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off(recording) -> None:
    pipeline, _ = recording
    gc.disable()
    pipeline.process(PAGE, path="dopamine-tone.html")
    assert not gc.isenabled()


def test_a_rejected_page_turns_the_collector_back_on(recording) -> None:
    pipeline, _ = recording
    outcome = pipeline.process(b"\x00\x01 not a page", path="broken.html")
    assert outcome.reject is not None
    assert gc.isenabled()


def test_with_pages_in_two_threads_the_collector_comes_back_when_the_last_one_ends(recording) -> None:
    pipeline, tagger = recording
    tagger.release.clear()
    first = threading.Thread(target=pipeline.process, args=(PAGE,), kwargs={"path": "first.html"})
    first.start()
    assert tagger.inside.wait(timeout=60)  # the first page is held in its tag stage
    pipeline.process(PAGE, path="second.html")  # starts and ends while the first one runs
    assert not gc.isenabled()
    tagger.release.set()
    first.join(timeout=60)
    assert not first.is_alive()
    assert tagger.collector_on == [False, False]
    assert gc.isenabled()
