"""Character-level entity matcher: the engine behind the spaCy component and EntityTagger.

Matching works on the raw string, not on spaCy tokens, because the span rules cut through
hyphenated compounds ("cortisol-binding", "GLP-1-based") that the tokenizer keeps or splits
inconsistently. Two precompiled regexes do all the work per text:

- names (case-insensitive): every full name and synonym, its plural, and the never-tag
  "block" phrases, compiled as one trie-shaped pattern so the engine never backtracks over
  hundreds of alternatives at each position;
- abbreviations (case-sensitive): "NO", "DA", "T" are ordinary words in other casings.

Per record, parenthesised definitions ("dopamine (DA)", "diurnal amplitude (DA)") decide
which abbreviations stand for an in-scope substance.

Rules add what the lexicon does not list one by one, and every mention they make says so
(`Mention.source == "rule"`): spelling variants of lexicon names (Greek letters spelled out or as
symbols, "r-" for an OCR-damaged "γ-", L-/D-/DL- prefixes, a steroid's configuration "17alpha-",
Roman/Arabic final numbers, British spellings), a peptide's fragment suffix ("ACTH-(1-24)",
"somatostatin-14", "CCK octapeptide"), a form prefix ("des-acyl ghrelin"), an isotope label or
stereo sign ("[3H]dopamine", "(-)-epinephrine"), a salt or ester word after a substance's name
(salt_ester_suffixes.tsv: "dopamine hydrochloride" is dopamine with its ids, "estradiol
glucuronide" a conjugate named by rule without ids), "-releasing hormone" after a hormone's name
("TSH-releasing hormone"), a residue replacement before a peptide's name ("[Arg8]vasopressin" is the
natural form, "[D-Ala2]enkephalin" an analogue and no mention; peptide_residues.tsv), and the name patterns
of name_rules.tsv for in-scope names in no vocabulary ("-liberin", "neuropeptide X", a family's member
"dynorphin B"). A name a rule makes gets the lexicon's concept and ids when the lexicon lists that
name ("estradiol 17-valerate" is the listed estradiol valerate), else a canonical name and never an
identifier. scripts/tagger_variants.py checks every rule over the whole lexicon.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

from .lexicon import (
    DATA_DIR,
    RULE_ID_SOURCE,
    Concept,
    NameRule,
    NeverTag,
    load_lexicon,
    load_name_rules,
    load_never_tag,
    load_residues,
    load_suffixes,
)
from .types import Mention

AMBIGUOUS_CONTEXT_PATH = DATA_DIR / "ambiguous_context.tsv"

# A hyphen in a lexicon name matches any hyphen-like character, a space or nothing
# ("5-HT"/"5HT", "GLP-1"/"GLP 1"); a space matches one space or hyphen, never nothing, or
# "neuropeptide s" would match "neuropeptides".
# The regexes run on a copy of the text whose Unicode hyphens and dashes are ASCII hyphens (same length, so
# the offsets hold): their character classes stay ASCII, which keeps compiling a large trie cheap.
_HYPHEN_CLASS = r"[\- ]?"
_SPACE_CLASS = r"[\- ]"
_HYPHENS = "-\u2010\u2011\u2012\u2013"
# Unicode spaces inside a name ("growth\u00a0hormone" from HTML, a thin space before a Greek letter) are spaces.
_UNICODE_SPACES = "\u00a0\u2002\u2003\u2007\u2008\u2009\u200a\u202f"
_TO_ASCII_HYPHEN = str.maketrans({**{ch: "-" for ch in _HYPHENS[1:]}, **{ch: " " for ch in _UNICODE_SPACES}})
_SEP_STRIP = re.compile(r"[\-\u2010\u2011\u2012\u2013\s]+")
# A mention starts and ends at a word edge, and a name hyphened to a derived ending of never_tag.tsv is never a
# mention ("D1-like", "insulin-like effects", "GABA-ergic"); full names containing "-like" are longer
# alternatives and win before this lookahead is reached.
# A name glued by a hyphen to a locant or chemical prefix belongs to another compound
# ("5,7-DHT", "alpha-methyl-para-tyrosine", a bracketed prefix and a hyphen); "H2-histamine" and
# "[3H]norepinephrine" (a receptor subtype, an isotope label) still name the substance; so does "[3H]-dopamine":
# the regexes read the hyphen after an isotope label as a space. They do so after a bracketed residue
# replacement too ("[Met5]-enkephalin", "[D-Pen2,5]-enkephalin"): EntityMatcher._with_residues then decides
# between the natural form and an analogue.
_BEFORE = (
    r"(?<!\w)(?<![\d,]\d-)(?<!\b\d-)(?<!\]-)(?<!\b[A-Za-z]-)"
    r"(?<!para-)(?<!meta-)(?<!ortho-)(?<!methyl-)(?<!ethyl-)"
)


def _after_pattern(derived_endings: Sequence[str]) -> str:
    """The lookahead that ends every mention: a word edge, and no derived ending after a hyphen, in any case."""
    if not derived_endings:
        return r"(?!\w)"
    return r"(?!\w)(?!-(?i:" + "|".join(map(re.escape, derived_endings)) + r")(?!\w))"


# Abbreviations may also carry a receptor-subtype suffix: "5-HT" in "5-HT6", "5HT4". An ambiguous one never
# does: glued to a digit it is another symbol ("T2-weighted", "GH3 cells", "NO2", "EP4 receptors", "SP1").
# A subtype is a number and at most one letter A to F (5-HT1A, 5-HT2C): "PTH1R", "NPY1R", "GLP1R" are receptor
# gene symbols, one word, not the substance.
_RELEASING_SHORT_FORM = re.compile(r"([A-Za-z]{2,})(RH|RF|IH|IF)")
_SUBTYPE_SUFFIX = r"(?<=[A-Za-z])(?=\d{1,2}[A-F]?(?!\w))"
_HYPHEN_UNIT, _SPACE_UNIT, _STRICT_HYPHEN_UNIT = "\0", "\1", "\2"
# A stereo prefix or an OCR "r-" is a variant only when a real hyphen joins it: "L tryptophan" is rare, and
# "5 mg/d dopamine" must not read as D-dopamine.
_UNIT_PATTERN = {_HYPHEN_UNIT: _HYPHEN_CLASS, _SPACE_UNIT: _SPACE_CLASS, _STRICT_HYPHEN_UNIT: r"\-"}

# Greek letters: a name spelled with one also matches with the other spelling ("beta-endorphin",
# "β-endorphin", "17beta-estradiol", "17β-estradiol"). A letter name counts only where no other letter
# touches it, so "betaine" or "alphabet" never change.
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "kappa": "κ", "epsilon": "ε", "omega": "ω"}
_GREEK_WORD = re.compile(r"(?<![a-z])(" + "|".join(_GREEK) + r")(?![a-z])")
_GREEK_SYMBOL = re.compile("[" + "".join(_GREEK.values()) + "]")
_SPELLED = {symbol: word for word, symbol in _GREEK.items()}
# "17 beta-estradiol", "3 alpha-hydroxy-": the space between a locant and its Greek letter is often left out.
_LOCANT_SPACE = re.compile(r"(?<=\d) (?=(?:" + "|".join(_GREEK) + "|[" + "".join(_GREEK.values()) + r"]))")
# "3alpha-hydroxy", "17beta-estradiol": a locant glued to its Greek letter
_LOCANT_GLUED = re.compile(r"(?<=\d)(?=(?:" + "|".join(_GREEK) + "|[" + "".join(_GREEK.values()) + r"])(?![a-z]))")
_OCR_GAMMA = re.compile(r"^(?:gamma|γ)-")
# the strict hyphen between a locant and its Greek letter in a block phrase's form: "17-α-" is also "17α-"
_LOCANT_HYPHEN = re.compile(r"(?<=\d)\x02(?=(?:" + "|".join(_GREEK) + "|[" + "".join(_GREEK.values()) + r"]))")
# An isotope label or an optical-rotation or configuration sign glued before a name is part of the mention, as
# the L- of "L-tryptophan" is: "[3H]dopamine", "[125I]-insulin", "3H-GABA", "(-)-epinephrine", "(R)-adrenaline".
# A steroid's locant and Greek letter ("5alpha-dihydrotestosterone", "5α-DHT", "17 beta-estradiol") are its
# configuration, as L- is an amino acid's.
_LABEL_PREFIX = re.compile(
    r"(?:\[\d{1,3}[A-Z]\]-?|(?<![\w\-\]])\d{1,3}[HCNOFPSI]-|(?<![\w\-])\((?:[+\-\u2212\u00b1]|\+/-|[RS])\)-"
    r"|(?<![\w\-])\d{1,2}[ \-]?(?:[Aa]lpha|[Bb]eta|α|β)-)\Z"
)
# "17-hydroxyprogesterone" is also written with its configuration: "17alpha-", "17α-", "17-alpha-hydroxy...".
_LOCANT_GROUP = re.compile(r"^(\d{1,2})-(?=(?:hydroxy|deoxy|dehydro|dihydro|oxo))")
_ISOTOPE_LABEL = r"\[\d{1,3}[A-Za-z]\]"
# How far back a residue replacement is looked for, so that the search per hit is bounded: "[D-Ala2, N-MePhe4,
# Gly-ol5]" is 27 characters. A longer list is not recognised, and the parent's name is read as if it stood alone.
_LONGEST_REPLACEMENT = 120


def _residue_patterns(residues: dict[str, str]) -> tuple[str, str, re.Pattern[str]]:
    """Regexes of a residue replacement before a peptide's name: a bracket's items, the glued form, and the
    reader of a single replacement.

    A peptide analogue is named by the residues it replaces, before the parent's name (IUPAC-IUB JCBN 1983,
    3AA-22): "[Arg8]vasopressin", "[8-arginine]vasopressin", "[D-Ala2,D-Leu5]enkephalin"; texts also write
    "(Met5)-enkephalin", "[Leu]enkephalin" and, glued, "Met5-enkephalin"; an analogue may have several groups
    ("[D-Ser2]-[Leu]enkephalin", "Tyr0-[Met5]enkephalin"). An item is a symbol with its position (a D-/L- sign,
    an N-methyl, a "des-" deletion, or an "-ol" or "-NH2" end before or after the position may go with it:
    "Gly-ol5", "Gly5-ol") or the position and the residue's name ("8-L-arginine"). Items are separated by a
    comma, a semicolon or a hyphen."""
    codes = "|".join(sorted(map(re.escape, residues), key=len, reverse=True))
    names = "|".join(sorted(map(re.escape, set(residues.values())), key=len, reverse=True))
    item = (rf"(?:[Dd]es-)?(?:[DL]-)?(?:N-?Me-?|Me)?(?:{codes})(?:-ol|-NH2)?"
            rf"(?:\(\d{{1,2}}\)|\d{{1,2}})?(?:[,.]\d{{1,2}})*(?:-ol|-NH2)?"
            rf"|\d{{1,2}}-(?:[DL]-)?(?i:{names})")
    items = rf"(?:{item})(?:[,;\-] ?(?:{item}))*"
    glued = rf"(?<![\w\]])(?:[DL]-)?(?:{codes})\d{{1,2}}-"
    one = re.compile(rf"[\[(]?(?:(?:L-)?(?P<code>{codes})(?:\((?P<n>\d{{1,2}})\)|(?P<n1>\d{{1,2}}))?"
                     rf"|(?P<n2>\d{{1,2}})-(?:L-)?(?i:(?P<name>{names})))[\])]?-?")
    return items, glued, one
# A final number is written in Roman or Arabic figures alike: "angiotensin 2", "hypocretin-I", "IGF-II".
_FINAL_NUMBER = re.compile(r"(?<=[^\W\d_])([ \-])(i{1,3}|[1-3])$", re.IGNORECASE)
_ROMAN = {"1": "i", "2": "ii", "3": "iii"}
_ARABIC = {roman: arabic for arabic, roman in _ROMAN.items()}
# British spellings of lexicon names: "oestradiol", "thyrotrophin", "adrenocorticotrophic", "luteinising".
_BRITISH = ((re.compile(r"(?<![a-z])estr"), "oestr"), (re.compile(r"tropi(?=n|c)"), "trophi"),
            (re.compile(r"(?<=[a-z])iz(?=ing|ation)"), "is"))
_STEREO_PREFIXES = ("l", "d", "dl")
_HAS_STEREO_PREFIX = re.compile(r"^(?:l|d|dl|levo|dextro)-")
# A peptide's fragment: "ACTH-(1-24)", "beta-endorphin (1-31)", "angiotensin-(1-7)", and without brackets
# only when glued or hyphened ("ACTH1-24", "ACTH-1-24"): after a space "insulin 1-2 hours" is a time. Only
# after a peptide's name, so a citation "(1-3)" after "dopamine" stays outside the mention.
# A hyphened chain length names a form of the peptide ("somatostatin-14", "CCK-33", "corticotrophin-releasing
# factor-41"), but not before a receptor ("orexin-1 receptor", "neuropeptide Y-1 receptor": a subtype).
_FRAGMENT = (
    r"-?\s?\(\d{1,3}-\d{1,3}\)"
    r"|-?\d{1,3}-\d{1,3}(?![\w.,]|-\w)"
    r"|-\d{1,2}(?![\w.,%]|-\w|[\- ]?r(?:eceptor)?s?(?!\w))"
)

# "(SHORT)" candidates: up to 10 characters without spaces, after a space; "GABA(A)" and
# "PGE(2)" are parts of one name, not definitions. The bracket comes first and the space is looked
# back at from it: a pattern that starts with a literal is scanned for in C, ten times faster on prose.
_PAREN = re.compile(r"\((?<=\s\()([^\s()]{1,10})\)")
# Schwartz & Hearst look at most min(|A| + 5, 2|A|) words back (15 for a 10-character short form).
# A window of this many characters before the parenthesis holds them in any prose, and keeps the
# search per parenthesis bounded, so a text full of parentheses costs time linear in its length.
_LOOK_BACK_CHARS = 400


# Not frozen: a frozen dataclass's __init__ costs four times as much, and a dense page makes a hit every
# few characters. Nothing changes a hit after it is made; a changed span is a new hit.
@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    concept: Concept | None  # None: a block phrase that suppresses what it covers
    ambiguous: bool = False
    is_abbreviation: bool = False
    by_rule: bool = False  # a variant, fragment, salt/ester or name rule made this hit


_START = attrgetter("start")
_END = attrgetter("end")
_OTHER = None  # value in a record's definition map: the short form means something else


def _units(word: str) -> list[str]:
    return [_HYPHEN_UNIT if ch in _HYPHENS else _SPACE_UNIT if ch == " " else ch for ch in word]


def _merge_into(target: dict[str, dict], other: dict[str, dict]) -> None:
    for unit, child in other.items():
        _merge_into(target.setdefault(unit, {}), child)


def _without_optional_units(node: dict[str, dict]) -> None:
    """Make every optional hyphen two plain edges: a separator, or straight on to what follows it.

    A regex alternation takes its first branch that matches, not its longest. With an optional hyphen as a
    branch of its own, "tri-iodo-thyronine" ([-]?iodo[-]?thyronine) matched "triiodothyronine" and hid the
    longer "triiodothyronine glucuronide" in the branch beside it. Merged, the branches at each node start
    with different characters, and the greedy optional tails find the longest name.
    """
    # Only where the branches could clash: an optional hyphen beside other branches. Elsewhere the plain
    # optional unit stays, so the pattern does not copy each name's tail once per hyphen in it.
    while _HYPHEN_UNIT in node and any(unit and unit != _HYPHEN_UNIT for unit in node):
        after_hyphen = node.pop(_HYPHEN_UNIT)
        _merge_into(node.setdefault(_SPACE_UNIT, {}), after_hyphen)
        _merge_into(node, after_hyphen)
    # A space unit and a block phrase's strict hyphen both match "-": "17 alpha-hydroxyprogesterone" took the
    # space unit's branch and hid the block phrase "17 alpha-hydroxyprogesterone caproate". Split the space unit
    # into its two characters, and merge the hyphen's branch with the strict hyphen's.
    if _SPACE_UNIT in node and _STRICT_HYPHEN_UNIT in node:
        after_space, after_strict = node.pop(_SPACE_UNIT), node.pop(_STRICT_HYPHEN_UNIT)
        _merge_into(node.setdefault(" ", {}), after_space)
        hyphen = node.setdefault("-", {})
        _merge_into(hyphen, after_space)
        _merge_into(hyphen, after_strict)
    for unit, child in node.items():
        if unit:
            _without_optional_units(child)


def _first_letter_guard(words: Iterable[str]) -> str:
    """A lookahead for the characters the words start with, to go before _BEFORE: one class test rejects a
    position before the nine lookbehinds run, which halves the scan of a text dense with brackets and spaces.
    Empty when a word starts with a separator, which the trie makes optional."""
    firsts = {word[0] for word in words}
    if not firsts or firsts & set(_HYPHENS + " "):
        return ""
    return "(?=[" + "".join(sorted(re.escape(ch) for ch in firsts)) + "])"


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation shaped as a trie; a greedy optional tail prefers the longest name."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for unit in _units(word):
            node = node.setdefault(unit, {})
        node[""] = {}
    _without_optional_units(root)

    def emit(node: dict[str, dict]) -> str:
        alts = [_UNIT_PATTERN.get(unit, re.escape(unit)) + emit(child) for unit, child in sorted(node.items()) if unit]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _spelling_variants(name: str) -> list[str]:
    """The other Greek spellings of a lowercase name, and its OCR form with "r-" for a leading "γ-"."""
    variants = []
    if _LOCANT_SPACE.search(name) or _LOCANT_GLUED.search(name):
        # "17 beta", "17beta" and "17-beta" alike: the locant and its letter joined by a hyphen unit
        name = _LOCANT_GLUED.sub("-", _LOCANT_SPACE.sub("-", name))
        variants.append(name)
    if _GREEK_WORD.search(name):
        variants.append(_GREEK_WORD.sub(lambda m: _GREEK[m.group(1)], name))
    if _GREEK_SYMBOL.search(name):
        variants.append(_GREEK_SYMBOL.sub(lambda m: _SPELLED[m.group()], name))
    if _OCR_GAMMA.match(name):
        variants.append("r" + _STRICT_HYPHEN_UNIT + _OCR_GAMMA.sub("", name))
    numeral = _other_numeral(name)
    if numeral is not None:
        variants.append(numeral)
    british = name
    for pattern, replacement in _BRITISH:
        british = pattern.sub(replacement, british)
    if british != name:
        variants.append(british)
    return variants


def _other_numeral(name: str) -> str | None:
    """The name with its final number in the other figures ("angiotensin ii" -> "angiotensin 2"), or None;
    a short form keeps its case ("IGF-1" -> "IGF-I")."""
    m = _FINAL_NUMBER.search(name)
    if m is None:
        return None
    number = m.group(2)
    other = _ROMAN[number] if number.isdigit() else _ARABIC[number.lower()]
    if number.isdigit() and name[: m.start()].isupper():
        other = other.upper()
    return name[: m.start(2)] + other


def _stereo_variants(name: str) -> list[str]:
    """"L-tryptophan", "D-tryptophan", "DL-tryptophan" for a name without such a prefix."""
    # a one-word name, or an acid's two-word name ("L-glutamic acid")
    if " " in name.removesuffix(" acid") or len(name) < 4 or not name[0].isalnum() or _HAS_STEREO_PREFIX.match(name):
        return []
    return [prefix + _STRICT_HYPHEN_UNIT + name for prefix in _STEREO_PREFIXES]


def _block_forms(phrase: str) -> list[str]:
    """A block phrase's hyphen is a hyphen or nothing, never a space: "gnrh-a" (the agonist's short form) must
    block "GnRH-a" and "GnRHa" but leave "GnRH" in "GnRH a few minutes later" alone. A space in a phrase
    still matches a space or a hyphen. A locant may also be glued to its Greek letter while the other hyphens
    stay ("17-α-hydroxy..." is also "17α-hydroxy...")."""
    if not any(ch in _HYPHENS for ch in phrase):
        return [phrase]
    strict = "".join(_STRICT_HYPHEN_UNIT if ch in _HYPHENS else ch for ch in phrase)
    forms = [strict, "".join(ch for ch in phrase if ch not in _HYPHENS)]
    if _LOCANT_HYPHEN.search(strict):
        forms.append(_LOCANT_HYPHEN.sub("", strict))
    return forms


def _name_key(surface: str) -> str:
    return _SEP_STRIP.sub("", surface.lower()).replace(_STRICT_HYPHEN_UNIT, "")


def _abbreviation_key(surface: str) -> str:
    """Abbreviations keep their case ("NO" is not "no") but not their separators ("IGF-II")."""
    return _SEP_STRIP.sub("", surface)


def _sh_long_form_start(short: str, text: str) -> int | None:
    """Schwartz & Hearst (2003): where in `text` the long form of `short` starts, or None.

    Characters of the short form are matched right to left; the first one must start a word.
    """
    s, i = len(short) - 1, len(text) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (text[i].lower() != c or (s == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return i + 1


def _words_before(text: str, end: int, count: int) -> list[str]:
    """The last `count` words of the text before `end` within `_LOOK_BACK_CHARS`, split from the right
    only as far as needed; a word that the window's start cuts in two is left out, so no word is ever
    seen shortened."""
    start = max(0, end - _LOOK_BACK_CHARS)
    window = text[start:end]
    words = window.rsplit(None, count)
    if len(words) > count:
        return words[1:]  # the first piece holds the rest of the window, unsplit
    if start > 0 and words and not window[0].isspace() and not text[start - 1].isspace():
        words = words[1:]
    return words


def _end_before_spaces(text: str, end: int) -> int:
    """Where the text before `end` stops once the spaces just before `end` are left out, looking back
    at most `_LOOK_BACK_CHARS` (the window `_words_before` reads)."""
    limit = max(0, end - _LOOK_BACK_CHARS)
    while end > limit and text[end - 1].isspace():
        end -= 1
    return end


def _singular_short_form(short: str) -> str | None:
    """"DA" for a plural short form "DAs" (a lowercase s after a capital or a digit), else None."""
    if len(short) >= 3 and short[-1] == "s" and (short[-2].isupper() or short[-2].isdigit()):
        return short[:-1]
    return None


# An author's initials in a reference ("Raichlen DA, Alexander GE. Title"): a capitalised surname before the
# short form, and after it "et al" or the other authors up to the full stop that ends the list. A table or a list
# of measures looks alike ("Brain DA, Plasma NE and ..."; "Mean LH, Peak LH."), so the other authors' initials
# must be no short form the lexicon knows. At most 25 other authors are read (a longer list is cut with "et al"),
# so that a text of nothing but "Surname DA, " costs time linear in its length.
_SURNAME = r"(?:van |de |von )?(?:[A-ZÀ-Ý][a-zß-ÿ']+){1,2}(?:-[A-ZÀ-Ý][a-zß-ÿ']+)?"
_SURNAME_BEFORE = re.compile(rf"(?<![\w\-]){_SURNAME} \Z")
_OTHER_AUTHORS_AFTER = re.compile(rf"(?:, {_SURNAME} [A-Z]{{1,3}}){{1,25}}\.|,? et al\b")
_INITIALS = re.compile(r" ([A-Z]{1,3})(?=[,.])")


@lru_cache(maxsize=4096)  # a text repeats its few short forms
def _is_short_form(token: str) -> bool:
    return 1 <= len(token) <= 10 and token[0].isalnum() and any(ch.isupper() for ch in token)


class EntityMatcher:
    """Finds lexicon mentions in texts; build once, reuse for every record."""

    def __init__(
        self,
        concepts: Sequence[Concept] | None = None,
        never_tag: NeverTag | None = None,
        ambiguous_context_path: Path = AMBIGUOUS_CONTEXT_PATH,
        name_rules: Sequence[NameRule] | None = None,
    ) -> None:
        self.concepts = list(concepts) if concepts is not None else load_lexicon()
        never_tag = never_tag or load_never_tag()
        self.name_rules = list(name_rules) if name_rules is not None else load_name_rules()
        by_canonical = {c.canonical: c for c in self.concepts}

        self._by_name: dict[str, Concept | None] = {}
        name_forms: list[str] = []
        # canonical -> its first row: the canonical name itself names that row's descriptor
        first_row: dict[str, Concept] = {}
        for concept in self.concepts:
            first_row.setdefault(concept.canonical, concept)
        for concept in self.concepts:
            for name in concept.names:
                if name == concept.canonical and first_row[name] is not concept:
                    continue
                self._add_name(name.lower(), concept)
                name_forms.append(name.lower())
                if name[-1].isalpha():
                    plural = name.lower() + "s"
                    self._by_name.setdefault(_name_key(plural), concept)
                    name_forms.append(plural)
        for phrase in never_tag.block:
            self._by_name[_name_key(phrase)] = None
            name_forms += _block_forms(phrase)
            # A block phrase is written in the spellings a name is ("17α-hydroxyprogesterone caproate",
            # "ethinyl oestradiol"), unless a lexicon name is so written.
            for variant in _spelling_variants(phrase):
                if self._by_name.get(_name_key(variant)) is None:  # no lexicon name has this key
                    self._by_name[_name_key(variant)] = None
                    name_forms += _block_forms(variant)
        # Variants come last and never take a key a lexicon name or block phrase holds: "L-DOPA" stays levodopa.
        self._variant_keys: set[str] = set()
        for concept in self.concepts:
            for name in concept.names:
                if self._by_name.get(_name_key(name)) is not concept:
                    continue
                forms = [name.lower(), name.lower() + "s"] if name[-1].isalpha() else [name.lower()]
                configured = [f"{m.group(1)}-{greek}-{form[m.end():]}" for form in forms
                              if (m := _LOCANT_GROUP.match(form)) for greek in ("alpha", "beta")]
                variants = configured + [v for form in forms + configured for v in _spelling_variants(form)]
                if not concept.peptide:
                    variants += [v for form in [name.lower(), *_spelling_variants(name.lower())]
                                 for v in _stereo_variants(form)]
                for variant in variants:
                    key = _name_key(variant)
                    if key not in self._by_name:
                        self._by_name[key] = concept
                        self._variant_keys.add(key)
                    if self._by_name[key] is concept:
                        # also when only the separators differ: "17 beta" never matched "17beta"
                        name_forms.append(variant)
        self._rule_concepts: dict[tuple[str, str], Concept] = {}

        self._by_abbreviation: dict[str, tuple[Concept, bool]] = {}
        abbreviation_forms: list[str] = []
        for concept in self.concepts:
            for abbr, ambiguous in [(a, False) for a in concept.abbreviations] + [
                (a, True) for a in concept.ambiguous_abbreviations
            ]:
                key = _abbreviation_key(abbr)
                if key in self._by_abbreviation and self._by_abbreviation[key][0] is not concept:
                    raise ValueError(f"abbreviation {abbr!r} listed for two concepts")
                self._by_abbreviation[key] = (concept, ambiguous)
                abbreviation_forms.append(abbr)
        # A short form's final Arabic number in Roman figures ("GLP-1" -> "GLP-I"), unless that form is listed.
        # Not the other way: an Arabic number after a short form is often another symbol ("Ang-2" is angiopoietin-2).
        for concept in self.concepts:
            for abbr, ambiguous in [(a, False) for a in concept.abbreviations] + [
                (a, True) for a in concept.ambiguous_abbreviations
            ]:
                numeral = _other_numeral(abbr) if abbr[-1].isdigit() else None
                if numeral is not None and _abbreviation_key(numeral) not in self._by_abbreviation:
                    self._by_abbreviation[_abbreviation_key(numeral)] = (concept, ambiguous)
                    abbreviation_forms.append(numeral)
                # A releasing or inhibiting hormone's short form is also written with a hyphen before its "RH"
                # ("Gn-RH", "GH-RH", "LH-RH"): the same key, so only the form is added.
                releasing = _RELEASING_SHORT_FORM.fullmatch(abbr)
                if releasing is not None:
                    abbreviation_forms.append(f"{releasing[1]}-{releasing[2]}")

        # Every name form is lowercase, so the names regex runs case-sensitively on the lowercased text: half
        # the time of re.IGNORECASE. A text whose lowercasing changes its length ("İ") would shift the offsets;
        # it gets the case-insensitive regex, compiled only when such a text comes.
        self._after = _after_pattern(never_tag.derived_endings)
        self._names_pattern = (_first_letter_guard(name_forms) + _BEFORE + "(?:" + _trie_pattern(name_forms) + ")"
                               + self._after)
        self._names_re = re.compile(self._names_pattern)
        self._names_re_ignorecase: re.Pattern[str] | None = None
        suffixes = load_suffixes()
        self._suffix_kind = suffixes
        def words_pattern(kinds: tuple[str, ...]) -> str:
            words = sorted((w for w, k in suffixes.items() if k in kinds), key=len, reverse=True)
            return "(" + "|".join(re.escape(w).replace("\\-", _SPACE_CLASS).replace("\\ ", _SPACE_CLASS)
                                  for w in words) + ")"

        # "estrone 3-sulfate", "estradiol-17beta-glucuronide": a locant may stand before a salt or ester word
        self._suffix_re = re.compile(
            _SPACE_CLASS + r"(?:\d{1,2}-?(?:alpha|beta|α|β)?-)?" + words_pattern(("salt", "ester")) + self._after
        )
        self._fragment_re = re.compile(_FRAGMENT + "|" + _SPACE_CLASS + words_pattern(("fragment",)) + self._after)
        self._releasing_re = re.compile(_SPACE_CLASS + words_pattern(("releasing",)) + "s?" + self._after)
        self._prefix_re = re.compile(r"(?<![\w\-])" + words_pattern(("prefix",)) + r"[\- ]?\Z")
        # Cheap guards before the regexes run per hit: the first letters of a releasing phrase after the separator,
        # the last two letters of a prefix word before it.
        self._releasing_starts = tuple({w[:3] for w, k in suffixes.items() if k == "releasing"})
        self._prefix_ends = frozenset(w[-2:] for w, k in suffixes.items() if k == "prefix")
        self._modifier_re = re.compile(r"(?<![\w\-])(?i:" + words_pattern(("modifier",)) + r")[\- ]\Z")
        residues = load_residues()
        self._residues = residues
        self._residue_codes = {name: code for code, name in reversed(residues.items())}  # first symbol of a name
        items, glued, self._one_residue_re = _residue_patterns(residues)
        # one group or several: a single replacement may name a natural form, several always an analogue
        self._residue_prefix_re = re.compile(rf"(?:(?:\[{items}\]|\({items}\))-?|{glued})+\Z")
        # the hyphen after an isotope label or a bracketed residue replacement, read as a space by the scans
        self._bracket_hyphen_re = re.compile(rf"({_ISOTOPE_LABEL}|\[{items}\])-")
        self._rule_res = [re.compile(_BEFORE + "(?:" + rule.pattern.pattern + ")" + self._after)
                          for rule in self.name_rules]
        self._abbr_re = re.compile(
            _first_letter_guard(abbreviation_forms) + _BEFORE + "(?:" + _trie_pattern(abbreviation_forms) + ")(?:"
            + self._after + "|" + _SUBTYPE_SUFFIX + ")"
        )

        self._cues: dict[str, frozenset[str]] = {}
        # Words that are no mentions but make an ambiguous short form's substance unmistakable ("dopaminergic",
        # "hypothyroid", "eNOS"): a word with a capital matches in that case only, one without in any case.
        self._context_words: dict[str, re.Pattern[str]] = {}
        with ambiguous_context_path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                cues = frozenset(c for c in row["cues"].split("|") if c)
                unknown = (cues | {row["canonical"]}) - by_canonical.keys()
                if unknown:
                    raise ValueError(f"{ambiguous_context_path}: unknown canonical names {sorted(unknown)}")
                self._cues[row["canonical"]] = cues
                words = [w.strip() for w in row["context_words"].split("|") if w.strip()]
                if words:
                    alternatives = [re.escape(w) if w != w.lower() else "(?i:" + re.escape(w) + ")" for w in words]
                    self._context_words[row["canonical"]] = re.compile(
                        r"(?<![\w\-])(?:" + "|".join(alternatives) + r")(?![\w\-])")

    def _add_name(self, name: str, concept: Concept) -> None:
        key = _name_key(name)
        other = self._by_name.get(key)
        if other is not None and other is not concept:
            raise ValueError(f"name {name!r} belongs to {other.canonical!r} and {concept.canonical!r}")
        self._by_name[key] = concept

    # -- per text -------------------------------------------------------------------------

    def _candidates(self, text: str) -> list[_Hit]:
        """Non-overlapping hits, leftmost-longest across the two regexes and the name rules, then extended
        over a following salt/ester word or fragment suffix."""
        # per surface form: a long text repeats a few of them
        concept_of: dict[str, tuple[Concept | None, bool]] = {}
        hits = []
        text = text.translate(_TO_ASCII_HYPHEN)
        labels = text  # _with_labels reads the labels as written
        if "]-" in text:
            # same length: "[3H]-dopamine" is scanned as "[3H] dopamine"
            text = self._bracket_hyphen_re.sub(r"\1 ", text)
        lowered = text.lower()
        if len(lowered) == len(text):
            names = self._names_re.finditer(lowered)
        else:
            if self._names_re_ignorecase is None:
                self._names_re_ignorecase = re.compile(self._names_pattern, re.IGNORECASE)
            names = self._names_re_ignorecase.finditer(text)
        for m in names:
            surface = m.group()  # lowercase, or as written: the key and the cache only need it case-blind
            if surface not in concept_of:
                key = _name_key(surface)
                if key not in self._by_name:
                    # "İ" lowercases to "i" and a combining dot, and the case-insensitive regex read it as "i"
                    key = key.replace("\u0307", "")
                    if key not in self._by_name:
                        continue
                concept_of[surface] = (self._by_name[key], key in self._variant_keys)
            concept, by_rule = concept_of[surface]
            start, end = m.span()
            hits.append(_Hit(start, end, concept, False, False, by_rule))
        name_hits = len(hits)
        abbreviation_of: dict[str, tuple[Concept, bool]] = {}
        for m in self._abbr_re.finditer(text):
            surface = m.group()
            known = abbreviation_of.get(surface)
            if known is None:
                known = abbreviation_of[surface] = self._by_abbreviation[_abbreviation_key(surface)]
            concept, ambiguous = known
            start, end = m.span()
            if ambiguous and end < len(text) and text[end].isdigit():
                continue
            hits.append(_Hit(start, end, concept, ambiguous, True))
        rule_hits = self._rule_hits(text, lowered)
        if not rule_hits and name_hits in (0, len(hits)):
            kept = hits  # one pattern's own matches are in order and never overlap
        else:
            hits += rule_hits
            # Leftmost-longest; on equal spans the lexicon's hit (listed first; both sorts are stable) wins.
            # Two sorts on one attribute each: keys read in C, not a Python call per hit.
            hits.sort(key=_END, reverse=True)
            hits.sort(key=_START)
            kept = []
            for hit in hits:
                if not kept or hit.start >= kept[-1].end:
                    kept.append(hit)
        kept = self._with_suffixes(lowered, kept)
        kept = self._with_releasing(lowered, kept)
        return self._with_labels(labels, self._with_residues(labels, self._with_fragments(lowered, kept)))

    def _rule_hits(self, text: str, lowered: str) -> list[_Hit]:
        """Mentions of the name rules; each rule runs only on a text holding one of its literal needles."""
        hits = []
        for rule, pattern in zip(self.name_rules, self._rule_res, strict=True):
            if not any(needle in lowered for needle in rule.needles):
                continue
            for m in pattern.finditer(text):
                if rule.exclude is not None and rule.exclude.search(m.group().lower()):
                    continue
                parts = {k: self._part_name(v) for k, v in m.groupdict().items() if v is not None}
                canonical = rule.canonical.format(**parts)
                hits.append(_Hit(m.start(), m.end(), self._listed(canonical) or self._rule_concept(rule, canonical),
                                 by_rule=True))
        return hits

    def _part_name(self, part: str) -> str:
        """A part of a rule name as its canonical name says it: a lexicon short form or name becomes its concept's
        canonical name: "TSH-releasing hormone" is "thyroid-stimulating hormone-releasing hormone", and "GH-releasing
        hormone" the listed growth hormone-releasing hormone."""
        # An ambiguous short form too: before "-releasing hormone" it is unmistakably the hormone ("GH-releasing").
        known = self._by_abbreviation.get(_abbreviation_key(part))
        if known is not None:
            return known[0].canonical
        # a member's number in Roman figures is that in Arabic: "urocortin II" and "urocortin 2" are one peptide
        return _ARABIC.get(part.lower()) or _SEP_STRIP.sub("-", part.lower())

    def _listed(self, name: str) -> Concept | None:
        """The lexicon's concept of a name a rule made, when the lexicon lists that name: a rule never names
        without ids what the vocabulary knows ("estradiol 17-valerate" is the listed estradiol valerate). A
        releasing or inhibiting "factor" is that "hormone" (CRF is CRH, LRF is LHRH)."""
        listed = self._by_name.get(_name_key(name))
        if listed is None and name.endswith(" factor"):
            listed = self._by_name.get(_name_key(name.removesuffix(" factor") + " hormone"))
        return listed

    def _rule_concept(self, rule: NameRule, canonical: str) -> Concept:
        return self._named_concept(rule.name, canonical, rule.label, rule.also_labels, peptide=True)

    def _named_concept(
        self, rule_name: str, canonical: str, label: str, also_labels: tuple[str, ...], peptide: bool
    ) -> Concept:
        """The concept of a name a rule made: a canonical name and labels, never an identifier."""
        key = (rule_name, canonical)
        concept = self._rule_concepts.get(key)
        if concept is None:
            concept = Concept(canonical=canonical, label=label, also_labels=also_labels, mesh=None, chebi=None,
                              synonyms=(), abbreviations=(), ambiguous_abbreviations=(), peptide=peptide,
                              id_source=RULE_ID_SOURCE, note=f"rule {rule_name!r}")
            self._rule_concepts[key] = concept
        return concept

    def _with_suffixes(self, lowered: str, hits: list[_Hit]) -> list[_Hit]:
        """A small molecule's name takes a following salt word (same substance) or ester word (a conjugate)."""
        out = []
        for i, hit in enumerate(hits):
            concept = hit.concept
            if concept is not None and not concept.peptide and not hit.is_abbreviation and not concept.from_rule:
                m = self._suffix_re.match(lowered, hit.end)
                if m and (i + 1 == len(hits) or hits[i + 1].start >= m.end()):
                    suffix = _SEP_STRIP.sub(" ", m.group(1))
                    if self._suffix_kind[suffix] == "ester":
                        name = f"{concept.canonical} {suffix}"
                        concept = self._listed(name) or self._named_concept(
                            "ester", name, concept.label, concept.also_labels, peptide=False)
                    hit = _Hit(hit.start, m.end(), concept, by_rule=True)
            out.append(hit)
        return out

    def _with_releasing(self, lowered: str, hits: list[_Hit]) -> list[_Hit]:
        """A hormone's name or short form followed by "-releasing hormone" (and its kin) names the hormone that
        releases or inhibits it: "TSH-releasing hormone", "human growth hormone-releasing hormone"."""
        out = []
        for i, hit in enumerate(hits):
            concept = hit.concept
            if (concept is not None and concept.label == "HORMONE" and not concept.from_rule
                    and lowered.startswith(self._releasing_starts, hit.end + 1)):
                m = self._releasing_re.match(lowered, hit.end)
                if m and (i + 1 == len(hits) or hits[i + 1].start >= m.end()):
                    name = f"{concept.canonical}-{_SEP_STRIP.sub(' ', m.group(1))}"
                    concept = self._listed(name) or self._named_concept("releasing", name, "HORMONE", (), True)
                    hit = _Hit(hit.start, m.end(), concept, by_rule=True)
            out.append(hit)
        return out

    def _with_fragments(self, lowered: str, hits: list[_Hit]) -> list[_Hit]:
        """A peptide's mention takes the fragment suffix that follows it, up to the next hit, and the form prefix
        before it ("des-acyl ghrelin"), back to the previous hit."""
        out: list[_Hit] = []
        for i, hit in enumerate(hits):
            concept = hit.concept
            if concept is not None and concept.peptide:
                m = self._fragment_re.match(lowered, hit.end)
                if m and (i + 1 == len(hits) or hits[i + 1].start >= m.end()):
                    hit = _Hit(hit.start, m.end(), concept, hit.ambiguous, hit.is_abbreviation, by_rule=True)
                previous_end = out[-1].end if out else 0
                p = None
                if lowered[max(0, hit.start - 3) : hit.start - 1] in self._prefix_ends and not concept.from_rule:
                    p = self._prefix_re.search(lowered, max(previous_end, hit.start - 24), hit.start)
                if p:
                    # named as written: the prefix may cut into a listed name ("des-" before "acyl ghrelin")
                    name = _SEP_STRIP.sub("-", lowered[p.start() : hit.start]) + lowered[hit.start : hit.end]
                    prefixed = self._listed(name) or self._named_concept("prefix", name, concept.label,
                                                                         concept.also_labels, True)
                    hit = _Hit(p.start(), hit.end, prefixed, by_rule=True)
            out.append(hit)
        return out

    def _with_residues(self, text: str, hits: list[_Hit]) -> list[_Hit]:
        """A peptide's mention takes the residue replacement before it: one replacement that the lexicon names
        as a natural form is that form ("[Met5]enkephalin" is the listed Met(5)-enkephalin, "[Arg8]vasopressin"
        the listed 8-arginine vasopressin); any other names an analogue ("[D-Ala2,D-Leu5]-enkephalin",
        "[Sar1]angiotensin II", "[D-Ser2]-[Leu]enkephalin"), which ANNOTATION.md does not tag: the whole name
        becomes a block, so the parent's name inside it is no mention either. Every hit inside the replacement is
        dropped: a residue symbol there names no substance ("Gly" in "[D-Ala2, MePhe4, Gly-ol5]enkephalin")."""
        out: list[_Hit] = []
        for hit in hits:
            concept = hit.concept
            # every replacement ends in a bracket or a hyphen
            if concept is not None and concept.peptide and hit.start and text[hit.start - 1] in "])-":
                m = self._residue_prefix_re.search(text, max(0, hit.start - _LONGEST_REPLACEMENT), hit.start)
                if m:
                    while out and out[-1].end > m.start():
                        out.pop()
                    natural = self._natural_form(m.group(), text[hit.start : hit.end])
                    hit = _Hit(m.start(), hit.end, natural, by_rule=True)
            out.append(hit)
        return out

    def _natural_form(self, replacement: str, parent: str) -> Concept | None:
        """The concept the lexicon lists for the parent with this single residue replacement, under the names
        MeSH writes them ("Met(5)-Enkephalin", "8-Arginine Vasopressin", "(8-Arginine)Oxytocin"), else None."""
        one = self._one_residue_re.fullmatch(replacement)
        if one is None:
            return None
        code = one["code"] or self._residue_codes[one["name"].lower()]
        name, n, parent = self._residues[code], one["n"] or one["n1"] or one["n2"], parent.lower()
        if n is None:
            candidates = [f"{code}-{parent}", f"{name} {parent}"]
        else:
            candidates = [f"{code}({n})-{parent}", f"{n}-{name} {parent}", f"({n}-{name}){parent}"]
        return next((c for c in map(self._listed, candidates) if c is not None), None)

    @staticmethod
    def _with_labels(text: str, hits: list[_Hit]) -> list[_Hit]:
        """A mention takes the isotope label or stereo sign glued before it, back to the previous hit."""
        if "-" not in text and "]" not in text:
            return hits  # each label ends in one of them
        out: list[_Hit] = []
        for hit in hits:
            if hit.concept is not None and hit.start and text[hit.start - 1] in "]-":
                m = _LABEL_PREFIX.search(text, max(out[-1].end if out else 0, hit.start - 8), hit.start)
                if m:
                    hit = _Hit(m.start(), hit.end, hit.concept, hit.ambiguous, hit.is_abbreviation, by_rule=True)
            out.append(hit)
        return out

    def _definitions(self, text: str, hits: list[_Hit], defined: dict[str, Concept | None]) -> None:
        """Record what each parenthesised short form stands for in this text."""
        if "(" not in text:
            return
        ends = {h.end: h for h in hits if h.concept is not None}
        names_at = {h.start: h for h in hits if h.concept is not None and not h.is_abbreviation}
        for m in _PAREN.finditer(text):
            inner = m.group(1)
            # At most the min(|A| + 5, 2|A|) words Schwartz & Hearst allow a long form (the last one is
            # also the short form of "SHORT (long form)").
            long_form_words = min(len(inner) + 5, 2 * len(inner))
            inside = names_at.get(m.start(1))
            if inside is not None and inside.end == m.end(1):
                # "SHORT (long form)"
                words = _words_before(text, m.start(), long_form_words)
                if words and _is_short_form(words[-1]):
                    short = words[-1]
                    if self._abbreviates(short, text[inside.start : inside.end], inside.concept):
                        defined[short] = inside.concept
            elif _is_short_form(inner):
                # "long form (SHORT)"
                hit = ends.get(_end_before_spaces(text, m.start()))
                if hit is not None and (self._abbreviates(inner, text[hit.start : hit.end], hit.concept)
                                        or self._abbreviates_with_modifier(inner, text, hit)):
                    defined[inner] = hit.concept
                elif inner not in defined:
                    # only a first meaning is noted this way, so a short form already defined needs no search
                    words = _words_before(text, m.start(), long_form_words)
                    if _sh_long_form_start(inner, " ".join(words)) is not None:
                        defined[inner] = _OTHER
                singular = _singular_short_form(inner)
                if singular is not None and inner in defined:
                    # "dopamine agonists (DAs)": a later "DA" is one agonist, not dopamine
                    defined.setdefault(singular, defined[inner])

    def _abbreviates_with_modifier(self, short: str, text: str, hit: _Hit) -> bool:
        """"free testosterone (FT)", "total T4 (TT4)": the short form of a modifier and the name is the substance's."""
        m = self._modifier_re.search(text, max(0, hit.start - 20), hit.start)
        if m is None or _abbreviation_key(short) in self._by_abbreviation:
            return False
        return _sh_long_form_start(short, text[m.start() : hit.end]) is not None

    def _abbreviates(self, short: str, long: str, concept: Concept | None) -> bool:
        known = self._by_abbreviation.get(_abbreviation_key(short))
        if known is not None:
            return known[0] is concept
        return _sh_long_form_start(short, long) is not None

    # -- per record -----------------------------------------------------------------------

    def tag_record(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Mentions per text; abbreviations defined in any text of the record apply to all."""
        # A text's hits depend on the text alone, and a page may repeat a section's text many times.
        hits_of: dict[str, list[_Hit]] = {}
        all_hits = [hits_of[text] if text in hits_of else hits_of.setdefault(text, self._candidates(text))
                    for text in texts]
        defined: dict[str, Concept | None] = {}
        for text, hits in zip(texts, all_hits, strict=True):
            self._definitions(text, hits, defined)
        if any(c is not None and _abbreviation_key(s) not in self._by_abbreviation for s, c in defined.items()):
            all_hits = self._add_new_abbreviations(texts, all_hits, defined)

        plain = {h.concept.canonical for hits in all_hits for h in hits if h.concept is not None and not h.ambiguous}
        context_seen: dict[str, bool] = {}  # per record, each concept's context words are looked for once
        # A mention's fields after its span, per concept and source: made once, as a dense page names a few
        # substances thousands of times (the concepts are alive all through the call, so their ids are unique).
        fields_of: dict[tuple[int, bool], tuple[str, tuple[str, ...], str, str | None, str | None, str]] = {}
        out: list[list[Mention]] = []
        for text, hits in zip(texts, all_hits, strict=True):
            mentions: list[Mention] = []
            for hit in hits:
                concept = hit.concept
                if concept is None:
                    continue
                surface = text[hit.start : hit.end]
                if hit.is_abbreviation:
                    if hit.ambiguous and self._written_as_initials(text, hit.start, hit.end):
                        continue
                    if surface in defined:
                        concept = defined[surface]
                        if concept is None:
                            continue
                    elif hit.ambiguous and not (
                        concept.canonical in plain
                        or self._cues.get(concept.canonical, frozenset()) & plain
                        or self._has_context_word(concept.canonical, texts, context_seen)
                    ):
                        continue
                by_rule = hit.by_rule or concept.from_rule
                fields = fields_of.get((id(concept), by_rule))
                if fields is None:
                    fields = fields_of[id(concept), by_rule] = (
                        concept.label, concept.labels, concept.canonical, concept.mesh, concept.chebi,
                        "rule" if by_rule else "lexicon")
                mentions.append(Mention(hit.start, hit.end, surface, *fields))
            out.append(mentions)
        return out

    def _written_as_initials(self, text: str, start: int, end: int) -> bool:
        """Whether the short form at text[start:end] is an author's initials in a reference (see _SURNAME_BEFORE)."""
        after = _OTHER_AUTHORS_AFTER.match(text, end)
        if after is None or not _SURNAME_BEFORE.search(text, max(0, start - 40), start):
            return False
        return not any(_abbreviation_key(i) in self._by_abbreviation for i in _INITIALS.findall(after.group()))

    def _has_context_word(self, canonical: str, texts: Sequence[str], seen: dict[str, bool]) -> bool:
        if canonical not in seen:
            pattern = self._context_words.get(canonical)
            seen[canonical] = pattern is not None and any(pattern.search(text) for text in texts)
        return seen[canonical]

    def _add_new_abbreviations(
        self, texts: Sequence[str], all_hits: list[list[_Hit]], defined: dict[str, Concept | None]
    ) -> list[list[_Hit]]:
        """Tag short forms the record itself defines ("allopregnanolone (ALLO)")."""
        new = {s: c for s, c in defined.items() if c is not None and _abbreviation_key(s) not in self._by_abbreviation}
        concept_of = {_abbreviation_key(s): c for s, c in new.items()}
        pattern = re.compile(_BEFORE + "(?:" + _trie_pattern(new) + ")" + self._after)
        merged: list[list[_Hit]] = []
        for text, hits in zip(texts, all_hits, strict=True):
            # The hits are sorted and do not overlap, so their ends are sorted too: one binary search
            # per match finds the only hit that could overlap it.
            hit_ends = [h.end for h in hits]
            extra = []
            for m in pattern.finditer(text.translate(_TO_ASCII_HYPHEN)):
                after = bisect_right(hit_ends, m.start())
                if after == len(hits) or hits[after].start >= m.end():
                    extra.append(_Hit(m.start(), m.end(), concept_of[_abbreviation_key(m.group())], False, True))
            merged.append(sorted(hits + extra, key=lambda h: h.start) if extra else hits)
        return merged
