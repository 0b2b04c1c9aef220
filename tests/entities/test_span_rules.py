"""Each span rule of ANNOTATION.md, pinned with sentences written for these tests."""

from __future__ import annotations

import pytest

from pipeline.entities import EntityTagger, Mention


def surfaces(tagger: EntityTagger, text: str) -> list[str]:
    return [m.text for m in tagger.tag_text(text)]


def test_offsets_are_exact_character_offsets(tagger: EntityTagger) -> None:
    text = "After a meal, Insulin rises while glucagon\u2019s output falls; cortisol-binding globulin is unchanged."
    mentions = tagger.tag_text(text)
    assert mentions
    for m in mentions:
        assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Altered GABA receptor function follows sleep loss.", ["GABA"]),
        ("Nicotine acts on acetylcholine receptors in the cortex.", ["acetylcholine"]),
        ("The dopamine transporter recycles the transmitter.", ["dopamine"]),
        ("Night shifts cause stress-induced cortisol dysregulation.", ["cortisol"]),
        ("Ovarian failure lowers estrogen receptor signalling.", ["estrogen"]),
        ("The endocannabinoid system adjusts appetite.", ["endocannabinoid"]),
    ],
)
def test_substance_inside_longer_phrase(tagger: EntityTagger, text: str, expected: list[str]) -> None:
    assert surfaces(tagger, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("An insulin-deficient state develops slowly.", ["insulin"]),
        ("Norepinephrine-producing cells fire during alarm.", ["Norepinephrine"]),
        ("A GLP-1-based regimen reduced weight.", ["GLP-1"]),
        ("Cortisol-binding globulin carries most of it.", ["Cortisol"]),
        ("Drugs acting at GABA-A sites sedate.", ["GABA"]),
        ("The leptin-to-adiponectin ratio was high.", ["leptin", "adiponectin"]),
    ],
)
def test_substance_inside_hyphenated_compound(tagger: EntityTagger, text: str, expected: list[str]) -> None:
    assert surfaces(tagger, text) == expected


@pytest.mark.parametrize(
    "name",
    [
        "thyroid hormones",
        "thyroid-stimulating hormone",
        "growth hormone",
        "growth hormone-releasing hormone",
        "insulin-like growth factor 1",
        "gamma-aminobutyric acid",
        "corticotropin-releasing hormone",
    ],
)
def test_longest_name_is_one_mention(tagger: EntityTagger, name: str) -> None:
    assert surfaces(tagger, f"Researchers measured {name} twice a day.") == [name]


def test_bracketed_definition_gives_two_mentions(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("Neurons release gamma-aminobutyric acid (GABA) to quiet their neighbours.")
    assert [m.text for m in mentions] == ["gamma-aminobutyric acid", "GABA"]
    assert mentions[0].canonical == mentions[1].canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Endorphins rise with exercise.", ["Endorphins"]),
        ("Plant estrogens differ from catecholamines.", ["estrogens", "catecholamines"]),
        ("Some studies overstated estrogen's effect on bone.", ["estrogen"]),
        ("It blunts the adrenal androgen output of older men.", ["androgen"]),
    ],
)
def test_plurals_and_possessives(tagger: EntityTagger, text: str, expected: list[str]) -> None:
    assert surfaces(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Every hormone and neurotransmitter is a chemical messenger among other signaling molecules.",
        "Neuromodulators, neurochemicals, precursors and cofactors vary between people.",
        "A steroid cream was applied; stress hormones were not measured.",
        "Dopaminergic, serotonergic, GABAergic, cholinergic, adrenergic and noradrenergic neurons differ.",
        "Glucocorticoid-like actions and insulin-like effects were reported for D1-like receptors.",
        "MAO and COMT degrade the transmitter after SERT uptake.",
        "The adrenal glands and the thyroid gland sit under the HPA axis; the thyroid enlarges.",
        "SSRIs, SNRIs, benzodiazepines, antipsychotics and stimulants were stopped.",
        "Vitamin D, magnesium, glucose and amino acids were supplemented.",
        "Desmopressin, prednisone and dexamethasone are analogues.",
        "Acetylcholinesterase blockers, antihistamines and vasopressors were given for aldosteronism.",
    ],
)
def test_not_tagged(tagger: EntityTagger, text: str) -> None:
    assert surfaces(tagger, text) == []


def test_case_insensitive_and_text_as_written(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("MELATONIN and Melatonin and melatonin")
    assert [m.text for m in mentions] == ["MELATONIN", "Melatonin", "melatonin"]
    assert {m.canonical for m in mentions} == {"melatonin"}


@pytest.mark.parametrize(
    ("surface", "canonical"),
    [
        ("levothyroxine", "thyroxine"),
        ("liothyronine", "triiodothyronine"),
        ("hydrocortisone", "cortisol"),
        ("noradrenaline", "norepinephrine"),
        ("adrenaline", "epinephrine"),
        ("L-DOPA", "levodopa"),
        ("5-HT", "serotonin"),
        ("antidiuretic hormone", "vasopressin"),
        ("sex steroids", "sex hormone"),
        ("reverse T3", "reverse triiodothyronine"),
    ],
)
def test_synonyms_share_the_canonical_name(tagger: EntityTagger, surface: str, canonical: str) -> None:
    mentions = tagger.tag_text(f"Levels of {surface} were recorded.")
    assert [(m.text, m.canonical) for m in mentions] == [(surface, canonical)]


def test_substances_with_two_labels_carry_both(tagger: EntityTagger) -> None:
    for m in tagger.tag_text("dopamine, oxytocin, vasopressin, melatonin, histamine, epinephrine"):
        assert set(m.labels) == {"NEUROCHEMICAL", "HORMONE"}
        assert m.label == m.labels[0]
    (ghrelin,) = tagger.tag_text("ghrelin")
    assert ghrelin.labels == ("HORMONE",)


def test_analogue_whose_name_contains_a_hormone_is_not_tagged(tagger: EntityTagger) -> None:
    assert surfaces(tagger, "Ethinyl estradiol differs from estradiol.") == ["estradiol"]


def test_mentions_are_mention_objects(tagger: EntityTagger) -> None:
    (m,) = tagger.tag_text("serotonin")
    assert isinstance(m, Mention)
    assert (m.label, m.mesh) == ("NEUROCHEMICAL", "D012701")
