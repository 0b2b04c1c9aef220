"""The one way text gets into the report: escaped, quotes included, control characters dropped."""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def esc(value: object) -> str:
    """Text (or a number) made safe for element content and for double- or single-quoted attributes."""
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut (before escaping, so no entity is split)."""
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"
