"""Does a writer write valid things? One check per kind of text, each a yes/no per sample with a reason.

* **programs**: a sample prompted with ``def `` is cut at the next top-level statement (a line at column 0 that
  is not inside a bracket or a string and not a closing bracket), then ``ast.parse`` must accept it;
* **music**: music21 must parse the tune (ABC), it must have an ``M:`` meter, and every bar must have the meter's
  length, except bars that are allowed to be short: the first (a pickup), the last, and a bar next to a repeat or
  a double bar line (where a part's pickup and its last bar share a bar's length);
* **plays**: a speech (a paragraph that is not a ``[stage direction]`` or an act/scene heading) is valid when its
  first line is ``SPEAKER:`` and it has at least one line after that, none of them another ``SPEAKER:`` line.

:func:`check` dispatches on the kind; each returns ``(valid, reason)``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Iterator

__all__ = [
    "KINDS",
    "check",
    "check_program",
    "check_speech",
    "check_tune",
    "cut_function",
    "speeches",
]

KINDS = ("programs", "music", "plays")
SPEAKER_LINE = re.compile(r"^[A-Z][A-Za-z0-9' .,&-]{0,39}:$")
_HEADING = re.compile(r"^(ACT|SCENE|PROLOGUE|EPILOGUE|INDUCTION)\b")


# --------------------------------------------------------------------------- programs


def _inside_bracket_or_string(source: str) -> bool:
    """Whether ``source`` ends inside an open bracket or a multi-line string."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO(source).readline):
            pass
    except tokenize.TokenError:
        return True  # "EOF in multi-line string / statement"
    except (IndentationError, SyntaxError):
        return False
    return False


def cut_function(text: str) -> str:
    """``text`` (starting with ``def ...``) up to, not including, the next top-level statement."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        line = lines[index]
        if not line or line[0].isspace() or line[0] in ")]}":
            continue
        head = "\n".join(lines[:index]) + "\n"
        if not _inside_bracket_or_string(head):
            return head
    return text


def check_program(text: str) -> tuple[bool, str]:
    """``ast.parse`` of the sample cut at its next top-level statement."""
    code = cut_function(text)
    try:
        ast.parse(code)
    except SyntaxError as error:
        return False, f"SyntaxError: {error.msg} (line {error.lineno})"
    except ValueError as error:  # e.g. a null byte
        return False, f"ValueError: {error}"
    return True, "ast.parse accepts it"


# --------------------------------------------------------------------------- music


def _is_section_line(barline) -> bool:
    return barline is not None and (
        type(barline).__name__ == "Repeat" or barline.type in ("double", "final", "heavy", "light-heavy")
    )


def _short_bar_allowed(measures: list, index: int) -> bool:
    """The first and last bar, and a bar on either side of a repeat or double bar line, may be short."""
    if index in (0, len(measures) - 1):
        return True
    measure = measures[index]
    return (
        _is_section_line(measure.leftBarline)
        or _is_section_line(measure.rightBarline)
        or _is_section_line(measures[index - 1].rightBarline)
        or _is_section_line(measures[index + 1].leftBarline)
    )


def _declared_meters(text: str) -> set[str]:
    """The meters the tune declares (``M:`` lines and inline ``[M:...]`` fields) as music21 ratio strings."""
    from music21 import meter

    declared = set()
    for value in re.findall(r"^M:\s*(\S+)|\[M:\s*([^\]]+)\]", text, flags=re.MULTILINE):
        value = (value[0] or value[1]).strip()
        try:
            declared.add(meter.TimeSignature({"C": "4/4", "C|": "2/2"}.get(value, value)).ratioString)
        except Exception:  # music21 raises several types for a meter it cannot read
            continue
    return declared


def check_tune(text: str) -> tuple[bool, str]:
    """music21 parses the ABC tune and its bars match the ``M:`` meter (see the module docstring)."""
    from music21 import converter, meter, stream

    if not re.search(r"^M:\s*\S", text, flags=re.MULTILINE):
        return False, "no M: field"
    if not re.search(r"^K:", text, flags=re.MULTILINE):
        return False, "no K: field"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = converter.parse(text, format="abc", forceSource=True)
    except Exception as error:  # music21 raises many types (ABCHandlerException, IndexError, ...)
        return False, f"music21 cannot parse it: {type(error).__name__}"
    declared = _declared_meters(text)
    parts = score.parts if isinstance(score, stream.Score) and score.parts else [score]
    measures = list(parts[0].getElementsByClass(stream.Measure))
    if not measures:
        return False, "no bars"
    signature = None
    for index, measure in enumerate(measures):
        found = measure.getElementsByClass(meter.TimeSignature)
        if found and found[0].ratioString not in declared:
            # music21 splits an overfull bar and gives the overflow a time signature of its own (reBar)
            return False, f"bar {index} is too long (music21 split it; {found[0].ratioString} left over)"
        if found:
            signature = found[0]
        if signature is None:
            return False, "the meter is not a time signature (free meter?)"
        length, expected = measure.duration.quarterLength, signature.barDuration.quarterLength
        if length > expected + 1e-6:
            return False, f"bar {index + 1} is too long ({length} quarters for {signature.ratioString})"
        if length < expected - 1e-6 and not _short_bar_allowed(measures, index):
            return False, f"bar {index + 1} is too short ({length} quarters for {signature.ratioString})"
    return True, f"{len(measures)} bars in {signature.ratioString}"


# --------------------------------------------------------------------------- plays


def speeches(text: str, complete_only: bool = True) -> Iterator[str]:
    """The speeches of a play text: its paragraphs that are not stage directions or headings.

    ``complete_only``: leave out the last paragraph unless the text ends with a blank line (a sample cut by the
    length limit ends in the middle of one).
    """
    paragraphs = text.split("\n\n")
    if complete_only and not text.endswith("\n\n"):
        paragraphs = paragraphs[:-1]
    for paragraph in paragraphs:
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        first = paragraph.split("\n", 1)[0]
        if (first.startswith("[") and paragraph.endswith("]")) or _HEADING.match(first):
            continue
        yield paragraph


def check_speech(speech: str) -> tuple[bool, str]:
    """``SPEAKER:`` on the first line, at least one line of text after it, no second speaker line."""
    lines = speech.split("\n")
    if not SPEAKER_LINE.match(lines[0]):
        return False, "the first line is not SPEAKER:"
    body = [line for line in lines[1:] if line.strip()]
    if not body:
        return False, "a speaker without a line"
    if any(SPEAKER_LINE.match(line) for line in body):
        return False, "two speakers in one paragraph"
    return True, f"{lines[0][:-1]}, {len(body)} line(s)"


def check(kind: str, text: str) -> tuple[bool, str]:
    """The check of ``kind`` (``programs``, ``music``, or ``plays`` for one speech)."""
    if kind == "programs":
        return check_program(text)
    if kind == "music":
        return check_tune(text)
    if kind == "plays":
        return check_speech(text)
    raise ValueError(f"Unknown kind {kind!r}; allowed: {', '.join(KINDS)}.")
