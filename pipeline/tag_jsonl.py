"""The `tag` command's work: JSON lines {"id", "text"} in, {"id", "entities"} out.

Offsets index the input `text`, so the tagger can be scored on, and used for, any text.
A line that is not such an object gives {"id": ..., "error": "..."} in its place, so the
output stays line-aligned with the input and nothing is dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.entities import EntityTagger


def tag_lines(lines: Iterable[str | bytes], tagger: EntityTagger) -> Iterator[str]:
    """One output line per input line that is not blank. Lines may be bytes (a file or standard input read
    as such), so that a line that is not UTF-8 is an error of that line, not of the whole input."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        yield json.dumps(_tag_line(line, number, tagger), ensure_ascii=False)


def _tag_line(line: str | bytes, number: int, tagger: EntityTagger) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": None, "error": f"line {number}: not JSON: {error.msg}"}
    except ValueError as error:  # not UTF-8, or an integer past Python's digit limit
        return {"id": None, "error": f"line {number}: not JSON: {error}"}
    except RecursionError:
        return {"id": None, "error": f"line {number}: not JSON: nested deeper than it can be read"}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        ident = item.get("id") if isinstance(item, dict) else None
        return {"id": ident, "error": f"line {number}: expected an object with a string 'text'"}
    entities = [
        {
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "label": m.label,
            "labels": list(m.labels),
            "canonical": m.canonical,
            "ids": {"mesh": m.mesh, "chebi": m.chebi},
            "source": m.source,
        }
        for m in tagger.tag_text(item["text"])
    ]
    return {"id": item.get("id"), "entities": entities}
