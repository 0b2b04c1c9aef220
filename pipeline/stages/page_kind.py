"""Page stage: decide what a cleaned page is before it is segmented.

A careful reader asks three things of a page: what is it about (its title, h1, URL, JSON-LD
type), does its lead define that subject ("X is ...", "X refers to ..."), and what does its
furniture say (bylines and dates, posts with authors, prices and carts, repeated cards,
pagination, code blocks, calls to action). Each answer is a piece of `Evidence` for one page
kind, with a weight from page_kind_rules.json and the fact it rests on. The page is

- `entry` when the entry evidence reaches the threshold and outweighs every other kind;
- `glossary-list` when at least three terms, each with its own text, hold most of a page
  that presents itself as a list (title, URL, JSON-LD, letter headings);
- otherwise the non-entry kind with the most evidence (`article` when nothing else speaks).

The checks are named by the signal they read; their words, patterns, thresholds and weights
are data. Text checks read English; `PageVerdict.structural` says whether the markup alone
supports the verdict, so that a page in another language is rejected for its language
unless its structure already shows it is no entry.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.clean.blocks import Block, CleanedPage, normalize_space
from pipeline.model import PageKind
from pipeline.segment import entry_term, heading_as_written, is_letter_heading, load_aliases, run_in_term

NON_ENTRY_KINDS: tuple[PageKind, ...] = (
    "article", "forum", "product", "listing", "landing", "documentation", "error"
)
_RULES_PATH = Path(__file__).with_name("page_kind_rules.json")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i’m", "i’ve", "i’d"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "you're", "you'll", "you’re", "you’ll"})
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])[.!?](?=\s|$)")
# "Cortisol (noun): ...", "Cortisol [kor-ti-sol] ...": a dictionary entry's part of speech or pronunciation
_DICTIONARY_LEAD = re.compile(
    r"^\s*(?:\((?:noun|n\.|verb|adj\.|adjective|abbr\.?|abbreviation)\)|\[[^\]]{1,40}\])", re.IGNORECASE
)
# Words of a breadcrumb or title that place a page in a glossary ("Home / Terms / Ghrelin").
_GLOSSARY_WORDS = re.compile(
    r"\b(?:glossary|dictionary|encyclopa?edia|definitions?|lexicon|terminology|terms|a-z|a–z)\b", re.IGNORECASE
)
# What may stand before the term in a defining sentence: an article, or a field ("In biology, "),
# after punctuation or an entity reference the parser kept as text ("&ext;").
_LEAD_IN = re.compile(
    r"(?:[^\w\s]+|&\w+;|\s)*(?:(?:the|a|an)\s+|in [\w\s-]{1,30},\s+)?(?:(?:term|phrase|word|concept)\s+[\"'‘“]?)?"
)
# A number standing alone ("Tax 101", "7 Ways") marks a headline; "IGF-1" or "5-HTP" is a name.
_LONE_NUMBER = re.compile(r"(?<![\w-])\d+(?![\w-])")
# Text patterns read this much of the page: the furniture they look for repeats throughout it.
_MAX_PATTERN_CHARS = 30_000
# Evidence from markup alone, weighed for pages whose text the English checks cannot read.
_MIN_STRUCTURAL_SCORE = 2.5


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation and the kind it supports: `fact` says what was seen on this page."""

    code: str
    kind: PageKind
    weight: float
    fact: str
    textual: bool = False  # read from English text (not markup)


@dataclass(frozen=True, slots=True)
class PageVerdict:
    kind: PageKind
    evidence: list[Evidence]  # what the decision rested on, strongest first
    scores: dict[str, float]
    # the non-entry kind with the most evidence: what a page is when segmenting finds no entry
    fallback: PageKind
    structural: bool  # markup evidence alone supports a non-entry verdict

    @property
    def is_entry(self) -> bool:
        return self.kind in ("entry", "glossary-list")

    def detail(self) -> str:
        """A sentence for the reject: the kind, then its main evidence."""
        rules = _rules()
        reasons = "; ".join(e.fact for e in self.evidence if e.kind == self.kind)[:400] or "no entry evidence"
        return f"{rules.kind_phrases[self.kind]}: {reasons}"


@dataclass(frozen=True, slots=True)
class _Rules:
    data: dict[str, Any]
    entry_threshold: float
    kind_phrases: dict[str, str]
    error: re.Pattern[str]
    defining_verbs: re.Pattern[str]
    genus: re.Pattern[str]
    headline_words: frozenset[str]
    list_title: re.Pattern[str]
    patterns: dict[str, re.Pattern[str]]
    copulas: frozenset[str]
    copula_complements: frozenset[str]
    not_glossary: re.Pattern[str]  # "Terms and conditions": glossary words that name a legal page

    def rule(self, kind: str, code: str) -> dict[str, Any]:
        rule: dict[str, Any] = self.data["evidence"][kind][code]
        return rule


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _rules() -> _Rules:
    data = json.loads(_RULES_PATH.read_text(encoding="utf-8"))
    definition = data["definition"]
    patterns = {
        # written in lower case and matched against lower-cased text: case-folding alternations is slow
        f"{kind}/{code}": re.compile(rule["pattern"], re.MULTILINE)
        for kind, rules in data["evidence"].items()
        for code, rule in rules.items()
        if "pattern" in rule
    }
    return _Rules(
        data=data,
        entry_threshold=float(data["entry_threshold"]),
        kind_phrases=data["kind_phrases"],
        error=re.compile(data["error_pattern"], re.IGNORECASE),
        defining_verbs=re.compile(r"(?:^|[\s,;(])(?:" + _alternation(definition["verbs"]) + r")\b", re.IGNORECASE),
        genus=re.compile(r"\b(?:" + _alternation(definition["genus_words"]) + r")s?\b", re.IGNORECASE),
        headline_words=frozenset(data["term_title"]["headline_words"]),
        list_title=re.compile(r"(?<!\w)(?:" + _alternation(data["list"]["title_words"]) + r")(?!\w)", re.IGNORECASE),
        patterns=patterns,
        copulas=frozenset(definition["copulas"]),
        copula_complements=frozenset(definition["copula_complements"]),
        not_glossary=re.compile(data["list"]["not_glossary"], re.IGNORECASE),
    )


@dataclass(slots=True)
class _Page:
    """What the checks read, computed once per page."""

    page: CleanedPage
    title: str  # the h1, else the <title> before a site-name separator
    term: str  # the subject the title names ("What is X?" gives X)
    url_segments: list[str]  # lower-case path segments of the page's URL
    url_tokens: set[str]  # the segments and their hyphen/underscore-separated words
    url_path: str
    prose: list[Block]  # paragraph and item blocks
    words: list[str]  # lower-case words of the prose
    headings: list[Block]
    lead: list[str]  # the first prose blocks' first sentences
    types: set[str] = field(default_factory=set)
    word_counts: Counter[str] | None = None  # of `words`, counted when a check needs it


def classify(page: CleanedPage, source_name: str, url: str | None = None, plain_text: bool = False) -> PageVerdict:
    """Weigh the page's evidence and name its kind. `source_name` is what the term falls
    back to when the page has no title (a text file's name)."""
    rules = _rules()
    facts = _read(page, source_name, url, plain_text)
    evidence: list[Evidence] = []
    for kind, checks in _CHECKS.items():
        for code, check in checks.items():
            fact = check(facts, rules.rule(kind, code), rules)
            if fact is not None:
                weight = float(rules.rule(kind, code)["weight"])
                evidence.append(Evidence(code, kind, weight, fact, textual=code in _TEXTUAL))
    if plain_text:  # a text file has no markup to hold chrome, bylines or cards
        evidence = [e for e in evidence if e.textual or e.kind == "entry"]
    scores = {kind: sum(e.weight for e in evidence if e.kind == kind) for kind in ("entry", *NON_ENTRY_KINDS)}
    non_entry = {k: scores[k] for k in NON_ENTRY_KINDS}
    # Which kind a non-entry is rests on the evidence particular to each kind: a question title,
    # first-person text or a lead that defines nothing say "no entry", and a forum thread has them too.
    # They still count, at half weight, for the article: the kind of prose page nothing else names.
    particular = {k: sum(e.weight * (0.5 if e.code in _ANY_NON_ENTRY else 1.0) for e in evidence if e.kind == k)
                  for k in NON_ENTRY_KINDS}
    fallback: PageKind = max(NON_ENTRY_KINDS, key=lambda k: (particular[k], k == "article"))
    structural_scores = {
        k: sum(e.weight for e in evidence if e.kind == k and not e.textual) for k in NON_ENTRY_KINDS
    }
    structural = max(structural_scores.values()) >= _MIN_STRUCTURAL_SCORE
    terms = _list_terms(facts, rules)
    kind: PageKind
    if scores["error"] >= float(rules.rule("error", "error-words")["weight"]) and scores["error"] >= max(
        scores["entry"], *(non_entry[k] for k in NON_ENTRY_KINDS if k != "error")
    ):
        kind = "error"
    elif terms is not None:
        kind = "glossary-list"
        evidence.append(Evidence("term-list", "glossary-list", rules.entry_threshold, terms))
    elif scores["entry"] >= rules.entry_threshold and scores["entry"] > max(non_entry.values()):
        kind = "entry"
    else:
        kind = fallback
    evidence.sort(key=lambda e: (e.kind != kind, -e.weight))
    return PageVerdict(kind, evidence, scores, fallback, structural)


def _read(page: CleanedPage, source_name: str, url: str | None, plain_text: bool) -> _Page:
    meta = page.meta
    term = entry_term(page, source_name, plain_text)
    title = normalize_space(meta.h1[0] if meta.h1 else term)
    address = url or meta.canonical_url or ""
    path = urlsplit(address).path.lower() if "://" in address or address.startswith("/") else ""
    segments = [s for s in path.split("/") if s]
    tokens = set(segments) | {w for s in segments for w in re.split(r"[-_.]+", s) if len(w) >= 4}
    prose = [b for b in page.blocks if b.role in ("paragraph", "item")]
    words = _WORD.findall(" ".join(b.text for b in prose).lower())
    lead_count = int(_rules().data["definition"]["lead_blocks"])
    lead = [_first_sentence(_without_section_label(b))
            for b in islice((b for b in prose if len(b.text.split()) >= 6), lead_count)]
    return _Page(
        page=page, title=title, term=term, url_segments=segments, url_tokens=tokens, url_path=path,
        prose=prose, words=words, headings=[b for b in page.blocks if b.role == "heading"], lead=lead,
        types=set(meta.jsonld_types),
    )


def _without_section_label(block: Block) -> str:
    """The block's text after a bold run-in section label ("<b>Definition:</b> Cortisol is ...")."""
    lead = block.bold_lead
    if lead and block.text.startswith(lead) and load_aliases().kind_of(heading_as_written(lead)) is not None:
        return block.text[len(lead):].strip()
    return block.text


def _first_sentence(text: str) -> str:
    head = text[:400]
    match = _SENTENCE_END.search(head)
    return head[: match.start() + 1] if match else head


# --- the checks: each returns the fact it saw, or None ---------------------------------

Check = Callable[[_Page, dict[str, Any], _Rules], str | None]


def _term_forms(term: str) -> list[str]:
    """The term as a lead may write it: whole, without a bracketed part, its abbreviation,
    singular or plural. Markup shown as text in a title ("Dopamine Tone <script>...") is no
    part of the term."""
    term = term.split("<", 1)[0].strip() or term
    base = normalize_space(re.sub(r"\s*\([^)]*\)", "", term)).lower()
    forms = {term.lower(), base}
    forms.update(a.lower() for a in re.findall(r"\(([^)]{1,15})\)", term))
    for form in list(forms):
        forms.add(form[:-1] if form.endswith("s") and len(form) > 4 else form + "s")
    return sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)


def _defines(sentence: str, term: str, rules: _Rules) -> bool:
    """Does the sentence define the term? The term opens it (after at most three words such
    as "The" or "In biology,"), then, after at most a short apposition, a defining verb; a
    copula must be followed by what names a genus ("is a ...", "is the ...", "is produced ...")."""
    if not term:
        return False
    low = sentence.lower()
    definition = rules.data["definition"]
    for form in _term_forms(term):
        start = low.find(form)
        if start < 0 or not _LEAD_IN.fullmatch(low[:start]):
            continue
        rest = low[start + len(form):]
        if rest[:1].isalnum():  # "cortisolemia" does not open with "cortisol"
            continue
        if _DICTIONARY_LEAD.match(rest) or re.match(r"\s*(?:[:—–]|\s-\s)\s*\S", rest):
            return True
        verb = rules.defining_verbs.search(rest)
        if verb is None or len(rest[: verb.start()].split()) > definition["max_subject_words"]:
            continue
        if verb.group(0).strip(" ,;(") not in rules.copulas:
            return True
        following = rest[verb.end():].split()[:1]
        if following and following[0].strip(",;:") in rules.copula_complements:
            return True
    return False


def _check_defining_lead(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    for sentence in facts.lead:
        if _defines(sentence, facts.term, rules):
            return f"the lead defines {facts.term!r} ({_quote(sentence)})"
    return None


def _check_gloss_lead(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    if not facts.lead or not _term_like(facts.term, rules) or len(facts.term.split()) > 4:
        return None
    sentence = facts.lead[0]
    words = sentence.split()
    opening = " ".join(words[: int(rules.data["definition"]["max_gloss_genus_position"])])
    if (
        re.match(r"(?:an?|any|one of the)\s", opening, re.IGNORECASE)
        and rules.genus.search(opening)
        and not any(ch.isdigit() for ch in " ".join(words[:8]))
        and not set(_WORD.findall(sentence.lower())) & (_FIRST_PERSON | _SECOND_PERSON)
    ):
        return f"the lead glosses {facts.term!r} ({_quote(sentence)})"
    return None


def _check_term_led_lead(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    if _check_defining_lead(facts, rule, rules) or not facts.lead:
        return None  # a defining lead already counts, more
    low = facts.lead[0].lower()
    for form in _term_forms(facts.term):
        start = low.find(form)
        if start >= 0 and _LEAD_IN.fullmatch(low[:start]) and re.match(r"[’'s]*\s+[a-z]", low[start + len(form):]):
            return f"the lead opens on {facts.term!r} ({_quote(facts.lead[0])})"
    return None


def _check_what_is_title(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    titles = [facts.title, facts.page.meta.title or ""]
    hit = next((t for t in titles if t and load_aliases().title_question.match(t)), None)
    return f"the title asks what it is ({hit!r})" if hit else None


def _term_like(text: str, rules: _Rules) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    return (
        0 < len(words) <= int(rules.data["term_title"]["max_words"])
        and not (set(words) & rules.headline_words)
        and not _LONE_NUMBER.search(text)
        and ":" not in text
        and not text.rstrip().endswith(("!", "?", "."))
    )


def _check_term_title(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    return f"the title is a term ({facts.term!r})" if _term_like(facts.term, rules) else None


def _check_glossary_context(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    words = rules.data["list"]["url_words"]
    if facts.url_tokens & set(words):
        return f"the URL names a glossary ({facts.url_path!r})"
    for where, text in (("breadcrumb", facts.page.signals.breadcrumb), ("title", facts.page.meta.title or "")):
        if _GLOSSARY_WORDS.search(text) and not rules.not_glossary.search(text):
            return f"the {where} names a glossary ({_quote(text)})"
    if facts.page.signals.named["glossary"]:
        return "the page's containers are named glossary, term or definition"
    return None


def _check_defined_term_data(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    hits = facts.types & {"DefinedTerm", "MedicalEntity", "MedicalCondition", "AnatomicalStructure", "DrugClass"}
    return f"JSON-LD type {sorted(hits)[0]}" if hits else None


def _types_check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    hits = sorted(facts.types & set(rule["types"]))
    if "FAQPage" in facts.types:
        hits = [h for h in hits if h not in ("Question", "Answer")]
    return f"JSON-LD type {', '.join(hits[:3])}" if hits else None


def _og_check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    og = facts.page.meta.og_type or ""
    return f"og:type {og}" if og in rule["values"] else None


def _url_check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    words = set(rule["words"])
    # the rule file's order, not the set's: the same page must give the same detail in every process
    hit = next((s for s in facts.url_segments[:-1] if s in words), None) or next(
        (w for w in rule["words"] if len(w) >= 4 and w in facts.url_tokens), None
    )
    return f"the URL path has {hit!r} ({facts.url_path[:80]})" if hit else None


def _check_byline(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    signals = facts.page.signals
    # one signed, dated text; authors and dates repeated on posts are a thread's (the posts check)
    posts = int(rules.rule("forum", "posts")["min_posts"])
    if signals.named["author"] and (signals.time_elements or signals.named["date"]) and signals.repeated_posts < posts:
        return "a byline and a date"
    return None


def _check_dated_url(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    return f"a date in the URL ({facts.url_path[:80]})" if re.search(rule["pattern"], facts.url_path) else None


def _check_headline_title(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    if not facts.title or load_aliases().title_question.match(facts.title) or _term_like(facts.title, rules):
        return None
    return f"the title is a headline ({facts.title[:100]!r})"


def _share(facts: _Page, vocabulary: frozenset[str]) -> float:
    if len(facts.words) < 50:  # too little text to speak of a voice
        return 0.0
    if facts.word_counts is None:
        facts.word_counts = Counter(facts.words)
    return sum(facts.word_counts[w] for w in vocabulary) / len(facts.words)


def _check_first_person(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    share = _share(facts, _FIRST_PERSON)
    return f"first-person text ({share:.1%} of words are I, me, my)" if share >= rule["min_share"] else None


def _check_second_person(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    share = _share(facts, _SECOND_PERSON)
    return f"text addressed to the reader ({share:.1%} of words are you, your)" if share >= rule["min_share"] else None


def _check_no_defining_lead(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    if _check_defining_lead(facts, rule, rules) or _check_gloss_lead(facts, rule, rules):
        return None
    return f"the lead does not define {facts.term[:80]!r}" if facts.term else "the page names no subject"


def _check_long_prose(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    words = sum(n for b in facts.prose if (n := len(b.text.split())) >= rule["min_paragraph_words"])
    return f"{words} words of running prose" if words >= rule["min_words"] else None


def _check_comments(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    signals = facts.page.signals
    return "a comment section" if signals.named["comments_section"] and signals.textareas else None


def _check_posts(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    signals = facts.page.signals
    posts = signals.repeated_posts
    dated = signals.time_elements + signals.named["date"]
    if posts >= rule["min_posts"] and signals.named["author"] >= rule["min_posts"] and dated >= rule["min_posts"]:
        return f"{posts} posts, each with an author and a date"
    return None


def _check_pattern_hits(kind: str, code: str) -> Check:
    def check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
        text = "\n".join(b.text for b in facts.page.blocks if len(b.text) < 200)[:_MAX_PATTERN_CHARS].lower()
        hits = rules.patterns[f"{kind}/{code}"].findall(text)
        if len(hits) >= rule.get("min_hits", 1):
            shown = ", ".join(dict.fromkeys(h.strip().lower() for h in hits))[:80]
            return f"{len(hits)} times words such as {shown}"
        return None

    return check


def _check_signal(name: str, threshold_key: str, fact: str) -> Check:
    """A markup count from signals.py at or above the rule's threshold."""

    def check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
        value = _signal_value(facts, name)
        minimum = rule.get(threshold_key, 1)
        return fact.format(value) if value >= minimum and value > 0 else None

    return check


def _signal_value(facts: _Page, name: str) -> float:
    signals = facts.page.signals
    if name.startswith("named:"):
        return signals.named[name.split(":", 1)[1]]
    value: float = getattr(signals, name)
    return value


def _check_cart(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    carts = facts.page.signals.cart_controls
    return f"{carts} add-to-cart or buy controls" if carts >= 1 else None


def _check_product_grid(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    signals = facts.page.signals
    if signals.repeated_cards >= rule["min_cards"] and signals.cart_controls >= rule["min_carts"]:
        return f"{signals.repeated_cards} cards and {signals.cart_controls} add-to-cart controls"
    return None


def _check_generator(kind: str) -> Check:
    """The page's generator is software that makes pages of `kind` (signal_rules.json)."""

    def check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
        signals = facts.page.signals
        return f"generator {signals.generator[:40]!r}" if signals.generator_kind == kind else None

    return check


def _check_paginated(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    return "pagination" if facts.page.signals.paginated else None


def _check_link_density(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    density = facts.page.signals.link_density
    return f"{density:.0%} of the text is link text" if density >= rule["min_density"] else None


def _check_little_prose(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    count = len(facts.words)
    return f"only {count} words of prose" if count <= rule["max_words"] else None


def _check_title_pattern(kind: str, code: str) -> Check:
    def check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
        for title in (facts.title, facts.page.meta.title or ""):
            if title and rules.patterns[f"{kind}/{code}"].search(title.lower()):
                return f"the title {title[:80]!r}"
        return None

    return check


def _check_plans(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    text = facts.page.to_text()[:_MAX_PATTERN_CHARS].lower()
    hits = rules.patterns["landing/plans"].findall(text)
    return f"{len(hits)} plan prices or pricing words" if hits else None


def _check_short_sections(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    headings = len(facts.headings)
    if headings >= rule["min_headings"] and len(facts.words) / headings <= rule["max_words_per_heading"]:
        return f"{headings} headings over {len(facts.words)} words"
    return None


def _check_site_root(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    page = facts.page
    address = page.meta.canonical_url or ""
    return "the URL is the site's home page" if "://" in address and not facts.url_segments else None


def _check_heading_pattern(kind: str, code: str, fact: str) -> Check:
    """At least the rule's `min_hits` headings match its pattern; `fact` shows the first ones."""

    def check(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
        pattern = rules.patterns[f"{kind}/{code}"]
        # enough headings to decide and to show: a page may have thousands that match
        wanted = max(3, int(rule["min_hits"]))
        hits = list(islice((h.text for h in facts.headings if pattern.match(h.text.lower())), wanted))
        return fact.format(", ".join(hits[:3])) if len(hits) >= rule["min_hits"] else None

    return check


def _check_error_title(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    for title in [*facts.page.meta.h1[:2], facts.page.meta.title or ""]:
        if title and rules.error.search(title):
            return f"the title says so ({title[:80]!r})"
    return None


def _check_error_words(facts: _Page, rule: dict[str, Any], rules: _Rules) -> str | None:
    if len(facts.words) > rule["max_words"]:
        return None
    texts = [b.text for b in facts.page.blocks[:8]]
    hit = next((t for t in texts if len(t) < 300 and rules.error.search(t)), None)
    return f"the text says so ({_quote(hit)})" if hit else None


def _quote(text: str, length: int = 90) -> str:
    text = normalize_space(text)
    return repr(text if len(text) <= length else text[: length - 1] + "…")


_CHECKS: dict[str, dict[str, Check]] = {
    "entry": {
        "defining-lead": _check_defining_lead,
        "gloss-lead": _check_gloss_lead,
        "term-led-lead": _check_term_led_lead,
        "what-is-title": _check_what_is_title,
        "term-title": _check_term_title,
        "glossary-context": _check_glossary_context,
        "defined-term-data": _check_defined_term_data,
    },
    "article": {
        "article-data": _types_check,
        "article-og": _og_check,
        "byline": _check_byline,
        "dated-url": _check_dated_url,
        "headline-title": _check_headline_title,
        "first-person": _check_first_person,
        "no-defining-lead": _check_no_defining_lead,
        "comments": _check_comments,
        "article-url": _url_check,
        "long-prose": _check_long_prose,
    },
    "forum": {
        "forum-data": _types_check,
        "forum-software": _check_generator("forum"),
        "posts": _check_posts,
        "many-posts": _check_posts,
        "forum-words": _check_pattern_hits("forum", "forum-words"),
        "forum-url": _url_check,
        "forum-title": _check_title_pattern("forum", "forum-title"),
    },
    "product": {
        "product-data": _types_check,
        "product-og": _og_check,
        "cart": _check_cart,
        "prices": _check_signal("prices", "min_prices", "{} prices"),
        "shop-markup": _check_signal("named:cart", "min_named", "{} elements named cart, quantity, SKU or stock"),
        "shop-software": _check_generator("product"),
        "product-url": _url_check,
    },
    "listing": {
        "listing-data": _types_check,
        "product-grid": _check_product_grid,
        "cards": _check_signal("repeated_cards", "min_cards", "{} repeated cards with links"),
        "many-cards": _check_signal("repeated_cards", "min_cards", "{} repeated cards with links"),
        "many-articles": _check_signal("articles", "min_articles", "{} <article> teasers"),
        "pagination": _check_paginated,
        "link-text": _check_link_density,
        "some-link-text": _check_link_density,
        "little-prose": _check_little_prose,
        "listing-title": _check_title_pattern("listing", "listing-title"),
        "listing-url": _url_check,
    },
    "landing": {
        "calls-to-action": _check_signal("cta_controls", "min_controls", "{} calls to action"),
        "many-calls-to-action": _check_signal("cta_controls", "min_controls", "{} calls to action"),
        "landing-markup": _check_signal("named:cta", "min_named", "{} hero, feature, testimonial or button elements"),
        "plans": _check_plans,
        "service-data": _types_check,
        "second-person": _check_second_person,
        "short-sections": _check_short_sections,
        "landing-url": _url_check,
        "landing-title": _check_title_pattern("landing", "landing-title"),
        "site-root": _check_site_root,
    },
    "documentation": {
        "code": _check_signal("code_blocks", "min_blocks", "{} code blocks"),
        "much-code": _check_signal("code_blocks", "min_blocks", "{} code blocks"),
        "docs-software": _check_generator("documentation"),
        "docs-markup": _check_signal("named:docs", "min_named", "{} elements named docs, API or code highlighting"),
        "docs-data": _types_check,
        "docs-headings": _check_heading_pattern("documentation", "docs-headings", "headings such as {!r}"),
        "numbered-headings": _check_heading_pattern(
            "documentation", "numbered-headings", "numbered or permalinked headings ({!r})"),
        "docs-url": _url_check,
    },
    "error": {
        "error-title": _check_error_title,
        "error-words": _check_error_words,
    },
}
# Article checks that any page which is not an entry can show: counted against an entry,
# never for choosing between the kinds of non-entry (articles get them by default).
_ANY_NON_ENTRY = frozenset({"no-defining-lead", "headline-title", "first-person"})
# Checks that read the page's English text rather than its markup.
_TEXTUAL = frozenset({
    "defining-lead", "gloss-lead", "term-led-lead", "headline-title", "first-person", "no-defining-lead",
    "second-person",
    "forum-words", "little-prose", "short-sections", "docs-headings", "error-words", "plans", "term-title",
    "numbered-headings",
    "what-is-title",
})


def _list_terms(facts: _Page, rules: _Rules) -> str | None:
    """The fact that the page as a whole is a glossary list ("5 terms ..."), else None.

    The terms are <dt> items, or repeated same-level headings that name no section kind
    (letter headings A, B, ... are navigation, not terms). The page must present itself as a
    list (title, URL, JSON-LD, letter headings) and the terms' texts must hold most of its
    prose: a definition list or FAQ inside an article covers a small part of it.
    """
    config = rules.data["list"]
    blocks = facts.page.blocks
    aliases = load_aliases()
    starts = [i for i, b in enumerate(blocks) if b.role == "term"]
    if len(starts) < config["min_terms"]:
        starts = [i for i, b in enumerate(blocks) if run_in_term(b) is not None]
    if len(starts) < config["min_terms"]:
        by_level: dict[int, list[int]] = {}
        for i, block in enumerate(blocks):
            if block.role == "heading" and block.level and block.level > 1 and not is_letter_heading(block.text):
                by_level.setdefault(block.level, []).append(i)
        starts = next(
            (positions for _, positions in sorted(by_level.items())
             if len(positions) >= config["min_terms"] and all(
                 aliases.kind_of(blocks[i].text) is None and not blocks[i].text.endswith("?") for i in positions)),
            [],
        )
    if len(starts) < config["min_terms"]:
        return None
    letters = sum(1 for b in blocks if b.role == "heading" and is_letter_heading(b.text))
    titles = [t for t in (facts.title, facts.page.meta.title or "") if t and not rules.not_glossary.search(t)]
    # A glossary's URL holds its single-entry pages too: it counts only where the page's
    # lead does not define the page's own term.
    presented = (
        any(rules.list_title.search(t) for t in titles)
        or bool(facts.types & set(config["jsonld_types"]))
        or letters >= 2
        or (bool(facts.url_tokens & set(config["url_words"])) and not any(_defines(s, facts.term, rules)
                                                                          for s in facts.lead))
    )
    if not presented:
        return None
    total = sum(len(b.text.split()) for b in blocks if b.role in ("paragraph", "item"))
    covered = sum(len(b.text.split()) for b in blocks[starts[0]:] if b.role in ("paragraph", "item"))
    if not total or covered / total < config["min_coverage"]:
        return None
    return f"{len(starts)} terms, each with its own text, hold {covered / total:.0%} of the prose"
