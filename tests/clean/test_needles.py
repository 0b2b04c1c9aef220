"""The prefilter never skips a text its pattern would match."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import chrome
from pipeline.clean.needles import NeedleIndex, prefilter, required_needles

TEXT_RULES = chrome._rules().text_rules


@pytest.mark.parametrize(
    ("pattern", "needles"),
    [
        (r"\bcopyright\s*\d{4}", {"copyright"}),
        (r"\b(?:subscribe|sign up) (?:to|for) our newsletter", {" our newsletter"}),
        (r"(?:hi|hello),? i['’]m", {" i'm", " i’m"}),  # a small class is read as its letters
        (r"\bcc[ -]by\b|\bnot copyrighted\b", {"cc by", "cc-by", "not copyrighted"}),
        (r"^(?:©|\(c\)\s)", {"©", "(c)"}),  # a rare character is a needle on its own
        (r"(?:Sponsored)?\s*content", {"content"}),  # an optional part is no needle
    ],
)
def test_the_needles_are_the_words_every_match_contains(pattern, needles):
    assert required_needles(re.compile(pattern, re.IGNORECASE)) == needles


@pytest.mark.parametrize("pattern", [r"\b(?:is|was) a\b", r"\w+ly\b|\bnotice", r"[a-z]{3,}", r"(?:ab)*"])
def test_a_pattern_with_a_branch_or_part_that_needs_no_long_word_gets_no_prefilter(pattern):
    assert required_needles(re.compile(pattern)) is None


def test_the_prefilter_finds_any_needle_in_the_lower_cased_text():
    needles = prefilter(re.compile(r"\b(?:Advertiser|Affiliate) Disclosure", re.IGNORECASE))
    assert needles.search("ADVERTISER DISCLOSURE".lower()) and needles.search("our affiliate disclosure")
    assert not needles.search("a paragraph about dopamine")
    assert prefilter(re.compile(r"[a-z]+")) is None


@pytest.mark.parametrize("rule", TEXT_RULES, ids=[rule.source[:40] for rule in TEXT_RULES])
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_text_a_boilerplate_rule_matches_passes_its_prefilter(rule, data):
    """Texts drawn from the rule's own pattern (Hypothesis builds strings that match it)."""
    text = data.draw(st.from_regex(rule.pattern))
    assert rule.pattern.search(text)
    present = chrome._rules().text_rule_needles.present(text.lower())
    assert rule.needles is None or not rule.needles.isdisjoint(present), (rule.source, text, rule.needles)


# Needles that are prefixes of one another, overlap, or hold regex metacharacters.
INDEXED = ["ab", "abcd", "b", "bcd", "cookie", "cookies", "x.y", "(c)", "of the ", "the"]


@settings(max_examples=300)
@given(text=st.lists(st.sampled_from([*INDEXED, "a", "c", "d", " ", "x", "y", ".", "Z"]), max_size=12).map("".join))
def test_the_needle_index_finds_exactly_the_needles_a_substring_test_finds(text):
    assert NeedleIndex(INDEXED).present(text) == {needle for needle in INDEXED if needle in text}


def test_an_empty_needle_index_finds_nothing():
    assert NeedleIndex([]).present("any text") == set()
