"""Entity tagging: neurochemical and hormone mentions per ANNOTATION.md.

`EntityTagger` is the interface the pipeline uses; `build_nlp()` gives a spaCy pipeline
with the `glossary_entities` component for callers that want Doc/Span objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import spacy

from .component import COMPONENT_NAME, GlossaryEntities, build_nlp
from .matcher import EntityMatcher
from .types import Mention

__all__ = ["COMPONENT_NAME", "EntityMatcher", "EntityTagger", "GlossaryEntities", "Mention", "build_nlp"]


class EntityTagger:
    """Tags one record (its section texts) or one independent text.

    The matcher is character-based, so tagging runs it on the raw strings and skips spaCy
    tokenisation entirely: the cost per text is two regex scans. The nlp passed in (or built
    once here) supplies the component, so a pipeline configured with another lexicon is
    honoured.
    """

    def __init__(self, nlp: spacy.Language | None = None) -> None:
        self.nlp = nlp if nlp is not None else build_nlp()
        if COMPONENT_NAME not in self.nlp.pipe_names:
            self.nlp.add_pipe(COMPONENT_NAME)
        component = self.nlp.get_pipe(COMPONENT_NAME)
        assert isinstance(component, GlossaryEntities)
        self.matcher: EntityMatcher = component.matcher

    def tag_record(self, texts: Sequence[str]) -> list[list[Mention]]:
        """One list of mentions per section text of ONE record."""
        return self.matcher.tag_record(texts)

    def tag_text(self, text: str) -> list[Mention]:
        return self.matcher.tag_record([text])[0]
