"""Abbreviations: defined, defined as something else, ambiguous, and record scope."""

from __future__ import annotations

from pipeline.entities import EntityTagger


def test_ambiguous_abbreviation_defined_as_the_substance(tagger: EntityTagger) -> None:
    (first, second) = tagger.tag_record(["Striatal dopamine (DA) was low.", "Exercise raised DA within a week."])
    assert [m.text for m in first] == ["dopamine", "DA"]
    assert [(m.text, m.canonical) for m in second] == [("DA", "dopamine")]


def test_abbreviation_defined_as_something_else_is_not_tagged(tagger: EntityTagger) -> None:
    texts = ["The daily amplitude (DA) of melatonin was small.", "A low DA predicted poor sleep; dopamine was normal."]
    assert [[m.text for m in ms] for ms in tagger.tag_record(texts)] == [["melatonin"], ["dopamine"]]


def test_undefined_ambiguous_abbreviation_needs_context(tagger: EntityTagger) -> None:
    assert tagger.tag_text("GH and NE were noted in the chart.") == []
    # The full name elsewhere in the record makes the short form unmistakable.
    record = tagger.tag_record(["Growth hormone peaks at night.", "GH falls with age."])
    assert [m.text for m in record[1]] == ["GH"]


def test_related_thyroid_mentions_disambiguate_t3(tagger: EntityTagger) -> None:
    (mentions,) = tagger.tag_record(["A normal TSH with low free T3 was found."])
    assert [(m.text, m.canonical) for m in mentions] == [
        ("TSH", "thyroid-stimulating hormone"),
        ("T3", "triiodothyronine"),
    ]


def test_short_form_before_long_form(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("Low NE (norepinephrine) tone was seen; NE rose later.")
    assert [(m.text, m.canonical) for m in mentions] == [
        ("NE", "norepinephrine"),
        ("norepinephrine", "norepinephrine"),
        ("NE", "norepinephrine"),
    ]


def test_new_abbreviation_defined_in_the_record(tagger: EntityTagger) -> None:
    first, second = tagger.tag_record(["Allopregnanolone (ALLOP) calms.", "ALLOP falls before menses."])
    assert [m.text for m in first] == ["Allopregnanolone", "ALLOP"]
    assert [(m.text, m.canonical) for m in second] == [("ALLOP", "allopregnanolone")]


def test_abbreviations_are_case_sensitive(tagger: EntityTagger) -> None:
    assert tagger.tag_record(["Nitric oxide (NO) relaxes vessels.", "There was no change and No effect."])[1] == []


def test_glued_parenthesis_is_not_a_definition(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("gamma-aminobutyric acid(A) receptors; A was low.")
    assert [m.text for m in mentions] == ["gamma-aminobutyric acid"]


def test_receptor_subtype_suffix(tagger: EntityTagger) -> None:
    assert [m.text for m in tagger.tag_text("5-HT2A and 5-HT1A receptors")] == ["5-HT", "5-HT"]


class _CountingText(str):
    """A text that counts the characters every slice of it copies: the work of looking back in it."""

    copied = 0

    def __getitem__(self, index):  # type: ignore[override]
        piece = super().__getitem__(index)
        _CountingText.copied += len(piece)
        return piece


def test_the_abbreviation_search_looks_back_a_bounded_window_before_each_parenthesis(tagger: EntityTagger) -> None:
    text = _CountingText("DA (dopamine) and " * 1000 + "a" * 50_000 + " (dopamine) and Serotonin (5-HT).")
    _CountingText.copied = 0
    (mentions,) = tagger.tag_record([text])
    # Each of the ~1,000 parentheses may look at a window of some hundred characters, never at all the text before it.
    assert _CountingText.copied <= 50 * len(text)
    assert [m.text for m in mentions[:2]] == ["DA", "dopamine"]
    assert [(m.text, m.canonical) for m in mentions[-2:]] == [("Serotonin", "serotonin"), ("5-HT", "serotonin")]


def test_a_short_form_is_still_defined_by_a_long_form_far_into_a_long_text(tagger: EntityTagger) -> None:
    filler = "Plain words without any substance in them at all. " * 2000
    texts = [filler + "Levels of allopregnanolone (ALLO) rose.", "ALLO fell again at night."]
    assert [(m.text, m.canonical) for m in tagger.tag_record(texts)[1]] == [("ALLO", "allopregnanolone")]


def test_a_defined_short_form_still_names_nothing_inside_another_term(tagger: EntityTagger) -> None:
    record = tagger.tag_record([
        "Men on androgen therapy had their testosterone (T) checked monthly.",
        "T rose by a third, while helper T cells, T-lymphocytes, the T wave and the T-score were unchanged.",
    ])
    assert [m.text for m in record[0]] == ["androgen", "testosterone", "T"]
    assert [(m.text, m.start) for m in record[1]] == [("T", 0)]


def test_e2_inside_a_prostaglandin_name_is_not_estradiol(tagger: EntityTagger) -> None:
    text = "Estradiol (E2) and prostaglandin E2 both rose in the follicle; E2 peaked first."
    mentions = tagger.tag_text(text)
    assert [(m.text, m.start, m.canonical) for m in mentions] == [
        ("Estradiol", 0, "estradiol"),
        ("E2", text.index("E2"), "estradiol"),
        ("E2", text.rindex("E2"), "estradiol"),
    ]


def test_an_ambiguous_short_form_glued_to_a_digit_is_another_symbol(tagger: EntityTagger) -> None:
    texts = [
        "Testosterone (T) was low; T2-weighted images were normal and T fell further.",
        "Growth hormone (GH) from GH3 cells; nitric oxide (NO) and NO2; epinephrine (EP) at EP4 receptors.",
    ]
    first, second = tagger.tag_record(texts)
    assert [(m.text, m.start) for m in first] == [
        ("Testosterone", 0),
        ("T", texts[0].index("(T)") + 1),
        ("T", texts[0].rindex("T fell")),
    ]
    assert [m.text for m in second] == ["Growth hormone", "GH", "nitric oxide", "NO", "epinephrine", "EP"]
    # An unambiguous short form keeps its receptor subtype: "5-HT" in "5-HT4".
    assert [m.text for m in tagger.tag_text("Serotonin acts at 5-HT4 sites.")] == ["Serotonin", "5-HT"]


def test_a_plural_short_form_defines_its_singular_too(tagger: EntityTagger) -> None:
    record = tagger.tag_record(
        ["Dopamine agonists (DAs) were started.", "One DA caused nausea, though dopamine was normal."]
    )
    assert [[m.text for m in ms] for ms in record] == [["Dopamine"], ["dopamine"]]
    # A definition of the singular itself still wins, wherever it stands in the record.
    record = tagger.tag_record(["Dopamine agonists (DAs) were started.", "Striatal dopamine (DA) fell; DA recovered."])
    assert [m.text for m in record[1]] == ["dopamine", "DA", "DA"]


def test_short_forms_with_other_common_senses_need_context(tagger: EntityTagger) -> None:
    texts = ["Thyroid peroxidase (TPO) antibodies were high.", "Infants with NAS were weaned.", "NPS use rose."]
    assert [tagger.tag_text(text) for text in texts] == [[], [], []]
    mentions = tagger.tag_text("Platelets rose with thrombopoietin; TPO peaked on day 5.")
    assert [(m.text, m.canonical) for m in mentions] == [
        ("thrombopoietin", "thrombopoietin"),
        ("TPO", "thrombopoietin"),
    ]
