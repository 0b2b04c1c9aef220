"""Hand-written test pages with an expected.json beside them (tests/pages/layouts,
tests/pages/boilerplate): their expectations, and each page cleaned the way the pipeline
cleans its kind of file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.clean import CleanedPage, clean_html, clean_text

PAGE_SUFFIXES = (".html", ".htm", ".txt")


def expected_specs(folder: Path) -> dict[str, dict[str, Any]]:
    """expected.json's entry per page (keys starting with "_" are notes, not pages)."""
    specs = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return {name: spec for name, spec in specs.items() if not name.startswith("_")}


def page_names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir() if path.suffix in PAGE_SUFFIXES}


def clean_page(folder: Path, name: str) -> CleanedPage:
    text = (folder / name).read_text(encoding="utf-8")
    return clean_text(text) if name.endswith(".txt") else clean_html(text)
