"""Language check: plainly English text skips the model; everything else is the model's call."""

from __future__ import annotations

from pathlib import Path

import py3langid
import pytest

from pipeline.api import PipelineConfig, clean_page
from pipeline.language import (
    ENGLISH_FUNCTION_WORD_SHARE,
    MIN_WORDS,
    SAMPLE_CHARS,
    LanguageCheck,
    english_function_word_share,
)
from pipeline.rejects import Rejected

ENGLISH = (
    "Cortisol awakening response is the sharp rise in cortisol that most people show in the first "
    "hour after waking. It is thought to prepare the body for the demands of the day, and its size "
    "changes with stress, sleep and age."
)
SPANISH = (
    "El ritmo de la grelina es la variación diaria de esta hormona, que aumenta antes de las comidas "
    "y disminuye después de comer. Se produce sobre todo en el estómago y actúa en el hipotálamo para "
    "estimular el apetito."
)
# English, but a run of names with hardly a function word: the shortcut cannot tell.
TERM_LIST = " ".join(["Serotonin Dopamine Melatonin Cortisol Oxytocin Ghrelin Leptin Insulin"] * 4)


def _model_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    classify = py3langid.classify

    def counting(text: str) -> tuple[str, float]:
        calls.append(text)
        return classify(text)

    monkeypatch.setattr(py3langid, "classify", counting)
    return calls


def test_plain_english_is_accepted_without_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _model_calls(monkeypatch)
    assert LanguageCheck("en").other_language(ENGLISH) is None
    assert calls == []


def test_other_languages_go_to_the_model_and_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _model_calls(monkeypatch)
    assert LanguageCheck("en").other_language(SPANISH) == "es"
    assert len(calls) == 1


def test_english_without_function_words_is_still_the_models_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _model_calls(monkeypatch)
    LanguageCheck("en").other_language(TERM_LIST)
    assert calls == [TERM_LIST[:SAMPLE_CHARS]]


def test_another_target_language_never_takes_the_english_shortcut() -> None:
    spanish = LanguageCheck("es")
    assert spanish.other_language(SPANISH) is None
    assert spanish.other_language(ENGLISH) == "en"


def test_short_text_is_not_judged() -> None:
    short = " ".join(SPANISH.split()[: MIN_WORDS - 1])
    assert LanguageCheck("en").other_language(short) is None


def test_shortcut_never_accepts_a_real_page_the_model_calls_another_language(shared_data: Path) -> None:
    """The consent pages mix English with German, Italian, Polish, Japanese, ... pages: the
    threshold must leave every non-English one to the model, with a margin."""
    shares: dict[str, list[float]] = {"en": [], "other": []}
    for path in sorted((shared_data / "consent-pages").rglob("*.htm*")):
        try:
            _, page = clean_page(path.read_bytes(), str(path), PipelineConfig())
        except Rejected:
            continue
        text = " ".join(block.text for block in page.blocks)
        if len(text.split()) < MIN_WORDS:
            continue
        sample = text[:SAMPLE_CHARS]
        language, _ = py3langid.classify(sample)
        shares["en" if language == "en" else "other"].append(english_function_word_share(sample))
    assert len(shares["other"]) > 50 and len(shares["en"]) > 50
    assert max(shares["other"]) < ENGLISH_FUNCTION_WORD_SHARE / 2
    # and the shortcut pays: most English pages skip the model
    assert sum(share >= ENGLISH_FUNCTION_WORD_SHARE for share in shares["en"]) > 0.7 * len(shares["en"])
