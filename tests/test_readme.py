"""The README is the manual: what it lists (reasons, commands, flags, linked files) is what the code has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from pipeline.cli import PAGE_OPTIONS, _parser
from pipeline.rejects import RejectReason

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _first_column(heading: str) -> list[str]:
    """The first cells of the table that follows the line starting with `heading`."""
    rows = README[README.index(heading):].split("\n\n")[1]
    return [row.split("|")[1].strip().strip("`") for row in rows.splitlines()[2:]]


def test_every_reject_reason_is_in_the_table_and_no_other():
    assert sorted(_first_column("`rejects.jsonl`")) == sorted(get_args(RejectReason))


def test_every_command_is_in_the_commands_table():
    commands = next(action for action in _parser()._subparsers._group_actions).choices
    listed = [cell.split()[0] for cell in _first_column("## Commands")]
    assert sorted(listed) == sorted(commands)


def test_every_page_limit_flag_is_in_the_configuration_table():
    listed = [cell.split()[0] for cell in _first_column("Per-page limits")]
    assert listed == [flag for flag, _, _, _ in PAGE_OPTIONS]


def test_linked_files_exist():
    for target in re.findall(r"\]\(([^)#]+)", README):
        assert (REPO / target).exists(), target
