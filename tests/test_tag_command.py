"""The `tag` command: JSON lines of text in, entity lines with offsets into that text out."""

from __future__ import annotations

import json
import subprocess
import sys


def _tag(stdin: str) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "tag", "-"], input=stdin, capture_output=True, text=True, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_offsets_index_the_input_text_and_names_are_normalised():
    text = "Noradrenaline rises while 5-HT (serotonin) falls; serotonin's precursor is tryptophan."
    [out] = _tag(json.dumps({"id": "a", "text": text}) + "\n")
    assert out["id"] == "a"
    for entity in out["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]
    by_text = {e["text"]: e for e in out["entities"]}
    assert by_text["Noradrenaline"]["canonical"] == "norepinephrine"
    assert by_text["5-HT"]["canonical"] == by_text["serotonin"]["canonical"]
    assert by_text["tryptophan"]["label"] == "NEUROCHEMICAL"


def test_bad_lines_give_an_error_line_in_place_and_the_rest_is_tagged():
    lines = "not json\n" + json.dumps({"id": 2}) + "\n" + json.dumps({"id": 3, "text": "Insulin and leptin."}) + "\n"
    out = _tag(lines)
    assert [o.get("id") for o in out] == [None, 2, 3]
    assert "error" in out[0] and "error" in out[1]
    assert [e["canonical"] for e in out[2]["entities"]] == ["insulin", "leptin"]


HOSTILE_LINES = [
    b'{"id": 1, "text": "' + b"[" * 100_000 + b'"}',  # fine: the brackets are inside a string
    b'{"id": 2, "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # nested deeper than the parser's stack
    b'{"id": 3, "text": "caf\xe9 and serotonin"}',  # a Latin-1 byte: not UTF-8
    b'{"id": 4, "n": ' + b"7" * 5000 + b', "text": "cortisol"}',  # an integer past Python's 4,300 digits
    b'{"id": 5, "text": "Insulin and leptin."}',
]


def test_hostile_lines_give_an_error_line_each_and_the_rest_is_tagged():
    # Each of lines 2-4 ended the whole command with a traceback.
    done = subprocess.run([sys.executable, "-m", "pipeline", "tag", "-"], input=b"\n".join(HOSTILE_LINES) + b"\n",
                          capture_output=True, check=True)
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, None, None, None, 5]
    assert all("error" in o for o in out[1:4])
    assert [e["canonical"] for e in out[4]["entities"]] == ["insulin", "leptin"]
