"""Write stage: output files appear whole or not at all."""

from __future__ import annotations

import json
import os
import stat

import pytest
from pydantic import BaseModel

from pipeline.write import AtomicJsonLines, write_json_atomic, write_text_atomic


class Item(BaseModel):
    n: int


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_lines_become_visible_only_when_the_writer_closes(tmp_path):
    target = tmp_path / "out" / "records.jsonl"
    with AtomicJsonLines(target) as writer:
        writer.write(Item(n=1))
        writer.write(Item(n=2))
        assert not target.exists()
    assert [json.loads(line) for line in target.read_text().splitlines()] == [{"n": 1}, {"n": 2}]
    assert writer.count == 2
    assert _leftovers(target.parent) == []


def test_a_crash_inside_the_writer_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "records.jsonl"
    target.write_text('{"n": 0}\n')

    with pytest.raises(RuntimeError), AtomicJsonLines(target) as writer:
        writer.write(Item(n=1))
        raise RuntimeError("the run died half way")

    assert target.read_text() == '{"n": 0}\n'
    assert _leftovers(tmp_path) == []


def test_a_crash_with_no_previous_file_leaves_nothing(tmp_path):
    target = tmp_path / "records.jsonl"
    with pytest.raises(KeyboardInterrupt), AtomicJsonLines(target) as writer:
        writer.write(Item(n=1))
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_new_run_replaces_the_previous_file(tmp_path):
    target = tmp_path / "records.jsonl"
    target.write_text('{"n": 0}\n' * 5)
    with AtomicJsonLines(target) as writer:
        writer.write(Item(n=7))
    assert target.read_text() == '{"n":7}\n'


def test_json_and_text_files_are_written_whole(tmp_path):
    write_json_atomic(tmp_path / "run.json", {"counts": {"inputs": 2}, "name": "caf\u00e9"})
    write_text_atomic(tmp_path / "page.txt", "Dopamine\nOrigin\n")
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8")) == {"counts": {"inputs": 2},
                                                                               "name": "caf\u00e9"}
    assert (tmp_path / "page.txt").read_text(encoding="utf-8") == "Dopamine\nOrigin\n"
    assert _leftovers(tmp_path) == []


def test_a_value_that_cannot_be_written_keeps_the_previous_json_file(tmp_path):
    target = tmp_path / "run.json"
    target.write_text('{"old": true}\n')
    with pytest.raises(TypeError):
        write_json_atomic(target, {"bad": object()})
    assert target.read_text() == '{"old": true}\n'
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_output_files_get_ordinary_permissions_not_owner_only(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    with AtomicJsonLines(tmp_path / "records.jsonl") as writer:
        writer.write(Item(n=1))
    write_json_atomic(tmp_path / "run.json", {})
    for name in ("records.jsonl", "run.json"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o666 & ~mask, f"{name} has mode {oct(mode)}"
