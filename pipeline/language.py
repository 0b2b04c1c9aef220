"""Language identification: is a page's kept text in the language the run wants?

py3langid decides, but it costs about 0.8 ms per page on a 1,500-character sample and
0.6 s to load its model, which every worker process would pay. Most pages of an English
crawl say so in their function words: when enough of the sample's words are English
function words ("the", "which", "with", ...), the text is English and the model is not
asked. Every other text still goes to the model, and for another target language the
model always decides. The threshold and its margin are measured in the README.
"""

from __future__ import annotations

import re

import py3langid

# Words frequent in any English prose and rare in other languages' text. Left out on
# purpose: words that are also common words elsewhere ("in", "is", "was", "a", "an",
# "also", "die", "de", "do", "on", "over", "to", "we").
ENGLISH_FUNCTION_WORDS = frozenset({
    "the", "and", "of", "that", "for", "with", "are", "this", "from", "which", "by", "be", "as", "it",
    "were", "their", "have", "has", "been", "these", "they", "than", "when", "into", "its", "not", "or", "can",
    "more", "such", "other", "how", "what", "about", "between", "at", "most", "who", "there", "would", "will", "our",
    "your", "you", "but", "if", "all", "some", "only", "does", "after", "because", "through", "may", "should", "could",
    "many", "each", "both", "out",
})
ENGLISH_FUNCTION_WORD_SHARE = 0.2
# Texts shorter than this are not judged: a few labels say nothing about the language.
MIN_WORDS = 20
# py3langid's cost grows with the text; a paragraph of prose identifies the language.
SAMPLE_CHARS = 1500

_WORD = re.compile(r"[^\W\d_]+")


class LanguageCheck:
    """Tells the language of a text when it is not `language`.

    py3langid loads its model on first use and keeps it only once fully loaded, so a page
    deadline that interrupts the load leaves nothing half-built.
    """

    def __init__(self, language: str) -> None:
        self.language = language

    def other_language(self, text: str) -> str | None:
        """The language the text is in when that is not `self.language`, else None
        (also for texts too short to judge)."""
        sample = text[:SAMPLE_CHARS]
        if len(sample.split(maxsplit=MIN_WORDS)) < MIN_WORDS:
            return None
        if self.language == "en" and english_function_word_share(sample) >= ENGLISH_FUNCTION_WORD_SHARE:
            return None
        language, _ = py3langid.classify(sample)
        return None if language == self.language else str(language)


def known_languages() -> frozenset[str]:
    """The language codes py3langid can tell (ISO 639-1): the values a run's target language may take."""
    from py3langid.langid import _get_identifier  # the identifier classify() uses, loaded once

    return frozenset(_get_identifier().nb_classes)


def english_function_word_share(sample: str) -> float:
    words = _WORD.findall(sample.lower())
    return sum(word in ENGLISH_FUNCTION_WORDS for word in words) / len(words) if words else 0.0
