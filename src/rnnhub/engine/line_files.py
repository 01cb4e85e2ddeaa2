"""Files in and out of the batch commands (``rnnhub translate``, ``caption``, ``predict --input``): numbered
inputs read from a text, CSV or JSON-lines file (``-``: standard input), and an output that is never half there.

An input that cannot be read (bytes that are not UTF-8, a CSV row without the text column's value, a JSON line
that is not an object with it) is still an :class:`Input`, with its ``problem``: the command reports it with its
line number and writes a marked output line for it, so the output keeps one line per input.

Output to a file is atomic: it is written to ``.NAME.partial`` beside it and renamed to ``NAME`` once every line
is there, so a crash or a kill never leaves a file that looks complete (a kill leaves only the ``.partial``).
Output to ``-`` (standard output) is streamed as the lines are done.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = ["Input", "STDIO", "open_output", "read_inputs"]

STDIO = "-"
_TABLES = {".csv": ",", ".tsv": "\t"}
_JSON_LINES = (".jsonl", ".json")
# Python decodes a byte that is not UTF-8 as one of these (errors="surrogateescape"): U+DC80..U+DCFF.
_ESCAPED = range(0xDC80, 0xDD00)


@dataclass(frozen=True)
class Input:
    """One input: its 1-based ``number`` (the line it starts on; for images, its place on the command line), its
    ``value`` (a text or an image path), and why it cannot be used, if it cannot."""

    number: int
    value: str | None
    problem: str | None = None


def _decoding_problem(text: str) -> str | None:
    for position, character in enumerate(text):
        if ord(character) in _ESCAPED:
            return f"not valid UTF-8 (byte 0x{ord(character) - 0xDC00:02X} at character {position + 1})"
        if 0xD800 <= ord(character) <= 0xDFFF:
            return f"a lone surrogate U+{ord(character):04X} at character {position + 1}"
    return None


def _read_text(path: str) -> str:
    raw = sys.stdin.buffer.read() if path == STDIO else Path(path).expanduser().read_bytes()
    return raw.decode("utf-8", errors="surrogateescape")


def _lines(text: str) -> list[Input]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the file starts no line
    inputs = []
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\r")
        inputs.append(Input(number, line, _decoding_problem(line)))
    return inputs


def _table(text: str, delimiter: str, column: str, path: str) -> list[Input]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if reader.fieldnames is None or column not in reader.fieldnames:
        shown = ", ".join(reader.fieldnames or []) or "none"
        raise ValueError(f"{path} has no column {column!r} (columns: {shown}); name it with --text-column.")
    inputs, start = [], reader.line_num + 1
    for row in reader:
        value = row.get(column)
        problem = "no value in the text column" if value is None else _decoding_problem(value)
        inputs.append(Input(start, value, problem))
        start = reader.line_num + 1
    return inputs


def _json_line(line: Input, column: str) -> Input:
    if line.problem is not None or not line.value.strip():
        return Input(line.number, None, line.problem or "an empty line, not a JSON object")
    try:
        record = json.loads(line.value)
    except json.JSONDecodeError as error:
        return Input(line.number, None, f"not JSON ({error.msg})")
    value = record.get(column) if isinstance(record, dict) else None
    if not isinstance(value, str):
        return Input(line.number, None, f"no text under {column!r} (a JSON object with a string {column!r})")
    return Input(line.number, value, _decoding_problem(value))


def read_inputs(path: str, column: str = "text") -> list[Input]:
    """The inputs of ``path``: one per line of a text file or of standard input (``-``), one per row of a
    ``.csv``/``.tsv`` file (its ``column``), one per line of a ``.jsonl`` file (each an object with ``column``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: a CSV/TSV file without ``column`` in its header.
    """
    text = _read_text(path)
    suffix = "" if path == STDIO else Path(path).suffix.lower()
    if suffix in _TABLES:
        return _table(text, _TABLES[suffix], column, path)
    lines = _lines(text)
    if suffix in _JSON_LINES:
        return [_json_line(line, column) for line in lines]
    return lines


@contextlib.contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """A text stream for ``path``: standard output for ``-`` (streamed), else ``.NAME.partial`` beside ``path``,
    renamed to ``path`` when the block ends normally and deleted when it raises.

    Raises:
        FileNotFoundError: the folder of ``path`` does not exist.
        ValueError: ``path`` is a folder.
    """
    if path == STDIO:
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path).expanduser()
    if target.is_dir():
        raise ValueError(f"--output {path} is a folder; give a file path (or - for standard output).")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"No such folder for --output: {target.parent}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
            yield stream
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
