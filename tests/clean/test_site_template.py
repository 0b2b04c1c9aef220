"""Site-level template learning (issue 12): text on most pages of one site is dropped as `site-template`.

The pages are written here, from one made-up site's template: each is a different glossary entry,
and all carry a promo line inside the article that no rule knows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.api import PipelineConfig
from pipeline.clean.blocks import Block
from pipeline.clean.site_template import PageFingerprint, TemplateCounter, drop_template_blocks, site_of, text_hash
from pipeline.run_files import iter_records, read_run_report
from pipeline.runner import BatchOptions, run, run_clean

SHARED = "The Veltara reading room opens each Thursday evening in the old library on Marsh Lane."
SUBJECTS = [
    ("Cortisol Rhythm", "the daily rise and fall of cortisol, highest after waking and lowest near midnight"),
    ("Dopamine Drive", "the pull towards rewards that dopamine release in the striatum sets"),
    ("Melatonin Onset", "the evening hour at which melatonin levels in saliva start to climb"),
    ("Oxytocin Bonding", "the strengthening of social attachment that oxytocin release supports"),
    ("Ghrelin Surge", "the rise of the appetite hormone ghrelin in the hours before a usual meal"),
    ("Leptin Signal", "the message of stored energy that leptin from fat tissue carries to the brain"),
    ("Insulin Sensitivity", "how strongly muscle, liver and fat cells respond to a given amount of insulin"),
    ("Thyroid Conversion", "the change of thyroxine into the more active triiodothyronine in the tissues"),
    ("Serotonin Tone", "the steady background level of serotonin signalling that shapes mood and sleep"),
    ("Prolactin Release", "the pulses of prolactin from the pituitary that follow sleep and nursing"),
    ("Vasopressin Balance", "the control of water kept by the kidneys that vasopressin exerts"),
    ("Estrogen Dominance", "a high ratio of estrogen to progesterone over the menstrual cycle"),
    ("GABA Tone", "the resting inhibition that GABA at synapses gives the nervous system"),
    ("Endorphin Release", "the output of endorphins during long effort, pain or laughter"),
    ("Adrenaline Rush", "the sudden release of adrenaline that readies the body for action"),
    ("Growth Hormone Pulse", "the bursts of growth hormone secretion in the first hours of deep sleep"),
    ("Aldosterone Escape", "the return to normal sodium loss despite lasting high aldosterone"),
    ("Glucagon Response", "the release of glucagon that raises blood sugar between meals"),
    ("Testosterone Decline", "the slow fall of testosterone levels in men from middle age on"),
    ("Acetylcholine Signal", "the transmission by acetylcholine at the junction of nerve and muscle"),
]


def _slug(term: str) -> str:
    return term.lower().replace(" ", "-")


def _page(term: str, meaning: str, host: str = "www.veltara-health.test", extra: str = SHARED) -> str:
    aside = f'<div class="col-note"><p>{extra}</p></div>' if extra else ""
    return f"""<!doctype html>
<html lang="en"><head><title>{term} | Veltara Glossary</title>
<link rel="canonical" href="https://{host}/glossary/{_slug(term)}/"></head>
<body><div class="wrap"><h1>{term}</h1>
<p>{term} is {meaning}. Clinicians read it from repeated measurements over several days.</p>
<h2>Origin</h2>
<p>The name {term.lower()} was coined in endocrine research on {meaning.split(" ", 3)[-1]}.</p>
{aside}
<h2>Mechanism</h2>
<p>In the body, {term.lower()} follows feedback loops that keep {meaning.split(" ")[-1]} within a narrow range.</p>
</div></body></html>
"""


def _site(folder: Path, count: int = 20, host: str = "www.veltara-health.test", extra: str = SHARED) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for term, meaning in SUBJECTS[:count]:
        (folder / f"{_slug(term)}.html").write_text(_page(term, meaning, host, extra), encoding="utf-8")
    return folder


def _texts(out: Path) -> dict[str, str]:
    """Each record's section texts, by term."""
    return {r["term"]: "\n".join(s["text"] for s in r["sections"]) for r in iter_records(out)}


def _template_removals(out: Path) -> dict[str, list[str]]:
    return {r["term"]: [x["snippet"] for x in r["quality"]["removed"] if x["reason"] == "site-template"]
            for r in iter_records(out)}


def test_text_shared_by_a_sites_pages_is_removed_when_they_run_together(tmp_path):
    pages = _site(tmp_path / "pages")
    out = tmp_path / "out"
    run([str(pages)], out, workers=2)
    texts, removals = _texts(out), _template_removals(out)
    assert len(texts) == len(SUBJECTS)
    for term, meaning in SUBJECTS:
        assert SHARED not in texts[term]
        assert removals[term] == [SHARED]
        assert f"{term} is {meaning}." in texts[term]  # the entry's own text stays
    counts = read_run_report(out)["counts"]
    assert counts["template_sites"] == 1


def test_a_page_alone_keeps_the_shared_text(tmp_path, pipeline):
    pages = _site(tmp_path / "pages")
    one = pages / f"{_slug(SUBJECTS[3][0])}.html"
    out = tmp_path / "out"
    run([str(one)], out, workers=1)
    assert SHARED in _texts(out)[SUBJECTS[3][0]]
    outcome = pipeline.process(one.read_bytes(), path=str(one))
    assert SHARED in "\n".join(s.text for s in outcome.records[0].sections)
    assert not any(r.reason == "site-template" for r in outcome.records[0].quality.removed)


def test_the_switch_turns_learning_off(tmp_path):
    pages = _site(tmp_path / "pages")
    out = tmp_path / "out"
    run([str(pages)], out, workers=1, config=PipelineConfig(site_templates=False))
    assert all(SHARED in text for text in _texts(out).values())
    assert read_run_report(out)["counts"]["template_sites"] is None


def test_the_clean_command_on_a_folder_learns_templates_too(tmp_path):
    pages = _site(tmp_path / "pages", count=8)
    on, off = tmp_path / "on", tmp_path / "off"
    run_clean([str(pages)], on, workers=2)
    run_clean([str(pages)], off, workers=1, config=PipelineConfig(site_templates=False))
    for term, _ in SUBJECTS[:8]:
        name = f"{_slug(term)}.txt"
        assert SHARED not in (on / name).read_text(encoding="utf-8")
        assert SHARED in (off / name).read_text(encoding="utf-8")
        assert f"{term} is " in (on / name).read_text(encoding="utf-8")


def test_local_and_dask_executors_give_the_same_records(tmp_path):
    from distributed import LocalCluster

    pages = _site(tmp_path / "pages")
    local = tmp_path / "local"
    run([str(pages)], local, workers=2, options=BatchOptions(shard_size=7))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask_out = tmp_path / "dask"
        run([str(pages)], dask_out, workers=2,
            options=BatchOptions(executor="dask", scheduler=cluster.scheduler_address, shard_size=7))
    assert (dask_out / "records.jsonl").read_bytes() == (local / "records.jsonl").read_bytes()
    assert all(SHARED not in text for text in _texts(dask_out).values())
    own_cluster = tmp_path / "own-cluster"  # no scheduler: the run starts one LocalCluster for both passes
    run([str(pages)], own_cluster, workers=2, options=BatchOptions(executor="dask", shard_size=7))
    assert (own_cluster / "records.jsonl").read_bytes() == (local / "records.jsonl").read_bytes()


def test_a_definition_that_other_pages_quote_survives_on_its_own_page(tmp_path):
    pages = _site(tmp_path / "pages", extra="")
    quoted_term, quoted_meaning = SUBJECTS[6]
    definition = f"{quoted_term} is {quoted_meaning}. Clinicians read it from repeated measurements over several days."
    for term, meaning in SUBJECTS[7:]:  # 13 of the 20 pages quote it, in a box of their own
        (pages / f"{_slug(term)}.html").write_text(_page(term, meaning, extra=definition), encoding="utf-8")
    out = tmp_path / "out"
    run([str(pages)], out, workers=1)
    record = next(r for r in iter_records(out) if r["term"] == quoted_term)
    assert record["definition"] == definition
    # where it is only quoted, it is the site's repeated box
    assert _template_removals(out)[SUBJECTS[10][0]] == [definition[:120]]  # snippets are 120 characters


def test_two_sites_in_one_batch_do_not_share_templates(tmp_path):
    pages = tmp_path / "pages"
    _site(pages / "a", count=6)
    _site(pages / "b", count=10, host="blog.other-clinic.test", extra="")
    for term, meaning in SUBJECTS[6:8]:  # 2 of site b's 10 pages carry site a's text: 8 of 16 in the batch
        (pages / "b" / f"{_slug(term)}.html").write_text(
            _page(term, meaning, host="blog.other-clinic.test"), encoding="utf-8")
    out = tmp_path / "out"
    run([str(pages)], out, workers=1)
    texts = _texts(out)
    assert all(SHARED not in texts[term] for term, _ in SUBJECTS[:6])
    assert all(SHARED in texts[term] for term, _ in SUBJECTS[6:8])


def test_resume_redoes_the_pages_whose_site_template_changed(tmp_path):
    pages = _site(tmp_path / "pages", count=10)
    out = tmp_path / "out"
    run([str(pages)], out, workers=1)
    assert read_run_report(out)["counts"]["reused_inputs"] == 0
    run([str(pages)], out, workers=1, options=BatchOptions(resume=True))
    assert read_run_report(out)["counts"]["reused_inputs"] == 10  # same pages, same template: all reused
    for term, meaning in SUBJECTS[:6]:  # now 4 of 10 pages carry the text: no longer the site's template
        (pages / f"{_slug(term)}.html").write_text(_page(term, meaning, extra=""), encoding="utf-8")
    run([str(pages)], out, workers=1, options=BatchOptions(resume=True))
    assert read_run_report(out)["counts"]["reused_inputs"] == 0  # the 4 untouched pages are redone too
    texts = _texts(out)
    assert all(SHARED in texts[term] for term, _ in SUBJECTS[6:10])


@pytest.mark.parametrize(
    ("url", "key", "site"),
    [
        ("https://www.example.org/a/b", "x.html", "host:example.org"),
        ("https://Example.org:8080/", "x.html", "host:example.org"),
        (None, "crawl/site/page.html", "folder:crawl/site"),
        (None, "crawl.warc.gz#offset=120", "file:crawl.warc.gz"),
        ("http://[broken", "dump/p.html", "folder:dump"),
    ],
)
def test_the_site_of_a_page(url, key, site):
    assert site_of(url, key) == site


def test_hashes_ignore_case_spacing_and_punctuation():
    assert text_hash("Join the  Veltara reading room!") == text_hash("join the veltara reading room")
    assert text_hash("Share") is None  # too short to judge


def test_a_text_needs_both_the_share_and_the_count_of_pages():
    common, rare = text_hash("a text on every page of the site"), text_hash("a text on three pages only")
    counter = TemplateCounter()
    for n in range(8):
        hashes = {common} | ({rare} if n < 3 else set()) | {text_hash(f"the own text of page number {n}")}
        counter.add(PageFingerprint("host:a.test", frozenset(hashes)))
    for _ in range(4):  # a small site: its shared text is on all its pages, but they are too few
        counter.add(PageFingerprint("host:small.test", frozenset({common})))
    templates = counter.templates()
    assert templates.hashes("host:a.test") == {common}
    assert templates.hashes("host:small.test") == frozenset()


def test_pruning_keeps_a_template_on_a_big_site():
    counter = TemplateCounter()
    template = text_hash("the sidebar text of this big site")
    for n in range(500):
        own = text_hash(f"the own text of page number {n}")
        counter.add(PageFingerprint("host:big.test", frozenset({own} | ({template} if n % 3 else set()))))
    assert counter.templates().hashes("host:big.test") == {template}
    assert len(counter._sites["host:big.test"].counts) < 100  # the pages' own texts were forgotten


def test_a_heading_goes_only_with_everything_under_it():
    sidebar, popular = "Popular posts this month", "Ten facts about sleep you never knew"
    blocks = [
        Block("heading", "Serotonin Tone", level=1),
        Block("paragraph", "Serotonin tone is the steady background level of serotonin signalling."),
        Block("heading", "Symptoms of low tone", level=2),
        Block("paragraph", "Low mood and poor sleep are the signs most often reported."),
        Block("heading", sidebar, level=3),
        Block("item", popular),
    ]
    template = frozenset(text_hash(text) for text in ("Symptoms of low tone", sidebar, popular))
    kept, removed = drop_template_blocks(blocks, template, term="Serotonin Tone")
    assert [b.text for b in kept] == [b.text for b in blocks[:4]]
    assert [r.snippet for r in removed] == [sidebar, popular]
    assert {r.reason for r in removed} == {"site-template"}


def test_the_lead_and_the_term_are_guarded():
    lead = "Serotonin tone is the steady background level of serotonin signalling."
    blocks = [Block("heading", "Serotonin Tone", level=1), Block("paragraph", lead),
              Block("paragraph", "See serotonin tone in the index of terms.")]
    template = frozenset(text_hash(b.text) for b in blocks)
    kept, removed = drop_template_blocks(blocks, template, term="Serotonin Tone")
    assert kept == blocks and removed == []


@pytest.mark.parametrize("origin", [Block("heading", "Origin", level=2), Block("paragraph", "Origin")])
def test_a_sections_opening_paragraph_is_guarded_but_a_box_later_in_it_is_not(origin):
    # a site may word one section alike on every entry; the section stays, the promo box after it goes
    shared = "The phrase comes from pharmacology papers of the 1960s on resting and stimulated release."
    promo = "Visit the Veltara reading room on Thursdays for a talk."
    blocks = [Block("heading", "Serotonin Tone", level=1),
              Block("paragraph", "Serotonin tone is the steady background level of serotonin signalling."),
              origin, Block("paragraph", shared), Block("paragraph", promo)]
    kept, removed = drop_template_blocks(blocks, frozenset({text_hash(shared), text_hash(promo)}),
                                         term="Serotonin Tone")
    assert kept == blocks[:4]
    assert [r.snippet for r in removed] == [promo]


def test_a_listed_terms_text_is_guarded():
    blocks = [Block("term", "Ghrelin"), Block("paragraph", "The hormone of hunger, released by the stomach."),
              Block("paragraph", "Visit the Veltara reading room on Thursdays.")]
    template = frozenset(text_hash(b.text) for b in blocks)
    kept, _ = drop_template_blocks(blocks, template)
    assert kept == blocks[:2]


def test_the_run_report_and_journal_name_each_units_template(tmp_path):
    pages = _site(tmp_path / "pages", count=6)
    out = tmp_path / "out"
    run([str(pages)], out, workers=1)
    entry = json.loads((out / ".run-state" / "journal.jsonl").read_text(encoding="utf-8").splitlines()[0])
    sites = {unit[5] for unit in entry["units"]}
    digests = {unit[6] for unit in entry["units"]}
    assert sites == {"host:veltara-health.test"}
    assert len(digests) == 1 and None not in digests
