"""The validity checks: programs (ast after the cut), tunes (music21 and the meter), speeches (the format)."""

from __future__ import annotations

import pytest

from rnnhub.writers import validity


def test_a_program_is_cut_at_the_next_top_level_statement() -> None:
    sample = 'def f(\n    x,\n):\n    """Doc\nat column 0."""\n    return x\nclass Broken(:\n'
    assert validity.cut_function(sample) == 'def f(\n    x,\n):\n    """Doc\nat column 0."""\n    return x\n'
    assert validity.check_program(sample) == (True, "ast.parse accepts it")
    ok, why = validity.check_program("def f(x):\n    return (x\n")
    assert not ok and why.startswith("SyntaxError")
    assert not validity.check_program("def f(x):\n")[0]  # a signature without a body


TUNE = "X:1\nT:Test\nM:4/4\nL:1/8\nK:G\nGABc dedB|cBAG FGAB|G8|]\n"


def test_a_tune_must_parse_and_keep_its_meter() -> None:
    assert validity.check_tune(TUNE) == (True, "3 bars in 4/4")
    long_bar = TUNE.replace("cBAG FGAB|", "cBAG FGAB c|")
    ok, why = validity.check_tune(long_bar)
    assert not ok and why.startswith("bar 2 is too long (music21 split it")
    short_middle = "X:1\nT:Test\nM:4/4\nL:1/8\nK:G\nGABc dedB|cBAG|GABc dedB|G8|]\n"
    assert validity.check_tune(short_middle)[1].startswith("bar 2 is too short")
    pickup = "X:1\nT:Test\nM:6/8\nL:1/8\nK:G\nD|GFG dBG|BAB dBG:|\nd|gfg aga|bge e2:|\n"
    assert validity.check_tune(pickup)[0]  # a part's pickup after a repeat may be short
    assert validity.check_tune(TUNE.replace("M:4/4\n", "")) == (False, "no M: field")


@pytest.mark.parametrize(
    ("speech", "valid"),
    [
        ("ROMEO:\nBut soft, what light", True),
        ("First Citizen:\nBefore we proceed,\nhear me speak.", True),
        ("ROMEO:", False),
        ("But soft, what light", False),
        ("ROMEO:\nBut soft\nJULIET:\nAy me", False),
    ],
)
def test_speech_format(speech: str, valid: bool) -> None:
    assert validity.check_speech(speech)[0] is valid


def test_speeches_skip_directions_headings_and_a_cut_last_paragraph() -> None:
    text = "ACT I\nSCENE I. A room.\n\n[Enter ROMEO]\n\nROMEO:\nHi.\n\nJULIET:\nHel"
    assert list(validity.speeches(text)) == ["ROMEO:\nHi."]
    assert list(validity.speeches(text + "lo.\n\n")) == ["ROMEO:\nHi.", "JULIET:\nHello."]
    with pytest.raises(ValueError, match="allowed: programs, music, plays"):
        validity.check("poems", "x")
