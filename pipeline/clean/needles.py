"""Literal words a regular expression cannot match without: a cheap test before the search.

The text rules are large alternations that open on a word boundary, so the regex engine
tries every branch at every position of every block: about 70 µs for a one-line block, most
of the clean stage on a page of many short blocks. But most rules cannot match unless the
text holds one of a few words ("copyright", "subscribe", "sponsored"). `required_needles`
reads those words out of the pattern itself (the idea of RE2's and codesearch's prefilters),
so that no list is kept by hand beside each pattern; one search for them skips the rule's
search in a block that has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

try:  # the parser behind `re`, public as sre_parse until Python 3.13
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

# A needle shorter than this is in almost every text: no use as a test.
MIN_NEEDLE = 3

Needles = frozenset[str]


def required_needles(pattern: re.Pattern[str]) -> Needles | None:
    """Lower-case strings such that every match of `pattern` contains at least one of them,
    or None when the pattern has no such set with needles of MIN_NEEDLE characters or more
    (or cannot be read). Compare against the lower-cased text."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    return _of_sequence(list(parsed))


def prefilter(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A pattern that finds any of `pattern`'s needles, to search the lower-cased text first: no
    hit, no match. None when the pattern has no needles. (One search of the needles costs less
    than a substring test per needle.)"""
    needles = required_needles(pattern)
    if needles is None:
        return None
    return re.compile("|".join(re.escape(needle) for needle in sorted(needles, key=len, reverse=True)))


def _useful(needles: Needles) -> bool:
    """Each needle long enough, or holding a character prose rarely has (©, ®)."""
    return all(len(needle) >= MIN_NEEDLE or not _COMMON.issuperset(needle) for needle in needles)


_COMMON = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 .,;:!?'\"-()")
# A character class of this many single characters ([ée], [ -]) is read as that many literals.
_SMALL_CLASS = 4
# More spelling variants of one run than this and the run ends.
_MAX_VARIANTS = 16


def _of_sequence(items: list[tuple[object, object]]) -> Needles | None:
    candidates: list[Needles] = []
    runs: set[str] = {""}  # the spellings of the literal run so far

    def end_run() -> None:
        nonlocal runs
        if runs != {""}:
            candidates.append(frozenset(runs))
        runs = {""}

    for op, arg in items:
        letters = _literals(op, arg)
        if letters is not None and len(runs) * len(letters) <= _MAX_VARIANTS:
            runs = {run + letter for run in runs for letter in letters}
            continue
        end_run()
        found = _of_item(op, arg)
        if found is not None:
            candidates.append(found)
    end_run()
    useful = [c for c in candidates if _useful(c)]
    if not useful:
        return None
    # the set whose shortest needle is longest, then the smallest set: the most selective test
    return max(useful, key=lambda c: (min(map(len, c)), -len(c)))


def _literals(op: object, arg: object) -> set[str] | None:
    """The characters an item stands for, when it is a literal or a small class of literals."""
    if op is sre_constants.LITERAL:
        return {chr(arg).lower()}  # type: ignore[arg-type]
    small_class = op is sre_constants.IN and len(arg) <= _SMALL_CLASS  # type: ignore[arg-type]
    if small_class and all(kind is sre_constants.LITERAL for kind, _ in arg):  # type: ignore[union-attr]
        return {chr(code).lower() for _, code in arg}  # type: ignore[union-attr]
    return None


def _of_item(op: object, arg: object) -> Needles | None:
    if op is sre_constants.SUBPATTERN:
        return _of_sequence(list(arg[-1]))  # type: ignore[index]
    if op is sre_constants.ATOMIC_GROUP:
        return _of_sequence(list(arg))  # type: ignore[arg-type]
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg  # type: ignore[misc]
        return _of_sequence(list(body)) if low >= 1 else None
    if op is sre_constants.BRANCH:
        union: set[str] = set()
        for branch in arg[1]:  # type: ignore[index]
            found = _of_sequence(list(branch))
            if found is None:
                return None  # one branch needs no literal: the whole alternation needs none
            union |= found
        return frozenset(union)
    return None  # a character class, any character, an assertion or a back-reference


class NeedleIndex:
    """Which of many needles a text holds, in one regex scan: for rules that each have their needle
    set, one scan of the text per block instead of one search per rule.

    The needles are compiled into one regex shaped as their trie (one branch per next character,
    so the engine follows one path at each position instead of trying every needle), inside a
    lookahead so that it reports every position where a needle starts. At each position it finds
    the longest needle starting there; every other needle starting there is a prefix of that one,
    so with each needle's prefixes listed, the set is exact.
    """

    def __init__(self, needles: Iterable[str]) -> None:
        distinct = sorted(set(needles))
        self._pattern = re.compile("(?=(" + _trie_pattern(distinct) + "))") if distinct else None
        self._with_prefixes = {needle: frozenset(n for n in distinct if needle.startswith(n)) for needle in distinct}

    def present(self, lowered: str) -> set[str]:
        """The needles that occur in `lowered` (the lower-cased text)."""
        found: set[str] = set()
        if self._pattern is not None:
            for match in self._pattern.finditer(lowered):
                found |= self._with_prefixes[match.group(1)]
        return found


def _trie_pattern(words: list[str]) -> str:
    """A regex matching exactly `words`, the longest first where one is a prefix of another
    (greedy optional tails); the words are non-empty."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for character in word:
            node = node.setdefault(character, {})
        node[_END] = {}

    def pattern(node: _Trie) -> str:
        branches = [re.escape(character) + pattern(child) for character, child in sorted(node.items())
                    if character != _END]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if _END in node else body

    return pattern(trie)


_Trie = dict[str, "_Trie"]  # a node: its next characters, and _END when a word ends there
_END = ""  # the trie key that marks the end of a word (no character is empty)
