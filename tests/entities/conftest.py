from __future__ import annotations

import pytest

from pipeline.entities import EntityTagger


@pytest.fixture(scope="session")
def tagger() -> EntityTagger:
    return EntityTagger()
