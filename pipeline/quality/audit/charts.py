"""Inline SVG bar charts: no script, no external references, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.quality.audit.escape import esc, shorten

WIDTH = 760
LABEL_WIDTH = 210
VALUE_WIDTH = 150
ROW = 22
BAR = 15


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    note: str = ""  # shown after the value, e.g. "(42%)"
    css_class: str | None = None  # this bar's class instead of the chart's (a warning's severity)


def bar_chart(bars: Sequence[Bar], *, title: str, css_class: str = "bar") -> str:
    """Horizontal bars, one row per item, the label on the left and the value on the right."""
    if not bars:
        return '<p class="empty">None.</p>'
    top = max(bar.value for bar in bars) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(bars) * ROW + 6
    rows: list[str] = []
    for i, bar in enumerate(bars):
        y = 3 + i * ROW
        length = 0 if bar.value <= 0 else max(1, round(span * bar.value / top))
        value_text = f"{bar.value:,}" + (f" {bar.note}" if bar.note else "")
        rows.append(
            f'<g><title>{esc(bar.label)}: {esc(value_text)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 3}" text-anchor="end" class="lbl">'
            f"{esc(shorten(bar.label, 30))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}" rx="2" '
            f'class="{bar.css_class or css_class}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR - 3}" class="val">{esc(value_text)}</text></g>'
        )
    return (
        f'<svg class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}">'
        f"<title>{esc(title)}</title>{''.join(rows)}</svg>"
    )


def column_chart(bars: Sequence[Bar], *, title: str, axis_label: str) -> str:
    """Vertical columns (a histogram): the label under each column, the value above it."""
    if not bars or not any(bar.value for bar in bars):
        return '<p class="empty">None.</p>'
    top = max(bar.value for bar in bars) or 1
    plot_height, left, bottom_space, top_space = 170, 20, 48, 20
    column = (WIDTH - left * 2) / len(bars)
    height = top_space + plot_height + bottom_space
    base = top_space + plot_height
    parts: list[str] = [
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - left}" y2="{base}" class="axis"/>',
    ]
    for i, bar in enumerate(bars):
        x = left + i * column
        h = 0 if bar.value <= 0 else max(1, round(plot_height * bar.value / top))
        centre = x + column / 2
        parts.append(
            f'<g><title>{esc(bar.label)}: {bar.value:,}</title>'
            f'<rect x="{x + 6:.1f}" y="{base - h}" width="{column - 12:.1f}" height="{h}" rx="2" class="bar"/>'
            f'<text x="{centre:.1f}" y="{base - h - 5}" text-anchor="middle" class="val">{bar.value:,}</text>'
            f'<text x="{centre:.1f}" y="{base + 16}" text-anchor="middle" class="lbl">{esc(shorten(bar.label, 16))}'
            "</text></g>"
        )
    parts.append(
        f'<text x="{WIDTH / 2:.0f}" y="{height - 8}" text-anchor="middle" class="axislbl">{esc(axis_label)}</text>'
    )
    return (
        f'<svg class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}">'
        f"<title>{esc(title)}</title>{''.join(parts)}</svg>"
    )
