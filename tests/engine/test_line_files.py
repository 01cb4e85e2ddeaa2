"""Numbered inputs from text, CSV and JSON-lines files, and an output that appears only when complete."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rnnhub.engine.line_files import Input, open_output, read_inputs


def test_text_lines_keep_their_numbers_and_mark_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "src.txt"
    path.write_bytes("Guten Morgen!\r\n\nIch bin m\xfcde.\n".encode() + b"caf\xe9\n")
    assert read_inputs(str(path)) == [
        Input(1, "Guten Morgen!"),
        Input(2, ""),
        Input(3, "Ich bin müde."),
        Input(4, "caf\udce9", "not valid UTF-8 (byte 0xE9 at character 4)"),
    ]
    path.write_text("no final newline", encoding="utf-8")
    assert read_inputs(str(path)) == [Input(1, "no final newline")]


def test_standard_input(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a\nb\n")))
    assert [item.value for item in read_inputs("-")] == ["a", "b"]


def test_csv_rows_are_numbered_by_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text('id,review\n1,"fine"\n2,"two\nlines"\n3\n4,""\n', encoding="utf-8")
    assert read_inputs(str(path), column="review") == [
        Input(2, "fine"),
        Input(3, "two\nlines"),
        Input(5, None, "no value in the text column"),
        Input(6, ""),
    ]
    with pytest.raises(
        ValueError, match=r"no column 'text' \(columns: id, review\); name it with --text-column"
    ):
        read_inputs(str(path))


def test_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text('{"text": "fine"}\n{"text": 3}\nnot json\n\n["a"]\n', encoding="utf-8")
    items = read_inputs(str(path))
    assert items[0] == Input(1, "fine")
    assert [item.problem for item in items[1:]] == [
        "no text under 'text' (a JSON object with a string 'text')",
        "not JSON (Expecting value)",
        "an empty line, not a JSON object",
        "no text under 'text' (a JSON object with a string 'text')",
    ]


def test_a_file_output_appears_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("the previous output\n", encoding="utf-8")
    with pytest.raises(RuntimeError), open_output(str(out)) as stream:
        stream.write("half of the new one\n")
        assert (tmp_path / ".out.txt.partial").is_file() and out.read_text() == "the previous output\n"
        raise RuntimeError("killed")
    assert out.read_text() == "the previous output\n" and not (tmp_path / ".out.txt.partial").exists()
    with open_output(str(out)) as stream:
        stream.write("complete\n")
    assert out.read_text() == "complete\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    missing = str(tmp_path / "missing" / "out.txt")
    with pytest.raises(FileNotFoundError, match="No such folder for --output"), open_output(missing):
        pass
    with pytest.raises(ValueError, match="is a folder"), open_output(str(tmp_path)):
        pass
