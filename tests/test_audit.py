"""The audit command: audit.json agrees with the run's records, audit.html is self-contained and inert.

The payload pages carry markup as *text* (escaped in their source), so it reaches the records
as `<script>...`, `onerror=`, `javascript:` and `</style>` strings; the report must show that
text escaped and never turn it into markup.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.quality.audit import write_audit
from pipeline.quality.audit.aggregate import severity, warning_severities
from pipeline.quality.audit.report import CSP, highlight
from pipeline.run_files import RunFolderError, iter_records, iter_rejects

PWN = "window.__pwned=1"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><article>{body}</article></main>"
            '<div id="cookie-banner" class="cookie-consent"><p>We use cookies to measure visits and remember your '
            "choices &lt;script&gt;window.__pwned=1&lt;/script&gt; on this site.</p><button>Accept all</button></div>"
            "</body></html>")


PAYLOAD_PAGES = {
    "script-payload.html": _page(
        "Dopamine Tone",
        "<h1>Dopamine Tone &lt;script&gt;document.title='pwned'&lt;/script&gt;</h1>"
        "<p>Dopamine tone is the steady background level of dopamine in the striatum, set by the slow firing of "
        f"midbrain neurons, and a page once showed the text &lt;script&gt;{PWN};alert(1)&lt;/script&gt; right here "
        "as an example of markup.</p><h2>Mechanism</h2><p>Neurons of the substantia nigra release dopamine at a low "
        "steady rate; reuptake transporters clear it, and the balance between release and reuptake sets the tone "
        "that shapes motivation and movement.</p>",
    ),
    "onerror-payload.html": _page(
        "Cortisol Rhythm",
        "<h1>Cortisol Rhythm</h1><p>Cortisol rhythm is the daily rise and fall of cortisol, the adrenal hormone that "
        "peaks shortly after waking and falls to its lowest point near midnight; the text "
        f"&lt;img src=x onerror={PWN}&gt; and \"&gt;&lt;img src=x onerror=\"document.title='pwned'\"&gt; is only "
        f"text.</p><h2>Origin &lt;svg onload={PWN}&gt;</h2><p>Researchers documented the pattern in the 1950s once "
        "reliable blood assays for corticosteroids existed, sampling volunteers every hour through a day and a "
        "night.</p>",
    ),
    "javascript-payload.html": _page(
        "Melatonin Timing",
        "<h1>Melatonin Timing</h1><p>Melatonin timing is the evening rise of melatonin from the pineal gland, which "
        f"tells the body that night has come; a link written as javascript:{PWN} or "
        "&lt;a href=\"javascript:document.title='pwned'\"&gt;here&lt;/a&gt; must stay plain text.</p>"
        f'<p>Read more at <a href="javascript:{PWN}">this link</a> about how light at night delays the rise of '
        "melatonin and shifts sleep later.</p>",
    ),
    "css-payload.html": _page(
        "Serotonin Synthesis",
        "<h1>Serotonin Synthesis</h1><p>Serotonin synthesis is the two-step making of serotonin from the amino acid "
        "tryptophan, first by tryptophan hydroxylase and then by a decarboxylase, in the gut and in the raphe nuclei "
        "of the brainstem; the text &lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt; and "
        "@import url(http://evil.invalid/x.css); is only text.</p><h2>Mechanism</h2><p>Tryptophan hydroxylase is "
        "the rate-limiting enzyme; its supply of tryptophan depends on diet and on competition with other large "
        "amino acids for transport into the brain.</p>",
    ),
    # A file name is page data too: it is shown as the record's source.
    f'name-"><svg onload={PWN}>.html': _page(
        "Oxytocin Bonding",
        "<h1>Oxytocin Bonding</h1><p>Oxytocin bonding is the part oxytocin plays in attachment between partners and "
        "between parent and child, released from the posterior pituitary during touch, birth and nursing.</p>",
    ),
    "not-found.html": _page("Page not found", "<h1>404 - Page not found</h1><p>Sorry, the page you were looking "
                                              "for has moved or never existed. Try the search box.</p>"),
    "empty.html": "",
    # A rejected page's name is shown in the rejects table; a skipped file's in the skipped-files table.
    f'rejected-"><img src=x onerror={PWN}>.html': _page("Page not found", "<h1>Page not found</h1><p>Sorry, this "
                                                       "page has moved or never existed. Try the search box.</p>"),
    "notes-<i>draft.pdf": "not a page by its name",
}


def write_payload_pages(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in PAYLOAD_PAGES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=300)


def run_and_audit(base: Path) -> Path:
    """Run the pipeline on the payload pages, then audit the run; the run folder."""
    pages = write_payload_pages(base / "pages")
    out = base / "run"
    done = cli("run", str(pages), "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    done = cli("audit", str(out))
    assert done.returncode == 0, done.stderr
    assert "audit.html" in done.stdout and "audit.json" in done.stdout
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return run_and_audit(tmp_path_factory.mktemp("audit"))


@pytest.fixture(scope="module")
def report(run_dir) -> str:
    return (run_dir / "audit.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def audit_json(run_dir) -> dict:
    return json.loads((run_dir / "audit.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records(run_dir) -> list[dict]:
    return list(iter_records(run_dir))


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _tags(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


# -- the run itself carries the payloads ------------------------------------------------------------


def test_the_payloads_reach_the_records_as_text(records):
    texts = " ".join(s["text"] for r in records for s in r["sections"]) + " ".join(r["term"] for r in records)
    for payload in ("<script>", "onerror=", "javascript:", "</style><style>body{display:none}"):
        assert payload in texts, payload
    assert len(records) == 5


# -- audit.json ---------------------------------------------------------------------------------------


def test_audit_writes_both_files(run_dir):
    assert (run_dir / "audit.html").stat().st_size > 0
    assert (run_dir / "audit.json").stat().st_size > 0
    assert not list(run_dir.glob(".*.tmp"))


def test_audit_json_totals_match_the_records(audit_json, records, run_dir):
    rejects = list(iter_rejects(run_dir))
    totals = audit_json["totals"]
    assert totals["records"] == len(records) == 5
    assert totals["rejects"] == len(rejects) == 3
    assert totals["sources_with_records"] == len({r["source"]["path"] for r in records})
    assert totals["inputs"] == totals["sources_with_records"] + totals["rejects"]
    assert totals["sections"] == sum(len(r["sections"]) for r in records)
    assert totals["entity_mentions"] == sum(len(r["entities"]) for r in records)
    assert totals["warnings"] == sum(len(r["quality"]["warnings"]) for r in records)
    assert totals["records_with_warnings"] == sum(1 for r in records if r["quality"]["warnings"])
    assert totals["kept_chars"] == sum(r["quality"]["kept_chars"] for r in records)
    assert totals["removed_chars"] == sum(sum(r["quality"]["removed_chars"].values()) for r in records)
    assert audit_json["rejects_by_reason"] == dict(Counter(r["reason"] for r in rejects))
    assert audit_json["run_report_mismatches"] == []


def test_audit_json_lists_every_reject_and_skipped_file(audit_json, run_dir):
    rejects = list(iter_rejects(run_dir))
    listed = [(row["source"], row["reason"], row["page_kind"], row["detail"]) for row in audit_json["rejects"]]
    assert sorted(listed, key=str) == sorted(((r["source"]["path"], r["reason"], r.get("page_kind"), r["detail"])
                                              for r in rejects), key=str)
    assert audit_json["reject_rows"] == {"max_per_reason": 1000, "left_out": 0}
    assert [Path(path).name for path in audit_json["skipped_files"]] == ["notes-<i>draft.pdf"]


def test_html_has_a_section_per_reject_reason_naming_each_reject(report, run_dir):
    for reject in iter_rejects(run_dir):
        heading = report.index("<h3 id=\"reject-reason-")
        section = report[report.index(f">{html.escape(reject['reason'])} <span", heading):]
        table = section[: section.index("</table>")]
        assert f"<code>{html.escape(reject['source']['path'], quote=True)}</code>" in table
        assert html.escape(reject["detail"], quote=True) in table
    assert f"rejected-&quot;&gt;&lt;img src=x onerror={PWN}&gt;.html" in report
    assert "notes-&lt;i&gt;draft.pdf" in report[report.index('id="skipped"'):]


def _copy_of_run(run_dir: Path, copy: Path) -> Path:
    """The run's result files in a folder of their own, for an audit that must not touch the shared run."""
    copy.mkdir()
    for name in ("records.jsonl", "rejects.jsonl", "run.json"):
        (copy / name).write_bytes((run_dir / name).read_bytes())
    return copy


def test_max_rejects_bounds_the_rows_and_says_so(run_dir, tmp_path):
    copy = _copy_of_run(run_dir, tmp_path / "run")
    html_path, json_path = write_audit(copy, max_rejects=1)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    by_reason = Counter(r["reason"] for r in iter_rejects(run_dir))
    assert len(data["rejects"]) == len(by_reason)
    assert data["reject_rows"]["left_out"] == sum(by_reason.values()) - len(by_reason)
    if max(by_reason.values()) > 1:
        assert "more rejects of this reason are in rejects.jsonl" in html_path.read_text(encoding="utf-8")


def test_warnings_have_a_severity_and_are_coloured_by_it(audit_json, report):
    source = (Path(__file__).resolve().parents[1] / "pipeline" / "api.py").read_text(encoding="utf-8")
    emitted = set(re.findall(r'\bwarn\("([a-z-]+)"', source))
    assert emitted and emitted <= set(warning_severities()), emitted - set(warning_severities())
    assert warning_severities()["several-terms"] == "info"
    assert {"consent-like-text", "menu-like-text"} <= {c for c, s in warning_severities().items() if s == "problem"}
    for code, row in audit_json["warnings_by_code"].items():
        assert row["severity"] == severity(code)
        assert f'class="bar {row["severity"]}"' in report
        assert f'<span class="sev {row["severity"]}" title="{row["severity"]}">{code}</span>' in report


def test_audit_json_coverage_warnings_and_removed_match_the_records(audit_json, records):
    for kind, row in audit_json["section_coverage"].items():
        assert row["records"] == sum(1 for r in records if any(s["kind"] == kind for s in r["sections"])), kind
        assert row["sections"] == sum(1 for r in records for s in r["sections"] if s["kind"] == kind), kind
    assert {"definition", "mechanism", "origin", "other"} <= set(audit_json["section_coverage"])
    codes = Counter(w["code"] for r in records for w in r["quality"]["warnings"])
    assert {code: row["warnings"] for code, row in audit_json["warnings_by_code"].items()} == dict(codes)
    assert "heading-not-recognised" in codes
    removed: Counter[str] = Counter()
    for r in records:
        removed.update(r["quality"]["removed_chars"])
    assert audit_json["removed_chars_by_reason"] == dict(removed)


def test_audit_json_top_entities_match_the_records(audit_json, records):
    mentions = Counter((e["label"], e["canonical"]) for r in records for e in r["entities"])
    in_records = Counter(pair for r in records for pair in {(e["label"], e["canonical"]) for e in r["entities"]})
    assert audit_json["top_entities"]
    for label, rows in audit_json["top_entities"].items():
        counts = [row["mentions"] for row in rows]
        assert counts == sorted(counts, reverse=True)
        for row in rows:
            assert row["mentions"] == mentions[(label, row["canonical"])]
            assert row["records"] == in_records[(label, row["canonical"])]
        best = max(n for (lab, _), n in mentions.items() if lab == label)
        assert counts[0] == best
    assert audit_json["entity_mentions_by_label"] == dict(Counter(e["label"] for r in records for e in r["entities"]))


def test_audit_json_histogram_counts_every_section_in_its_bin(audit_json, records):
    lengths = [len(s["text"]) for r in records for s in r["sections"]]
    bins = audit_json["section_length_histogram"]
    assert sum(b["sections"] for b in bins) == len(lengths)
    for b in bins:
        high = b["max_chars"] if b["max_chars"] is not None else float("inf")
        assert b["sections"] == sum(1 for n in lengths if b["min_chars"] <= n <= high)


def test_audit_json_lists_every_record_most_warnings_first(audit_json, records):
    rows = audit_json["records"]
    assert sorted(row["id"] for row in rows) == sorted(r["id"] for r in records)
    by_id = {r["id"]: len(r["quality"]["warnings"]) for r in records}
    assert all(row["warnings"] == by_id[row["id"]] for row in rows)
    assert [row["warnings"] for row in rows] == sorted(by_id.values(), reverse=True)
    assert audit_json["record_views"] == {"max_records": 500, "shown": 5, "left_out": 0}


# -- audit.html: self-contained and inert ---------------------------------------------------------------


def test_html_has_no_script_at_all(report):
    assert "<script" not in report.lower()
    assert not any(tag in {"script", "iframe", "object", "embed", "link", "base", "form", "img", "meta-refresh"}
                   for tag, _ in _tags(report).tags)


def test_html_has_no_event_handlers_javascript_urls_or_style_attributes(report):
    for tag, attrs in _tags(report).tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in {"src", "style", "srcset", "action", "formaction", "background"}, (tag, name)
            assert "javascript:" not in (value or "").lower(), (tag, name, value)
            if name == "href":
                assert re.fullmatch(r"#[a-z]+(-\d+)?", value or ""), value


def test_html_loads_nothing_from_outside(report):
    parser = _tags(report)
    style = "".join(parser.styles)
    assert len([t for t, _ in parser.tags if t == "style"]) == 1
    assert "@import" not in style and "url(" not in style
    assert not re.search(r"""(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:)?//""", report, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", report.split("</style>")[0], re.IGNORECASE)


def test_html_carries_a_strict_content_security_policy(report):
    metas = [a for t, a in _tags(report).tags if t == "meta" and (a.get("http-equiv") or "").lower()
             == "content-security-policy"]
    assert [m["content"] for m in metas] == [CSP]
    assert "default-src 'none'" in CSP
    # It comes before anything that could load or run.
    assert report.index("Content-Security-Policy") < report.index("<style>")


def test_payload_text_appears_escaped(report):
    assert f"&lt;script&gt;{PWN};alert(1)&lt;/script&gt;" in report
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in report  # in the term
    assert f"&lt;img src=x onerror={PWN}&gt;" in report
    assert f"&lt;svg onload={PWN}&gt;" in report  # in a heading and in a warning message
    assert "&lt;a href=&quot;javascript:document.title=&#x27;pwned&#x27;&quot;&gt;" in report
    assert "&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;" in report
    assert f"name-&quot;&gt;&lt;svg onload={PWN}&gt;.html" in report  # the file name
    for raw in ("<svg onload", "<img", "</style><style>", 'href="javascript', "onerror=\"", "onload="):
        assert raw not in report.replace(f"&lt;svg onload={PWN}&gt;", ""), raw


def test_html_shows_the_sections_charts_and_highlights(report, records):
    tags = _tags(report).tags
    assert sum(1 for t, _ in tags if t == "svg") >= 3
    assert sum(1 for t, a in tags if t == "details" and "rec" in (a.get("class") or "")) == len(records)
    marks = sum(1 for t, a in tags if t == "mark" and a.get("title"))
    assert marks == sum(len(r["entities"]) for r in records)
    assert "Removed boilerplate" in report
    for heading in ("Run totals", "Rejects by reason", "Section coverage per kind", "Warnings by code",
                    "Top canonical entities by label", "Section lengths", "Records with the most warnings"):
        assert heading in report


def test_records_with_warnings_come_first_in_the_report(report, records):
    warned = next(r for r in records if r["quality"]["warnings"])
    first_view = report.index('<details class="rec"')
    assert report.index(html.escape(warned["term"], quote=True), first_view) < report.index("</details>", first_view)


# -- limits, errors, highlighting ------------------------------------------------------------------------


def test_max_records_limits_the_views_and_says_so(run_dir, tmp_path):
    copy = _copy_of_run(run_dir, tmp_path / "run")
    html_path, json_path = write_audit(copy, max_records=2)
    text = html_path.read_text(encoding="utf-8")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert text.count('<details class="rec"') == 2
    assert "3 records were left out" in text
    assert data["record_views"] == {"max_records": 2, "shown": 2, "left_out": 3}
    assert len(data["records"]) == 5  # the warning counts of all records stay in the JSON


def test_audit_of_a_folder_that_is_not_a_run_fails_cleanly(tmp_path):
    with pytest.raises(RunFolderError):
        write_audit(tmp_path)
    with pytest.raises(RunFolderError):
        write_audit(tmp_path / "missing")
    done = cli("audit", str(tmp_path))
    assert done.returncode == 2
    assert "records.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_highlight_escapes_each_piece_and_skips_bad_offsets():
    text = "<b>dopamine</b> & \"cortisol\" <script>"
    entities = [
        {"text": "dopamine", "label": "NEUROCHEMICAL", "canonical": "dopamine", "start": 3, "end": 11},
        {"text": "cortisol", "label": "HORMONE", "canonical": 'x" onmouseover="alert(1)', "start": 19, "end": 27},
        {"text": "opa", "label": "HORMONE", "canonical": "overlap", "start": 4, "end": 7},  # overlaps: skipped
        {"text": "zzz", "label": "HORMONE", "canonical": "mismatch", "start": 0, "end": 3},  # wrong text: skipped
        {"text": "far", "label": "HORMONE", "canonical": "outside", "start": 90, "end": 93},  # outside: skipped
    ]
    out, skipped = highlight(text, entities, {"NEUROCHEMICAL": "l1", "HORMONE": "l0"})
    assert skipped == 3
    assert out == (
        '&lt;b&gt;<mark class="l1" title="NEUROCHEMICAL · dopamine">dopamine</mark>&lt;/b&gt; &amp; &quot;'
        '<mark class="l0" title="HORMONE · x&quot; onmouseover=&quot;alert(1)">cortisol</mark>&quot; &lt;script&gt;'
    )


@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70)), max_size=6))
def test_highlight_round_trips_to_the_text_and_adds_only_marks(text, offsets):
    entities = [{"label": "HORMONE", "canonical": "c", "start": a, "end": b} for a, b in offsets]
    out, skipped = highlight(text, entities, {"HORMONE": "l0"})
    tags = re.findall(r"<[^>]*>", out)
    assert all(tag in ('<mark class="l0" title="HORMONE · c">', "</mark>") for tag in tags)
    assert len(tags) == 2 * (len(entities) - skipped)
    plain = html.unescape(re.sub(r"<[^>]*>", "", out))
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", "\ufffd", text)
    assert plain == expected
