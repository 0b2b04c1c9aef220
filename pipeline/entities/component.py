"""spaCy component `glossary_entities`: lexicon mentions as Spans with canonical names and ids.

Each Doc is treated as one record, so an abbreviation defined in it applies to the whole Doc.
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .lexicon import LEXICON_PATH, load_lexicon
from .matcher import EntityMatcher

COMPONENT_NAME = "glossary_entities"
SPAN_KEY = "glossary"

# Span.char offsets can be wider than the mention (alignment_mode="expand" when a mention
# ends inside a token), so the exact Mention rides along and the other attributes read it.
Span.set_extension("mention", default=None, force=True)
Span.set_extension("canonical", getter=lambda s: s._.mention.canonical if s._.mention else None, force=True)
Span.set_extension("labels", getter=lambda s: s._.mention.labels if s._.mention else (), force=True)
Span.set_extension("mesh", getter=lambda s: s._.mention.mesh if s._.mention else None, force=True)
Span.set_extension("chebi", getter=lambda s: s._.mention.chebi if s._.mention else None, force=True)
Span.set_extension("source", getter=lambda s: s._.mention.source if s._.mention else None, force=True)
Doc.set_extension("glossary_mentions", default=None, force=True)


class GlossaryEntities:
    def __init__(self, matcher: EntityMatcher) -> None:
        self.matcher = matcher

    def __call__(self, doc: Doc) -> Doc:
        mentions = self.matcher.tag_record([doc.text])[0]
        spans: list[Span] = []
        for mention in mentions:
            span = doc.char_span(mention.start, mention.end, label=mention.label, alignment_mode="expand")
            if span is not None:
                span._.mention = mention
                spans.append(span)
        doc._.glossary_mentions = mentions
        doc.spans[SPAN_KEY] = spans
        # Two mentions can share a token ("T3/T4" is one token); doc.ents takes the non-overlapping ones.
        doc.ents = filter_spans([*doc.ents, *spans])
        return doc


@Language.factory(COMPONENT_NAME, default_config={"lexicon_path": ""})
def make_component(nlp: Language, name: str, lexicon_path: str) -> GlossaryEntities:
    """`lexicon_path` empty means the bundled lexicon.tsv."""
    concepts = load_lexicon(Path(lexicon_path) if lexicon_path else LEXICON_PATH)
    return GlossaryEntities(EntityMatcher(concepts))


def build_nlp() -> spacy.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe(COMPONENT_NAME)
    return nlp
