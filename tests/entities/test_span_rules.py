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
        "GABA-ergic interneurons and 5-HT-ergic fibres were spared; a GABA-mimetic drug was added.",
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


@pytest.mark.parametrize(
    ("surface", "canonical", "mesh"),
    [
        ("AVP", "vasopressin", "D001127"),
        ("arginine vasopressin", "vasopressin", "D001127"),
        ("vasopressin", "vasopressin", "D014667"),
        ("hGH", "growth hormone", "D019382"),
        ("growth hormone", "growth hormone", "D013006"),
    ],
)
def test_the_most_specific_descriptor_the_name_supports(
    tagger: EntityTagger, surface: str, canonical: str, mesh: str
) -> None:
    # One canonical per substance (glossary-dev: AVP -> vasopressin), the family id only for the family name.
    # "AVP" is also an assistant vice president: a water-balance word makes the hormone unmistakable.
    (m,) = tagger.tag_text(f"Plasma {surface} rose with plasma osmolality.")
    assert (m.text, m.canonical, m.mesh, m.source) == (surface, canonical, mesh, "lexicon")


@pytest.mark.parametrize(
    ("surface", "canonical"),
    [
        ("β-endorphin", "beta-endorphin"),
        ("gamma-endorphin", "gamma-endorphin"),
        ("γ-endorphin", "gamma-endorphin"),
        ("r-aminobutyric acid", "gamma-aminobutyric acid"),
        ("DL-DOPA", "dopa"),
        ("D-tryptophan", "tryptophan"),
        ("L-glutamine", "glutamine"),
        ("3alpha-hydroxy-5beta-pregnan-20-one", "pregnanolone"),
        ("17 β-estradiol", "estradiol"),
        ("thyroid stimulating hormone", "thyroid-stimulating hormone"),
        ("substance-P", "substance p"),
    ],
)
def test_spelling_variants(tagger: EntityTagger, surface: str, canonical: str) -> None:
    (m,) = tagger.tag_text(f"Levels of {surface} were recorded.")
    assert (m.text, m.canonical) == (surface, canonical)
    assert m.mesh is not None


def test_a_variant_made_by_rule_says_so(tagger: EntityTagger) -> None:
    (variant,) = tagger.tag_text("DL-DOPA was given.")
    (listed,) = tagger.tag_text("L-DOPA was given.")
    assert (variant.source, variant.canonical) == ("rule", "dopa")
    assert (listed.source, listed.canonical) == ("lexicon", "levodopa")


def test_a_stereo_prefix_needs_a_hyphen(tagger: EntityTagger) -> None:
    assert [m.text for m in tagger.tag_text("He took 5 mg/d dopamine daily.")] == ["dopamine"]


def test_a_peptide_takes_its_fragment_suffix(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("ACTH-(1-24) and beta-endorphin-(1-27) were infused; dopamine (1-3) was not.")
    assert [(m.text, m.canonical, m.source) for m in mentions] == [
        ("ACTH-(1-24)", "adrenocorticotropic hormone", "rule"),
        ("beta-endorphin-(1-27)", "beta-endorphin", "rule"),
        ("dopamine", "dopamine", "lexicon"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prolactoliberin was infused.", [("Prolactoliberin", "prolactoliberin", "HORMONE")]),
        ("Hypothalamic prolactostatin acts on lactotrophs.", [("prolactostatin", "prolactostatin", "HORMONE")]),
        ("A melanotropin-releasing factor was sought.",
         [("melanotropin-releasing factor", "melanotropin-releasing factor", "HORMONE")]),
        ("Neuropeptide W binds GPR7.", [("Neuropeptide W", "neuropeptide w", "NEUROCHEMICAL")]),
        ("Neuromedin S is made in the SCN.", [("Neuromedin S", "neuromedin s", "NEUROCHEMICAL")]),
        ("Dynorphin B and inhibin-B were assayed.",
         [("Dynorphin B", "dynorphin b", "NEUROCHEMICAL"), ("inhibin-B", "inhibin b", "HORMONE")]),
        ("Urocortin II (also urocortin 2) binds CRF2.",
         [("Urocortin II", "urocortin 2", "NEUROCHEMICAL"), ("urocortin 2", "urocortin 2", "NEUROCHEMICAL")]),
    ],
)
def test_in_scope_names_in_no_vocabulary_are_tagged_by_rule_without_ids(
    tagger: EntityTagger, text: str, expected: list[tuple[str, str, str]]
) -> None:
    mentions = tagger.tag_text(text)
    assert [(m.text, m.canonical, m.label) for m in mentions] == expected
    assert all(m.source == "rule" and m.mesh is None and m.chebi is None for m in mentions)


def test_a_rule_name_defines_its_abbreviation(tagger: EntityTagger) -> None:
    first, second = tagger.tag_record(["Neuropeptide W (NPW) was found.", "NPW fell."])
    assert [m.text for m in first] == ["Neuropeptide W", "NPW"]
    assert [(m.text, m.canonical, m.source) for m in second] == [("NPW", "neuropeptide w", "rule")]


@pytest.mark.parametrize(
    "text",
    [
        "Atorvastatin and simvastatin lower cholesterol.",
        "Chymostatin, angiostatin and pepstatin are inhibitors.",
        "Granulocyte colony-stimulating factor was given.",
        "A histamine-releasing factor was isolated.",
        "The neuropeptide I studied is small.",
        "Antagonists of the activin A receptor type 1 were tested.",
        "The urocortin 2 receptor is CRF2.",
    ],
)
def test_name_rules_leave_look_alikes_alone(tagger: EntityTagger, text: str) -> None:
    # "histamine" itself is still the substance inside the phrase; no rule mention covers the phrase.
    assert [m.text for m in tagger.tag_text(text) if m.source == "rule"] == []


def test_lexicon_names_keep_their_ids_next_to_rule_names(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("Somatostatin and thyrotropin-releasing hormone and neuropeptide Y")
    assert [(m.canonical, m.source) for m in mentions] == [
        ("somatostatin", "lexicon"),
        ("thyrotropin-releasing hormone", "lexicon"),
        ("neuropeptide y", "lexicon"),
    ]
    assert all(m.mesh for m in mentions)


def test_offsets_hold_when_lowercasing_changes_the_text_length(tagger: EntityTagger) -> None:
    # "İ".lower() is two characters: the names are then matched on the text as written.
    text = "İzmir trial: Dopamine rose, then CORTISOL."
    mentions = tagger.tag_text(text)
    assert [(m.text, m.canonical) for m in mentions] == [("Dopamine", "dopamine"), ("CORTISOL", "cortisol")]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_a_dotted_capital_i_inside_a_name_is_an_i(tagger: EntityTagger) -> None:
    # A Turkish "İ" inside a name raised KeyError and lost the whole text.
    text = "İnsulin and dopamine; İNSULİN fell."
    mentions = tagger.tag_text(text)
    assert [(m.text, m.canonical) for m in mentions] == [("İnsulin", "insulin"), ("dopamine", "dopamine"),
                                                         ("İNSULİN", "insulin")]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_salts_are_the_substance_and_esters_are_named_by_rule(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("Dopamine hydrochloride, estradiol glucuronide and testosterone propionate were given.")
    assert [(m.text, m.canonical, m.mesh, m.source) for m in mentions] == [
        ("Dopamine hydrochloride", "dopamine", "D004298", "rule"),
        ("estradiol glucuronide", "estradiol glucuronide", None, "rule"),
        ("testosterone propionate", "testosterone propionate", "D043343", "lexicon"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "gamma-Vinyl GABA was given.",
        "Methyl dopa lowers blood pressure.",
        "She took gamma vinyl GABA for her seizures.",
        "Depot GnRH-a suppressed ovulation for three months.",
        "Triptorelin (GnRHa) and goserelin (LHRH-A) were compared.",
    ],
)
def test_drug_names_that_contain_a_substance_name_are_not_tagged(tagger: EntityTagger, text: str) -> None:
    assert surfaces(tagger, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A block phrase's hyphen never matches a space: "GnRH a" is the hormone and an article.
        ("Pulses of GnRH a few minutes apart restored LH release.", ["GnRH", "LH"]),
        # Spelled out, the hormone inside the drug class's name is a mention, as in "dopamine agonist".
        ("A GnRH agonist lowered testosterone.", ["GnRH", "testosterone"]),
    ],
)
def test_the_hormone_next_to_an_agonist_short_form_block(
    tagger: EntityTagger, text: str, expected: list[str]
) -> None:
    assert surfaces(tagger, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ACTH1-24 was injected.", ["ACTH1-24"]),
        ("Beta-endorphin-1-31 rose.", ["Beta-endorphin-1-31"]),
        ("Insulin 1-2 hours later fell.", ["Insulin"]),
        ("PTH(1-34) and PTH (1-84) differ.", ["PTH(1-34)", "PTH (1-84)"]),
    ],
)
def test_fragment_numbers_without_brackets_only_when_glued(
    tagger: EntityTagger, text: str, expected: list[str]
) -> None:
    assert surfaces(tagger, text) == expected


def test_levothyroxine_short_forms(tagger: EntityTagger) -> None:
    mentions = tagger.tag_text("Patients on L-T4 or LT3 were excluded.")
    assert [(m.text, m.canonical) for m in mentions] == [("L-T4", "thyroxine"), ("LT3", "triiodothyronine")]


def test_unicode_hyphens_and_dashes_are_hyphens(tagger: EntityTagger) -> None:
    text = "tri\u2010iodo\u2010thyronine, 5\u2011HT and insulin\u2013like effects"
    assert [(m.text, m.canonical) for m in tagger.tag_text(text)] == [
        ("tri\u2010iodo\u2010thyronine", "triiodothyronine"),
        ("5\u2011HT", "serotonin"),
    ]


def test_a_hyphenated_name_does_not_hide_a_longer_name_beside_it(tagger: EntityTagger) -> None:
    # "tri-iodo-thyronine" and "triiodothyronine glucuronide" share a prefix; the longer name wins.
    (m,) = tagger.tag_text("Urinary triiodothyronine glucuronide rose.")
    assert (m.text, m.mesh) == ("triiodothyronine glucuronide", "C054786")


def test_a_releasing_hormone_named_after_a_short_form_shares_the_full_names_canonical(tagger: EntityTagger) -> None:
    text = "TSH-releasing hormone, thyroid-stimulating hormone-releasing hormone and GH-releasing hormone."
    short, full, growth = tagger.tag_text(text)
    assert short.canonical == full.canonical == "thyroid-stimulating hormone-releasing hormone"
    assert short.mesh is None and short.source == "rule"
    # a listed name wins, also behind an ambiguous short form: its ids come with it
    assert (growth.text, growth.canonical, growth.mesh) == (
        "GH-releasing hormone", "growth hormone-releasing hormone", "D013007")


def test_a_releasing_factor_is_the_listed_releasing_hormone(tagger: EntityTagger) -> None:
    # MeSH names the hypothalamic factors "...-releasing hormone"; "factor" is the older word for the same one
    mentions = tagger.tag_text("Prolactin-releasing factor and LH-releasing factor were measured.")
    assert [(m.text, m.mesh) for m in mentions] == [("Prolactin-releasing factor", "D056690"),
                                                    ("LH-releasing factor", "D007987")]


def test_a_residue_replacement_names_the_natural_form_or_an_analogue(tagger: EntityTagger) -> None:
    """IUPAC-IUB peptide nomenclature (3AA-22) names a peptide by the residues replaced in its parent: a single
    replacement the lexicon lists as a natural form is that form, by rule; any other is an analogue, not tagged."""
    text = "[Met5]enkephalin and Arg8-vasopressin rose, but [D-Ala2, N-MePhe4, Gly-ol5]enkephalin did not."
    mentions = tagger.tag_text(text)
    assert [(m.text, m.canonical, m.mesh, m.source) for m in mentions] == [
        ("[Met5]enkephalin", "met-enkephalin", "D004744", "rule"),
        ("Arg8-vasopressin", "vasopressin", "D001127", "rule"),
    ]
