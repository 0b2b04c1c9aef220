"""audit.html: one self-contained page built with the standard library.

Safety rules, kept everywhere in this module:
- every piece of run data goes through `esc()` (html.escape with quote=True) and lands in
  element content or in a double-quoted attribute (only `title` and `aria-label`);
- entity highlights are built by slicing the raw section text at the entity offsets and
  escaping each slice, never by searching or replacing inside escaped HTML;
- no `href` or `src` comes from run data (the only links are `#rec-N` anchors made from a
  counter), no script, no event handler, no external resource; a Content-Security-Policy
  meta tag forbids them anyway (`default-src 'none'`), and the per-record views are
  `<details>` elements, which need no JavaScript.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.quality.audit.aggregate import SEVERITIES, Audit, severity
from pipeline.quality.audit.charts import Bar, bar_chart, column_chart
from pipeline.quality.audit.escape import esc, shorten

# The report's parts, for the contents line at the top (anchors are fixed strings, never run data).
SECTIONS = (
    ("totals", "totals"),
    ("rejects", "rejects"),
    ("skipped", "skipped files"),
    ("kinds", "pages by kind"),
    ("coverage", "section coverage"),
    ("warnings", "warnings"),
    ("removed", "removed boilerplate"),
    ("entities", "entities"),
    ("lengths", "section lengths"),
    ("records", "records with the most warnings"),
    ("views", "record views"),
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Highlight colours by label; labels not listed here take the fallback colours in order.
LABEL_COLOURS = {"HORMONE": "#fcd9a8", "NEUROCHEMICAL": "#bfdbfe"}
FALLBACK_COLOURS = ("#c7f0d2", "#f5c6e0", "#e2d5fb", "#f9f1a5", "#c9eef2", "#e5e7eb")

STYLE = """
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #d9dee4; --accent: #3b6ea8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0; background: #f6f7f9; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.sub, .note, .empty { color: var(--muted); }
.note { font-size: 13.5px; }
.warn { background: #fff4e5; border-left: 4px solid #e8a33d; padding: 6px 10px; }
code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card b { display: block; font-size: 21px; }
.card span { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.n, th.n { text-align: right; padding-right: 14px; font-variant-numeric: tabular-nums; }
.cols { display: flex; flex-wrap: wrap; gap: 10px 40px; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 8px; }
svg .bar { fill: var(--accent); }
svg .bar.alt { fill: #c0663c; }
svg .bar.grey { fill: #7b8794; }
svg text { font: 12.5px system-ui, "DejaVu Sans", sans-serif; fill: var(--ink); }
svg .val, svg .axislbl { fill: var(--muted); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
mark { border-radius: 3px; padding: 0 1px; color: inherit; }
.legend mark { margin-right: 10px; }
details.rec { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; }
details.rec > summary { cursor: pointer; padding: 7px 12px; background: #f3f5f7; border-radius: 6px; }
details.rec[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
details.rec > div { padding: 4px 14px 12px; }
.badge { display: inline-block; min-width: 24px; text-align: center; border-radius: 10px; padding: 0 7px;
         font-size: 12.5px; background: #e5e7eb; margin-right: 6px; }
.sev { display: inline-block; font-size: 12px; border-radius: 4px; padding: 0 6px; margin-right: 4px; }
.sev.info, .badge.info { background: #dbe4ee; }
.sev.warning, .badge.warning { background: #fbd5a5; }
.sev.problem, .badge.problem { background: #f4b4ae; }
svg .bar.info { fill: #8a9bb0; }
svg .bar.warning { fill: #e8a33d; }
svg .bar.problem { fill: #c2413a; }
.kind { display: inline-block; font-size: 12px; border: 1px solid var(--line); border-radius: 4px; padding: 0 5px;
        margin-right: 6px; color: var(--muted); font-weight: normal; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 8px; }
.removed { background: #f7f7f7; border: 1px dashed #b8bec6; border-radius: 6px; padding: 4px 12px 8px;
           margin-top: 14px; color: #4a5560; }
.removed h4 { margin: 6px 0; font-size: 14px; }
.removed td { font-size: 13px; }
ul.warnings { margin: 6px 0; padding-left: 20px; }
nav { margin-top: 6px; }
a { color: var(--accent); }
"""


def render(audit: Audit) -> str:
    labels = _labels(audit)
    label_class = {label: f"l{i}" for i, label in enumerate(labels)}
    shown = audit.shown_records()
    parts = [
        _head(audit, labels),
        _totals(audit),
        _rejects(audit),
        _skipped(audit),
        _page_kinds(audit),
        _coverage(audit),
        _warnings(audit),
        _removed(audit),
        _entities(audit, label_class),
        _lengths(audit),
        _record_table(audit, shown),
        _record_views(audit, shown, label_class),
        "</main></body></html>\n",
    ]
    return "".join(parts)


# -- page parts ---------------------------------------------------------------------------------


def _head(audit: Audit, labels: list[str]) -> str:
    colours = _label_colours(labels)
    label_css = "".join(f"mark.l{i} {{ background: {colour}; }}\n" for i, colour in enumerate(colours))
    version = audit.run_report.get("pipeline_version")
    contents = " · ".join(f'<a href="#{anchor}">{esc(name)}</a>' for anchor, name in SECTIONS)
    sub = f"Run folder <code>{esc(audit.run_dir)}</code>"
    if version:
        sub += f" · pipeline {esc(version)}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Audit: {esc(audit.run_dir.name or str(audit.run_dir))}</title>\n"
        f"<style>{STYLE}{label_css}</style></head>\n<body><main>\n"
        f'<h1>Glossary pipeline audit</h1><p class="sub">{sub}</p>\n'
        f'<nav class="note">{contents}</nav>\n'
    )


def _totals(audit: Audit) -> str:
    totals = audit.totals()
    names = {
        "inputs": "inputs",
        "records": "records",
        "sources_with_records": "sources with records",
        "rejects": "rejects",
        "skipped_files": "skipped files",
        "sections": "sections",
        "entity_mentions": "entity mentions",
        "warnings": "warnings",
        "records_with_warnings": "records with warnings",
        "kept_chars": "characters kept",
        "removed_chars": "characters removed",
    }
    cards = "".join(f'<div class="card"><b>{totals[key]:,}</b><span>{esc(name)}</span></div>' for key, name in
                    names.items())
    out = f'<h2 id="totals">Run totals</h2><div class="cards">{cards}</div>\n'
    out += ('<p class="note">Counted from the run\'s records and rejects; inputs = sources with records + rejects; '
            "skipped files (not pages by their name) come from run.json.</p>\n")
    mismatches = audit.run_counts_disagree()
    if mismatches:
        out += f'<p class="warn">{esc("; ".join(mismatches))}.</p>\n'
    return out


def _page_kinds(audit: Audit) -> str:
    total = sum(audit.pages_by_kind.values())
    bars = [Bar(kind, n, _share(n, total)) for kind, n in audit.pages_by_kind.most_common()]
    note = ('<p class="note">What the page stage decided each input is: entry and glossary-list pages gave '
            "records, the other kinds were rejected as not-a-glossary-entry.</p>")
    return f'<h2 id="kinds">Pages by kind</h2>{note}{bar_chart(bars, title="Pages by kind", css_class="bar")}\n'


def _rejects(audit: Audit) -> str:
    """The chart, then one section per reason (most rejects first) with a row per reject: no script needed."""
    bars = [Bar(reason, n, _share(n, audit.rejects)) for reason, n in audit.rejects_by_reason.most_common()]
    out = f'<h2 id="rejects">Rejects by reason</h2>{bar_chart(bars, title="Rejects by reason", css_class="bar alt")}\n'
    for number, (reason, count) in enumerate(audit.rejects_by_reason.most_common()):
        rows = audit.reject_rows.get(reason, [])
        body = "".join(
            f'<tr><td><code>{esc(row["source"])}</code></td><td>{esc(row["page_kind"] or "")}</td>'
            f'<td>{esc(row["detail"])}</td></tr>'
            for row in rows
        )
        left_out = (f'<p class="note">{count - len(rows):,} more rejects of this reason are in rejects.jsonl '
                    f"(the limit is {audit.max_rejects:,} per reason).</p>" if count > len(rows) else "")
        out += (f'<h3 id="reject-reason-{number}">{esc(reason)} <span class="note">({count:,})</span></h3>'
                f"<table><tr><th>source</th><th>page kind</th><th>detail</th></tr>{body}</table>{left_out}\n")
    return out


def _skipped(audit: Audit) -> str:
    """What the run passed over without a reject: files not pages by name, its own outputs, container units."""
    out = '<h2 id="skipped">Skipped files</h2>'
    groups = [("not a page, archive or JSON Lines file by its name", audit.skipped_files()),
              ("the run's own output, found in an input folder", audit.excluded_files())]
    rows = "".join(f"<tr><td><code>{esc(path)}</code></td><td>{esc(why)}</td></tr>"
                   for why, paths in groups for path in paths)
    units = audit.skipped_units()
    if not rows and not units:
        return out + '<p class="empty">None: every file found was an input.</p>\n'
    if rows:
        out += f"<table><tr><th>file</th><th>why skipped</th></tr>{rows}</table>"
    if units:
        listed = ", ".join(f"{esc(why)} {n:,}" for why, n in units.items())
        out += f'<p class="note">Units of archives and JSON Lines files passed over by their type: {listed}.</p>'
    return out + "\n"


def _coverage(audit: Audit) -> str:
    coverage = audit.coverage()
    bars = [Bar(kind, row["records"], _share(row["records"], audit.records)) for kind, row in coverage.items()]
    rows = "".join(
        f'<tr><td>{esc(kind)}</td><td class="n">{row["records"]:,}</td><td class="n">'
        f'{_share(row["records"], audit.records).strip("()")}</td><td class="n">{row["sections"]:,}</td></tr>'
        for kind, row in coverage.items()
    )
    return (
        '<h2 id="coverage">Section coverage per kind</h2>'
        '<p class="note">Records with at least one section of each kind (share of all records).</p>'
        f'{bar_chart(bars, title="Records with a section of each kind")}'
        '<details><summary class="note">As a table</summary><table><tr><th>kind</th><th class="n">records</th>'
        f'<th class="n">share</th><th class="n">sections</th></tr>{rows}</table></details>\n'
    )


def _warnings(audit: Audit) -> str:
    bars = [
        Bar(code, n, f"in {audit.warning_records_by_code[code]:,} records", css_class=f"bar {severity(code)}")
        for code, n in audit.warnings_by_code.most_common()
    ]
    legend = " ".join(f'<span class="sev {level}">{level}</span>' for level in SEVERITIES)
    note = (f'<p class="note">Coloured by severity: {legend} (info: a fact about the page, nothing to fix; '
            "warning: worth a look; problem: the record is probably wrong).</p>")
    return f'<h2 id="warnings">Warnings by code</h2>{note}{bar_chart(bars, title="Warnings by code")}\n'


def _removed(audit: Audit) -> str:
    total = sum(audit.removed_chars_by_reason.values())
    bars = [Bar(reason, n, _share(n, total)) for reason, n in audit.removed_chars_by_reason.most_common()]
    return (
        '<h2 id="removed">Removed boilerplate by reason</h2><p class="note">Characters removed from the pages.</p>'
        f'{bar_chart(bars, title="Characters removed by reason", css_class="bar grey")}\n'
    )


def _entities(audit: Audit, label_class: dict[str, str]) -> str:
    top = audit.top_entities()
    if not top:
        return '<h2 id="entities">Top canonical entities by label</h2><p class="empty">No entities.</p>\n'
    tables = []
    for label, rows in top.items():
        body = "".join(
            f'<tr><td><mark class="{label_class.get(label, "")}">{esc(row["canonical"])}</mark></td>'
            f'<td class="n">{row["mentions"]:,}</td><td class="n">{row["records"]:,}</td></tr>'
            for row in rows
        )
        mentions = audit.entity_mentions[label]
        tables.append(
            f"<div><h3>{esc(label)} <span class=\"note\">({mentions:,} mentions, {len(audit.entity_counts[label]):,} "
            f'canonical names)</span></h3><table><tr><th>canonical</th><th class="n">mentions</th>'
            f'<th class="n">records</th></tr>{body}</table></div>'
        )
    return f'<h2 id="entities">Top canonical entities by label</h2><div class="cols">{"".join(tables)}</div>\n'


def _lengths(audit: Audit) -> str:
    bars = []
    for row in audit.histogram():
        low, high = row["min_chars"], row["max_chars"]
        label = f"{low:,}–{high:,}" if high is not None else f"{low:,}+"
        bars.append(Bar(label, int(row["sections"] or 0)))
    chart = column_chart(bars, title="Section lengths", axis_label="section length in characters")
    return f'<h2 id="lengths">Section lengths</h2><p class="note">Sections per length bin.</p>{chart}\n'


def _record_table(audit: Audit, shown: list[tuple[int, dict[str, Any]]]) -> str:
    out = '<h2 id="records">Records with the most warnings</h2>\n'
    if not shown:
        return out + '<p class="empty">No records.</p>\n'
    out += f'<p class="note">{esc(_left_out_sentence(audit, len(shown)))}</p>\n'
    rows = []
    for rank, (index, record) in enumerate(shown, start=1):
        quality = _dict(record.get("quality"))
        codes = sorted({str(_dict(w).get("code") or "?") for w in _list(quality.get("warnings"))})
        rows.append(
            f'<tr><td class="n">{rank}</td><td><a href="#rec-{index}">{esc(shorten(str(record.get("term")), 60))}</a>'
            f'</td><td class="n">{len(_list(quality.get("warnings")))}</td><td>{_code_chips(codes)}</td>'
            f'<td class="n">{len(_list(record.get("sections")))}</td><td class="n">{len(_list(record.get("entities")))}'
            f'</td><td><code>{esc(shorten(_source_name(record), 50))}</code></td></tr>'
        )
    return (
        f'{out}<table><tr><th class="n">#</th><th>term</th><th class="n">warnings</th><th>codes</th>'
        f'<th class="n">sections</th><th class="n">entities</th><th>source</th></tr>{"".join(rows)}</table>\n'
    )


def _record_views(audit: Audit, shown: list[tuple[int, dict[str, Any]]], label_class: dict[str, str]) -> str:
    if not shown:
        return ""
    legend = "".join(f'<mark class="{cls}">{esc(label)}</mark>' for label, cls in label_class.items())
    views = "".join(_record_view(index, record, label_class) for index, record in shown)
    return (
        '<h2 id="views">Records</h2>'
        f'<p class="note">Click a record to open it. Entity mentions by label: <span class="legend">{legend}</span> '
        "Removed boilerplate is shown apart, under the sections.</p>\n"
        f"{views}"
    )


def _record_view(index: int, record: dict[str, Any], label_class: dict[str, str]) -> str:
    quality = _dict(record.get("quality"))
    warnings = [_dict(w) for w in _list(quality.get("warnings"))]
    sections = [_dict(s) for s in _list(record.get("sections"))]
    entities = [_dict(e) for e in _list(record.get("entities"))]
    source = _dict(record.get("source"))
    badge = f"badge {_worst([str(w.get('code') or '?') for w in warnings])}" if warnings else "badge"
    summary = (
        f'<summary><span class="{badge}" title="warnings">{len(warnings)}</span><b>{esc(record.get("term"))}</b> '
        f'<span class="note">· {_plural(len(sections), "section")} · {_plural(len(entities), "entity mention")} · '
        f"{esc(shorten(_source_name(record), 60))}</span></summary>"
    )
    body = [f'<p class="note">id <code>{esc(record.get("id"))}</code> · source <code>{esc(source.get("path"))}</code>']
    if source.get("url"):
        body.append(f" · url <code>{esc(source.get('url'))}</code>")  # shown as text, never a link
    body.append("</p>")
    if warnings:
        items = "".join(f"<li>{_code_chips([str(w.get('code') or '?')])}{esc(w.get('message'))}</li>"
                        for w in warnings)
        body.append(f'<ul class="warnings">{items}</ul>')
    by_section: dict[int, list[dict[str, Any]]] = {}
    for entity in entities:
        section = entity.get("section")
        if isinstance(section, int):
            by_section.setdefault(section, []).append(entity)
    unplaced = sum(1 for e in entities if e.get("section") not in range(len(sections)))
    for number, section in enumerate(sections):
        text = str(section.get("text") or "")
        marked, skipped = highlight(text, by_section.get(number, []), label_class)
        unplaced += skipped
        heading = section.get("heading")
        heading_html = esc(heading) if heading else '<span class="note">(lead)</span>'
        body.append(f'<h3><span class="kind">{esc(section.get("kind"))}</span>{heading_html}</h3>'
                    f'<p class="text">{marked}</p>')
    if unplaced:
        body.append(f'<p class="warn">{unplaced} entity mentions do not match their offsets and are not shown.</p>')
    body.append(_removed_view(quality))
    return f'<details class="rec" id="rec-{index}">{summary}<div>{"".join(body)}</div></details>\n'


def _removed_view(quality: dict[str, Any]) -> str:
    chars = {str(k): v for k, v in _dict(quality.get("removed_chars")).items() if isinstance(v, int)}
    removed = [_dict(r) for r in _list(quality.get("removed"))]
    if not chars and not removed:
        return '<div class="removed"><h4>Removed boilerplate: nothing</h4></div>'
    by_reason = ", ".join(f"{reason} {n:,}" for reason, n in sorted(chars.items(), key=lambda kv: -kv[1]))
    rows = "".join(
        f'<tr><td>{esc(r.get("reason"))}</td><td class="n">{esc(r.get("chars"))}</td>'
        f'<td>{esc(r.get("snippet"))}</td></tr>'
        for r in removed
    )
    table = (f'<table><tr><th>reason</th><th class="n">chars</th><th>removed text (opening)</th></tr>{rows}</table>'
             if rows else "")
    return (
        f'<div class="removed"><h4>Removed boilerplate: {sum(chars.values()):,} characters</h4>'
        f'<p class="note">{esc(by_reason)}</p>{table}</div>'
    )


# -- highlighting ---------------------------------------------------------------------------------


def highlight(text: str, entities: list[dict[str, Any]], label_class: dict[str, str]) -> tuple[str, int]:
    """The section text as escaped HTML with a <mark> per entity; also how many mentions were skipped.

    The raw text is cut at the entity offsets and each piece escaped on its own, so a mark can
    never split an escape sequence or a tag. Mentions that overlap an earlier one, fall outside
    the text or do not match their offsets are skipped.
    """
    spans = sorted(
        (e for e in entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)),
        key=lambda e: (e["start"], -e["end"]),
    )
    skipped = len(entities) - len(spans)
    pieces: list[str] = []
    cursor = 0
    for entity in spans:
        start, end = entity["start"], entity["end"]
        if start < cursor or not start < end <= len(text) or (entity.get("text") not in (None, text[start:end])):
            skipped += 1
            continue
        label = str(entity.get("label") or "?")
        title = f"{label} · {entity.get('canonical') or text[start:end]}"
        pieces.append(esc(text[cursor:start]))
        pieces.append(f'<mark class="{label_class.get(label, "")}" title="{esc(title)}">{esc(text[start:end])}</mark>')
        cursor = end
    pieces.append(esc(text[cursor:]))
    return "".join(pieces), skipped


# -- helpers ----------------------------------------------------------------------------------------


def _code_chips(codes: list[str]) -> str:
    """Warning codes, each coloured by its severity (named in its title for readers who do not see colour)."""
    return "".join(f'<span class="sev {severity(code)}" title="{severity(code)}">{esc(code)}</span>' for code in codes)


def _worst(codes: list[str]) -> str:
    return max((severity(code) for code in codes), key=SEVERITIES.index)


def _labels(audit: Audit) -> list[str]:
    seen = set(audit.entity_counts)
    for _, record in audit.shown_records():
        seen.update(str(_dict(e).get("label") or "?") for e in _list(record.get("entities")))
    known = [label for label in LABEL_COLOURS if label in seen]
    return known + sorted(seen - set(known))


def _label_colours(labels: list[str]) -> list[str]:
    fallback = iter(FALLBACK_COLOURS * (1 + len(labels) // len(FALLBACK_COLOURS)))
    return [LABEL_COLOURS.get(label) or next(fallback) for label in labels]


def _left_out_sentence(audit: Audit, shown: int) -> str:
    if shown >= audit.records:
        return (f"All {audit.records:,} records, most warnings first; each links to its view below. "
                "Every record's warning count is also in audit.json.")
    return (
        f"The {shown:,} records with the most warnings (of {audit.records:,}), most warnings first; "
        f"{audit.records - shown:,} records were left out of this list and of the views below "
        f"(the limit is {audit.max_records:,}). Every record's warning count is in audit.json."
    )


def _source_name(record: dict[str, Any]) -> str:
    path = str(_dict(record.get("source")).get("path") or "")
    return Path(path).name or path


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _share(part: int, whole: int) -> str:
    return f"({100 * part / whole:.0f}%)" if whole else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list | tuple) else []
