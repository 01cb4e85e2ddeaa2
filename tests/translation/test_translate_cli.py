"""rnnhub translate: a file in, a file out, one line per line, bad lines reported by number."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from transformers import pipeline

from builders import GERMAN, save_tiny_translator
from rnnhub import cli
from rnnhub.translation.pipeline import TASK


@pytest.fixture(scope="module")
def translator(tmp_path_factory) -> Path:
    return save_tiny_translator(tmp_path_factory.mktemp("translator"), num_beams=2, max_new_tokens=6)


def reports(capsys) -> list[str]:
    """The command's own lines on standard error (transformers adds its loading bars)."""
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("rnnhub translate:")]


def expected(folder: Path, texts: list[str], **options) -> list[str]:
    translate = pipeline(TASK, model=str(folder))
    return [r["translation_text"] for r in translate(texts, **options)]


def test_a_file_is_translated_line_by_line_in_order(translator, tmp_path, capsys):
    lines = GERMAN * 4  # more lines than one chunk of --batch-size 1 x 16 holds
    (tmp_path / "src.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    argv = ["translate", str(translator), "--input", str(tmp_path / "src.txt"), "--output", str(out)]
    assert cli.main([*argv, "--batch-size", "1", "--num-beams", "1"]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == expected(translator, lines, num_beams=1)
    assert reports(capsys) == []


def test_bad_lines_are_reported_and_left_empty(translator, tmp_path, capsys):
    long_line = " ".join(["das haus ist klein"] * 10)  # 40 words; the tokenizer reads 32 tokens
    source = tmp_path / "src.txt"
    source.write_bytes(
        f"{GERMAN[0]}\n\n{long_line}\n".encode() + b"der hund \xff\n" + f"{GERMAN[1]}\n".encode()
    )
    out = tmp_path / "out.txt"
    assert cli.main(["translate", str(translator), "--input", str(source), "--output", str(out)]) == 1
    good = expected(translator, [GERMAN[0], GERMAN[1]])
    assert out.read_text(encoding="utf-8").split("\n") == [good[0], "", "", "", good[1], ""]
    assert reports(capsys) == [
        "rnnhub translate: line 3: longer than the model's limit of 32 tokens; split the line into sentences.",
        "rnnhub translate: line 4: not valid UTF-8 (byte 0xFF at character 10)",
        "rnnhub translate: 2 of 5 lines failed; their output lines are empty.",
    ]


def test_standard_input_to_standard_output(translator, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(GERMAN[:2]).encode())))
    assert cli.main(["translate", str(translator)]) == 0
    assert capsys.readouterr().out.splitlines() == expected(translator, GERMAN[:2])


def test_generation_limits_are_refused_before_anything_runs(translator, tmp_path, capsys, monkeypatch):
    source = tmp_path / "src.txt"
    source.write_text(GERMAN[0] + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    base = ["translate", str(translator), "--input", str(source), "--output", str(out)]
    assert cli.main([*base, "--num-beams", "17"]) == 2
    assert "num_beams=17 is above the limit of 16 beams" in capsys.readouterr().err
    assert cli.main([*base, "--max-new-tokens", "1000"]) == 2
    assert "max_new_tokens=1000 is above this model's limit of 24 tokens" in capsys.readouterr().err
    assert cli.main([*base, "--batch-size", "0"]) == 2
    assert "--batch-size must be a positive integer" in capsys.readouterr().err
    assert cli.main([*base[:3], str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err
    assert not out.exists()
