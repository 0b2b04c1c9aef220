"""More crafted worst-case page shapes, timed like scripts/bench_shapes.py (which this reuses).

    .venv/bin/python scripts/bench_more_shapes.py                      # every shape, at 250 and 1000 KB
    .venv/bin/python scripts/bench_more_shapes.py --only giant-pre svg-paths --sizes 250 1000

The shapes of bench_shapes.py aim at the text rules; these aim at what sloppy or hostile
real pages carry around the text: nesting just under the depth limit, huge attribute values
and class lists, thousands of <style>/<script>/<iframe>/<form> elements, data payloads
(JSON-LD, __NEXT_DATA__), entity- and Unicode-heavy text, markdown-like or unwrapped plain
text, gzip, and text the tagger reads in a costly way (parentheses, brackets, hyphen chains,
receptor names). Each is built at each size and run through `GlossaryPipeline.process` in
this process, per-page time limit off, after a warm-up. `s/MB` is CPU seconds per MB of the
page's decoded bytes (one core); the stage columns are the pipeline's wall-clock timings per
MB; `ratio` is the s/MB at the largest size over the s/MB at the smallest: about 1 for a
linear shape, about 4 for one that grows with the square from 250 KB to 1 MB.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Callable

from bench_shapes import _LEAD, _WORDS, _measure, _page, _repeat

from pipeline.api import GlossaryPipeline, PipelineConfig
from pipeline.clean import LIBXML2_MAX_DEPTH
from pipeline.clean.extract import DENSE_BLOCKS_PER_KB
from pipeline.executors import pipeline_for

STAGES = ("decode", "clean", "page", "segment", "tag", "validate")
# Levels the page wrapper uses before a shape's body (html, body, main, article).
_WRAPPER_LEVELS = 4
_SENTENCE = "Dopamine is a neurotransmitter that signals reward in the brain and shapes movement. "


def _nested(open_tags: str, close_tags: str, levels_each: int, text: str, size: int) -> str:
    """As many copies as fit in `size` of one nest as deep as the depth limit allows."""
    depth = (LIBXML2_MAX_DEPTH - _WRAPPER_LEVELS - 2) // levels_each
    nest = (open_tags + text) * depth + close_tags * depth
    return _repeat(nest, size)


def _next_data(size: int) -> str:
    """A client-rendered skeleton page whose entry only exists in one giant __NEXT_DATA__ payload."""
    item = ('{"nodeType":"paragraph","content":[{"nodeType":"text","value":"' + _SENTENCE + '"}]},')
    items = _repeat(item, size).rstrip(",")
    payload = ('{"props":{"pageProps":{"entry":{"title":"Serotonin Tone","body":{"nodeType":"document",'
               f'"content":[{items}]}}}}}}}}')
    return ('<!DOCTYPE html><html lang="en"><head><title>Serotonin Tone</title></head><body><div id="__next">'
            '<h1>Serotonin Tone</h1><div class="skeleton">Loading</div></div>'
            f'<script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>')


def _run_in(container: str, unit: str, size: int) -> str:
    """One `container` element holding copies of `unit` until the page reaches `size`."""
    return _page(f"<{container}>" + _repeat(unit, size) + f"</{container}>")


def _cards(unit: str, size: int) -> str:
    """Copies of a card of two block elements, `{n}` numbered, `{pad}` filled with words until the page
    holds just fewer block elements per KB than the bound past which the clean stage reads the blocks
    itself (extract.py)."""
    bare = unit.format(n=1000, pad="")
    blocks_per_kb = 0.97 * DENSE_BLOCKS_PER_KB
    pad = "tone " * max(0, int((2 * 1000 / blocks_per_kb - len(bare)) / 5))
    return _page("".join(unit.format(n=n, pad=pad) for n in range(size // len(unit.format(n=1000, pad=pad)))))


def _json_ld(size: int) -> str:
    script = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"DefinedTerm",'
              '"name":"Serotonin Tone","description":"' + _SENTENCE + '"}</script>')
    return ('<!DOCTYPE html><html lang="en"><head><title>Serotonin Tone</title>' + _repeat(script, size)
            + '</head><body><h1>Serotonin Tone</h1><div>Loading</div></body></html>')


def _plain_long_lines(size: int) -> str:
    line = (_LEAD * 80).strip() + "\n"  # about 10 KB a line, sentences inside
    return "Serotonin Tone\n" + _repeat(line, size)


def _markdown(size: int) -> str:
    unit = ("## Mechanism\n\n**Dopamine** (DA) binds *D1* and [D2 receptors](https://example.org/d2).\n\n"
            "- rises with reward\n- falls with loss\n1. first\n2. second\n\n> quoted text\n\n`code` ---\n\n")
    return "# Serotonin Tone\n\n" + _LEAD + "\n\n" + _repeat(unit, size)


def _mixed_words(size: int) -> str:
    """English prose with a word of another script in every sentence (a translated glossary's glosses)."""
    others = ["多巴胺", "血清素", "الدوبامين", "סרוטונין", "ドーパミン", "도파민", "дофамин"]
    return "".join(f"{_SENTENCE[:-2]} ({others[n % len(others)]}). " for n in range(size // 90))


def _many_attributes(size: int) -> str:
    """One element carrying thousands of distinct attributes (a tracker's data-* dump)."""
    attributes = " ".join(f'data-k{n}="v{n}"' for n in range(size // 16))
    return _page(f"<div {attributes}><p>{_SENTENCE}</p></div>")


def _one_big_json_ld(size: int) -> str:
    """One JSON-LD script holding a whole DefinedTermSet (a glossary that ships its list as data)."""
    term = '{"@type":"DefinedTerm","name":"Term %d","description":"' + _SENTENCE + '"},'
    count = size // (len(term) + 4)
    terms = "".join(term % n for n in range(count)).rstrip(",")
    script = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"DefinedTermSet",'
              f'"name":"Glossary","hasDefinedTerm":[{terms}]}}</script>')
    return ('<!DOCTYPE html><html lang="en"><head><title>Serotonin Tone</title>' + script
            + '</head><body><h1>Serotonin Tone</h1><p>' + _LEAD + '</p></body></html>')


def _zero_width_between_letters(size: int) -> str:
    return _page("<p>" + "\u200b".join(_repeat(_SENTENCE, size // 2)) + "</p>")


def _definition_sentences(size: int) -> str:
    """Sentence after sentence that reads like a definition ("X is a ..."), each of another term."""
    return _page("".join(f"<p>Term{n} is a neurotransmitter that signals reward in the brain.</p>"
                         for n in range(size // 70)))


def _gzip_page(size: int) -> bytes:
    return gzip.compress(_page(_repeat("<p>Dopamine (DA) rises with reward and falls with loss.</p>", size))
                         .encode("utf-8"))


# Shape name -> the page of about `size` characters (decoded) it builds; bytes are sent as they are.
SHAPES: dict[str, Callable[[int], str | bytes]] = {
    # nesting just under the depth limit
    "nested-lists-near-depth": lambda size: _page(_nested("<ul><li>", "</li></ul>", 2, "dopamine ", size)),
    "nested-tables-near-depth": lambda size: _page(
        _nested("<table><tr><td>", "</td></tr></table>", 3, "dopamine ", size)),
    "nested-divs-near-depth": lambda size: _page(_nested("<div>", "</div>", 1, "dopamine rises. ", size)),
    "nested-chrome-named-near-depth": lambda size: _page(
        _nested('<div class="sidebar-widget">', "</div>", 1, "<p>" + _SENTENCE * 2 + "</p>", size)),
    "nested-consent-named-near-depth": lambda size: _page(
        _nested('<div class="cookie-consent">', "</div>", 1, "<p>We use cookies. Accept all.</p>", size)),
    "nested-inline-near-depth": lambda size: _page("<p>" + _nested("<b><i>", "</i></b>", 2, "x ", size) + "</p>"),
    # attributes
    "huge-attribute-value": lambda size: _page(f'<p data-state="{"a" * size}">{_SENTENCE}</p>'),
    "huge-class-list": lambda size: _page(
        '<div class="' + " ".join(f"c{n} cookie-{n} nav-{n}" for n in range(size // 24)) + f'"><p>{_SENTENCE}</p></div>'
    ),
    "long-class-lists-each": lambda size: _page(_repeat(
        '<div class="' + " ".join(f"col-{n} mt-{n} banner-{n}" for n in range(40)) + '"><p>Dopamine rises.</p></div>',
        size)),
    "distinct-class-names": lambda size: _page("".join(
        f'<div class="block-{n} widget-{n}" id="w{n}"><p>Dopamine rises.</p></div>' for n in range(size // 70))),
    # just under the clean stage's bound of block elements per KB (extract.py), so trafilatura reads them:
    # the costliest pages it is still given
    "classed-cards-under-block-bound": lambda size: _cards(
        '<div class="card-{n}" id="c{n}"><p class="t-{n}">Dopamine rises and falls {pad}.</p></div>', size),
    "formatted-cards-under-block-bound": lambda size: _cards(
        '<div class="card-{n}" id="c{n}"><p class="t-{n}"><span class="s-{n}">Dopamine</span> <b>rises</b> '
        '<i>and</i> <em>falls</em> {pad}.</p></div>', size),
    "long-urls": lambda size: _page(_repeat(
        '<p><a href="https://example.org/' + "segment/" * 200 + '?q=1">dopamine</a> '
        'see https://example.org/' + "path/" * 200 + ' now.</p>', size)),
    # element kinds real pages carry in bulk
    "many-style-blocks": lambda size: _page(_repeat("<style>.a{color:red}.b{margin:0}</style><p>Rises.</p>", size)),
    "many-script-blocks": lambda size: _page(_repeat("<script>var a = 1; window.x = {a: 2};</script>", size)),
    "giant-pre": lambda size: _page("<pre>" + _repeat("for (let i = 0; i < n; i++) { total += i; }\n", size)
                                    + "</pre>"),
    "many-select-options": lambda size: _page("<form><select>" + _repeat('<option value="d">Dopamine</option>', size)
                                              + "</select></form>"),
    "svg-paths": lambda size: _page(_repeat('<svg viewBox="0 0 9 9"><path d="M0 0L9 9Z"/></svg>', size)),
    "one-giant-svg-path": lambda size: _page(f'<svg><path d="M0 0{" L1 1" * (size // 5)}"/></svg><p>{_SENTENCE}</p>'),
    "many-iframes": lambda size: _page(_repeat('<iframe src="https://ads.example/x"></iframe>', size)),
    "many-forms-inputs": lambda size: _page(_repeat(
        '<form><label>Email</label><input type="text" name="e"><button>Subscribe</button></form>', size)),
    "consent-banner-divs": lambda size: _page(_repeat(
        '<div class="cookie-banner gdpr-consent" id="cookie-notice"><p>We use cookies to improve your '
        'experience.</p><button>Accept all</button><a href="/privacy">Privacy policy</a></div>', size)),
    "consent-between-prose": lambda size: _page("<div>" + _repeat(
        "<p>We use cookies. Accept all cookies or manage consent.</p><p>" + _SENTENCE + "</p>", size) + "</div>"),
    "many-nav-lists": lambda size: _page(_repeat(
        '<nav><ul><li><a href="/a">Home</a></li><li><a href="/b">Glossary</a></li></ul></nav>', size)),
    "many-noscript": lambda size: _page(_repeat("<noscript><p>Please enable JavaScript.</p></noscript>", size)),
    "many-details-summaries": lambda size: _page(_repeat(
        "<details><summary>Mechanism</summary><p>Dopamine binds D1 receptors.</p></details>", size)),
    "styled-bold-lines": lambda size: _page(_repeat(
        '<p><span style="font-weight:bold;font-size:20px">Mechanism</span></p><p>' + _SENTENCE * 2 + "</p>", size)),
    "many-h1": lambda size: _page(_repeat("<h1>Serotonin Tone</h1><p>Rises.</p>", size)),
    "same-heading-text": lambda size: _page(_repeat("<h2>Mechanism</h2><p>" + _SENTENCE + "</p>", size)),
    "many-dl-pairs": lambda size: _page("<dl>" + _repeat(
        "<dt>Dopamine</dt><dd>A neurotransmitter that signals reward in the brain.</dd>", size) + "</dl>"),
    "br-in-one-td": lambda size: _page("<table><tr><td>" + _repeat("dopamine<br>", size) + "</td></tr></table>"),
    "comments-everywhere": lambda size: _page("<p>" + _repeat("dopamine <!-- c --> rises <!-- d --> ", size)
                                              + "</p>"),
    "unclosed-paragraphs": lambda size: _page(_repeat("<p>Dopamine rises <b>fast", size)),
    # text
    "entity-heavy-text": lambda size: _page(f"<p>{_repeat('&amp; ', size)}</p>"),
    "nbsp-runs": lambda size: _page(f"<p>dopamine{_repeat('&nbsp;', size)}rises.</p>"),
    "cjk-text": lambda size: _page(f"<p>{_repeat('多巴胺是一种神经递质，在大脑中传递奖励信号。', size // 3)}</p>"),
    "rtl-text": lambda size: _page(f'<p dir="rtl">{_repeat("الدوبامين ناقل عصبي ينقل إشارات المكافأة. ", size // 2)}'
                                   "</p>"),
    "combining-marks": lambda size: _page(f"<p>{_repeat('d' + chr(0x301) * 20 + 'a ', size // 3)}</p>"),
    "emoji-text": lambda size: _page(f"<p>{_repeat('dopamine 😀🧠👩🏽‍🔬 ', size // 4)}</p>"),
    "mixed-language-words": lambda size: _page(f"<p>{_mixed_words(size)}</p>"),
    "parentheses-DA": lambda size: _page(f"<p>Dopamine {_repeat('(DA) ', size)}</p>"),
    "nested-parentheses": lambda size: _page(f"<p>dopamine {'(' * (size // 2)}x{')' * (size // 2)}</p>"),
    "citation-brackets": lambda size: _page(f"<p>{_repeat('dopamine [1][2][3] ', size)}</p>"),
    "hyphen-chain": lambda size: _page(f"<p>{'-'.join(_WORDS[n % 20] for n in range(size // 8))} (DA)</p>"),
    "receptor-names": lambda size: _page(f"<p>{_repeat('5-HT1A 5-HT2B D2-like α2-adrenergic ', size)}</p>"),
    "chemical-names": lambda size: _page(f"<p>{_repeat('(2S)-2-amino-3-(4-hydroxyphenyl)propanoic acid, ', size)}</p>"),
    "abbreviation-dots": lambda size: _page(f"<p>{_repeat('e.g. U.S.A. i.e. Dr. St. ', size)}</p>"),
    "run-in-labels": lambda size: _page(_repeat("<p>Mechanism: " + _SENTENCE + "</p>", size)),
    # payloads and plain text
    "many-json-ld": _json_ld,
    "giant-next-data": _next_data,
    "plain-text-long-lines": _plain_long_lines,
    "plain-text-markdown": _markdown,
    "plain-text-no-spaces": lambda size: "Serotonin Tone\n" + "a" * size,
    "gzip-page": _gzip_page,
    # shapes of tests/test_unseen_faults.py's corpus of faults (a hostile web, a sloppy crawler)
    "many-attributes-one-element": _many_attributes,
    "one-json-ld-term-set": _one_big_json_ld,
    "many-comments": lambda size: _page(_repeat("<!-- tracking pixel slot -->", size) + f"<p>{_SENTENCE}</p>"),
    "one-table-many-cells": lambda size: _page("<table><tr>" + _repeat("<td>DA</td>", size) + "</tr></table>"),
    "table-grid-cells": lambda size: _page("<table>" + _repeat("<tr>" + "<td>5 mg</td>" * 10 + "</tr>", size)
                                           + "</table>"),
    "zero-width-between-letters": _zero_width_between_letters,
    "one-giant-heading": lambda size: _page(f"<h2>{_repeat(_SENTENCE, size)}</h2>"),
    "one-giant-title": lambda size: _page(f"<p>{_SENTENCE}</p>").replace(
        "<title>", "<title>" + _repeat("Serotonin Tone ", size), 1),
    "definition-like-sentences": _definition_sentences,
    "one-giant-word-html": lambda size: _page(f"<p>{'a' * size}</p>"),
    "base64-data-uris": lambda size: _page(_repeat(f'<img src="data:image/png;base64,{"QUJD" * 500}">', size)
                                           + f"<p>{_SENTENCE}</p>"),
    "control-character-references": lambda size: _page(f"<p>{_repeat('dopamine &#x1F; &#11; ', size)}</p>"),
    "many-templates": lambda size: _page(_repeat("<template><p>Dopamine rises.</p></template>", size)
                                         + f"<p>{_SENTENCE}</p>"),
    "many-meta-tags": lambda size: _page(f"<p>{_SENTENCE}</p>").replace(
        "</head>", _repeat('<meta name="x" content="y">', size) + "</head>", 1),
    "many-img-alts": lambda size: _page(_repeat(f'<img alt="{_SENTENCE}" src="a.png">', size)),
    "long-list-of-prose-items": lambda size: _page("<ul>" + _repeat(f"<li>{_SENTENCE}</li>", size) + "</ul>"),
    "known-section-headings-repeated": lambda size: _page(_repeat(
        "<h2>Definition</h2><p>Rises.</p><h2>Origin</h2><p>Falls.</p>", size)),
    "links-in-prose": lambda size: _page(_repeat(
        f'<p>{_SENTENCE} <a href="/a">dopamine</a> and <a href="/b">serotonin</a>.</p>', size)),
    "one-sentence-commas": lambda size: _page("<p>" + _repeat("dopamine, serotonin, cortisol, ", size) + "end.</p>"),
    "svg-text-mathml": lambda size: _page(_repeat(
        "<svg><text>Dopamine</text></svg><math><mi>x</mi><mtext>rises</mtext></math>", size)),
    # as many elements as the bytes allow: the cost per element, with no text to speak of
    "empty-paragraphs": lambda size: _page(_repeat("<p>", size)),
    "empty-cells": lambda size: _page(_repeat("<td>", size)),
    "empty-list-items": lambda size: _page(_repeat("<li>", size)),
    "bare-images": lambda size: _page(_repeat("<img>", size)),
    "custom-elements": lambda size: _page(_repeat("<x-a>y</x-a>", size)),
    "one-letter-headings": lambda size: _page(_repeat("<h2>x</h2>", size)),
    # the second unseen-faults corpus: markup a hostile or sloppy page carries inside its prose
    "ruby-annotations": lambda size: _page("<p>" + _repeat("<ruby>dopamine<rt>DA</rt></ruby> rises. ", size) + "</p>"),
    "abbr-titles": lambda size: _page("<p>" + _repeat('<abbr title="dopamine">DA</abbr> and ', size) + "</p>"),
    "empty-anchors-between-words": lambda size: _page("<p>" + _repeat('dopamine<a name="n"></a> ', size) + "</p>"),
    "huge-colspans": lambda size: _page(_repeat(
        f'<table><tr><td colspan="1000000" rowspan="65534">{_SENTENCE}</td></tr></table>', size)),
    "nested-blockquotes-near-depth": lambda size: _page(
        _nested("<blockquote>", "</blockquote>", 1, "dopamine rises. ", size)),
    "many-rules": lambda size: _page(_repeat("<hr>", size)),
    "footnote-markers": lambda size: _page("<p>" + _repeat('dopamine<sup><a href="#f1">[1]</a></sup> ', size)
                                           + "</p>"),
    "wbr-between-letters": lambda size: _page("<p>" + _repeat("d<wbr>o<wbr>p<wbr>a<wbr>m<wbr>i<wbr>n<wbr>e ", size)
                                              + "</p>"),
    "hidden-paragraphs": lambda size: _page(_repeat(
        '<p style="display:none">Dopamine rises.</p><p hidden>Serotonin falls.</p>', size) + f"<p>{_SENTENCE}</p>"),
    "picture-sources": lambda size: _page(_repeat(
        '<picture><source srcset="a.webp 1x, b.webp 2x" type="image/webp"><img src="a.png" alt="x"></picture>', size)),
    "distinct-dl-terms": lambda size: _page("<dl>" + "".join(
        f"<dt>Hormone {n}</dt><dd>Hormone {n} is a hormone that signals the gut to the brain.</dd>"
        for n in range(size // 90)) + "</dl>"),
    "soft-hyphenated-words": lambda size: _page("<p>" + _repeat("dopa&shy;mine sero&shy;tonin corti&shy;sol ", size)
                                                + "</p>"),
    "times-in-one-paragraph": lambda size: _page("<p>" + _repeat("dopamine <time>today</time> rises ", size) + "</p>"),
    "classed-spans-in-one-paragraph": lambda size: _page("<p>" + _repeat('<span class="w">dopamine</span> ', size)
                                                         + "</p>"),
    # runs of tags trafilatura deletes (settings.MANUALLY_CLEANED) or strips (MANUALLY_STRIPPED) one by one, which
    # dense_markup drops or unwraps in one pass: block-level chrome tags, obsolete tags, <meta>, <template>
    "marquees-in-one-paragraph": lambda size: _run_in("p", "dopamine <marquee>x</marquee> ", size),
    "noindex-in-one-paragraph": lambda size: _run_in("p", "dopamine <noindex>x</noindex> ", size),
    "meta-in-one-paragraph": lambda size: _run_in("p", 'dopamine <meta itemprop="x"> ', size),
    "templates-in-one-paragraph": lambda size: _run_in("p", "dopamine <template>x</template> ", size),
    "asides-in-one-div": lambda size: _run_in("div", "dopamine <aside>x</aside> ", size),
    "fieldsets-in-one-div": lambda size: _run_in("div", "dopamine <fieldset>x</fieldset> ", size),
    "navs-in-one-div": lambda size: _run_in("div", "dopamine <nav>x</nav> ", size),
    "footers-in-one-div": lambda size: _run_in("div", "dopamine <footer>x</footer> ", size),
    "noscripts-in-one-paragraph": lambda size: _run_in("p", "dopamine <noscript>x</noscript> ", size),
    "addresses-in-one-div": lambda size: _run_in("div", "dopamine <address>x</address> ", size),
    # runs of elements the chrome step cuts or marks, each dropped with lxml's drop_tree (tail joined on)
    "chrome-classed-divs-in-one-div": lambda size: _page(
        "<div>" + _repeat('dopamine <div class="advert">x</div> ', size) + "</div>"),
    "share-boxes-in-one-div": lambda size: _page("<div>" + _repeat(
        'dopamine <div class="share"><a href="/s">Share</a></div> ', size) + "</div>"),
    # the tags above in rotation under one parent: a fix has to count a run of any mix of them
    "mixed-left-out-tags-in-one-div": lambda size: _page("<div>" + _repeat("".join(
        f"dopamine <{tag}>x</{tag}> " for tag in ("aside", "meta", "marquee", "fieldset", "noindex", "address", "nav",
                                                 "footer")), size) + "</div>"),
}


def _suffix(name: str) -> str:
    return "txt" if name.startswith("plain-text") else "html.gz" if name.startswith("gzip") else "html"


def _decoded_megabytes(data: bytes) -> float:
    return len(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data) / 1_000_000


def bench(
    pipeline: GlossaryPipeline, names: list[str], sizes_kb: list[int]
) -> tuple[list[tuple[str, float]], tuple[float, str]]:
    """Each shape's ratio (s/MB at the largest size over the smallest), and the costliest page: its s/MB
    and which shape and size it was."""
    print(f"{'shape':28} {'KB':>6} {'s/MB':>7} " + " ".join(f"{stage:>8}" for stage in STAGES)
          + "  slowest   result", flush=True)
    ratios = []
    worst = (0.0, "")
    for name in names:
        per_size = []
        for size_kb in sizes_kb:
            built = SHAPES[name](size_kb * 1024)
            data = built if isinstance(built, bytes) else built.encode("utf-8")
            megabytes = _decoded_megabytes(data)
            seconds, timings, result = _measure(pipeline, data, f"{name}.{_suffix(name)}")
            per_size.append(seconds / megabytes)
            worst = max(worst, (seconds / megabytes, f"{name} at {megabytes * 1e6 / 1024:.0f} KB"))
            slowest = max(STAGES, key=lambda stage: timings.get(stage, 0.0))
            stages = " ".join(f"{timings.get(stage, 0.0) / megabytes:8.2f}" for stage in STAGES)
            print(f"{name:28} {megabytes * 1e6 / 1024:6.0f} {seconds / megabytes:7.2f} {stages}  {slowest:9} {result}",
                  flush=True)
        ratio = per_size[-1] / per_size[0] if per_size[0] else 0.0
        ratios.append((name, ratio))
        print(f"{'':28} ratio {ratio:.2f}", flush=True)
    return ratios, worst


def bomb(pipeline: GlossaryPipeline) -> None:
    """A gzip bomb: 60 MB of spaces in about 60 KB, past the 50 MB decompression limit."""
    data = gzip.compress(b" " * 60_000_000)
    started = time.process_time()
    outcome = pipeline.process(data, path="bomb.html.gz")
    seconds = time.process_time() - started
    result = outcome.reject.reason if outcome.reject else f"{len(outcome.records)} records"
    print(f"gzip-bomb ({len(data) / 1024:.0f} KB -> 60 MB): {seconds:.2f} CPU s  {result}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000], metavar="KB")
    parser.add_argument("--only", nargs="+", default=None, metavar="SHAPE", choices=sorted(SHAPES))
    args = parser.parse_args()
    names = args.only or list(SHAPES)
    pipeline = pipeline_for(PipelineConfig(max_seconds_per_page=0))  # as a worker builds it
    for name in names:  # loads what loads lazily (the language model) before anything is timed
        built = SHAPES[name](4096)
        pipeline.process(built if isinstance(built, bytes) else built.encode("utf-8"), path=f"warm-up.{_suffix(name)}")
    ratios, (worst_seconds, worst_page) = bench(pipeline, names, args.sizes)
    if args.only is None:
        bomb(pipeline)
    print(f"worst shape: {worst_seconds:.2f} s/MB ({worst_page})")
    print("growing fastest: " + ", ".join(f"{name} {ratio:.2f}" for name, ratio in
                                          sorted(ratios, key=lambda pair: -pair[1])[:8]), file=sys.stdout)


if __name__ == "__main__":
    main()
