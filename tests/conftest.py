"""Shared fixtures: one GlossaryPipeline per test session (building the tagger takes seconds),
and the locations of the repository's samples and of the shared data next to the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from pipeline.api import GlossaryPipeline

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def pipeline() -> GlossaryPipeline:
    return GlossaryPipeline()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return REPO / "samples"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not data.is_dir():
        pytest.skip(f"the shared data folder {data} is not present (expected next to the repository)")
    return data


# CI runs the property tests on a fixed sequence of examples, so that a red build always
# reproduces; locally every run explores new ones (and Hypothesis replays any failure it saved).
if os.environ.get("CI"):
    settings.register_profile("ci", derandomize=True, deadline=None)
    settings.load_profile("ci")
