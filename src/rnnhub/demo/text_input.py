"""Check the text a user typed before any model sees it: empty, too long, or in the wrong language.

Each check raises ``ValueError`` with a message meant for the person at the keyboard (the app shows it as is).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = [
    "LANGUAGE_NAMES",
    "MAX_BEAMS",
    "MAX_CHARS",
    "check_beams",
    "check_language",
    "check_known_tokens",
    "check_text",
    "letter_counts",
]

# The demo reads short texts; the sentiment tokenizers keep 128 tokens anyway. Refusing a 100k-character paste
# with a message is clearer than silently reading its first sentence.
MAX_CHARS = 2000
LANGUAGE_NAMES = {"en": "English", "de": "German", "zh": "Chinese"}
# At most this share of a text's tokens may be unknown to the model before it is called out as the wrong language.
MAX_UNKNOWN_SHARE = 0.5
# Beam search costs beams x the greedy time; 8 is plenty for the short outputs here (and below the package's
# limit, rnnhub.engine.checks.DEFAULT_MAX_NUM_BEAMS). The demo takes no max_new_tokens: the model's own applies.
MAX_BEAMS = 8


def check_text(text: Any, *, max_chars: int = MAX_CHARS, what: str = "text") -> str:
    """``text`` with surrounding blanks removed; ValueError if it is not a string, blank, or too long."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ValueError(f"The {what} must be a string, got {type(text).__name__}.")
    text = text.strip()
    if not text:
        raise ValueError(f"The {what} is empty: type a sentence (or pick one of the examples).")
    from rnnhub.tokenization import check_encodable

    check_encodable(text)
    if len(text) > max_chars:
        raise ValueError(
            f"The {what} is {len(text):,} characters long; the demo reads at most {max_chars:,}. "
            "Paste a shorter passage (a sentence or a paragraph)."
        )
    return text


def _is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def letter_counts(text: str) -> tuple[int, int, int]:
    """(Chinese characters, Latin letters, other letters) in ``text``; digits, spaces and punctuation not counted."""
    cjk = latin = other = 0
    for char in text:
        if _is_cjk(char):
            cjk += 1
        elif char.isalpha():
            if unicodedata.name(char, "").startswith("LATIN"):
                latin += 1
            else:
                other += 1
    return cjk, latin, other


def check_language(text: str, language: str) -> None:
    """ValueError when ``text`` is plainly not in ``language`` (``"en"``, ``"de"`` or ``"zh"``), judged by its
    script: Chinese needs Chinese characters; English and German need mostly Latin letters. A text with no
    letters at all (numbers, emoji) passes; the model decides what to make of it."""
    if language not in LANGUAGE_NAMES:
        raise ValueError(
            f"language={language!r} is not supported; choose one of {', '.join(LANGUAGE_NAMES)}."
        )
    cjk, latin, other = letter_counts(text)
    name = LANGUAGE_NAMES[language]
    if language == "zh":
        if cjk == 0 and (latin or other):
            raise ValueError(
                "This model reads Chinese, and the text has no Chinese characters. Type Chinese text, or pick "
                "the English model."
            )
        return
    if (cjk or other) and (cjk + other) > latin:
        found = "Chinese characters" if cjk >= other else "letters of a non-Latin script"
        raise ValueError(
            f"This model reads {name}, but the text is mostly {found}. Type {name} text"
            + (", or pick the Chinese model." if cjk >= other and language == "en" else ".")
        )


def check_known_tokens(tokens: Sequence[str], unknown_token: str | None, language: str) -> None:
    """ValueError when most of the (non-special) ``tokens`` are the tokenizer's unknown token: the model would be
    guessing from nothing."""
    if not tokens or unknown_token is None:
        return
    unknown = sum(token == unknown_token for token in tokens)
    if unknown / len(tokens) > MAX_UNKNOWN_SHARE:
        name = LANGUAGE_NAMES.get(language, language)
        raise ValueError(
            f"{unknown} of the text's {len(tokens)} tokens are unknown to this {name} model (its vocabulary "
            f"comes from its training corpus). Is the text in {name}? Try more common words."
        )


def check_beams(num_beams: Any) -> int:
    """``num_beams`` as an int in 1..MAX_BEAMS (a slider may send 4.0); ValueError otherwise."""
    try:
        beams = int(num_beams)
        whole = beams == num_beams
    except (TypeError, ValueError, OverflowError):
        whole = False
    if isinstance(num_beams, bool) or not whole or not 1 <= beams <= MAX_BEAMS:
        raise ValueError(f"The beam size must be a whole number from 1 to {MAX_BEAMS}, got {num_beams!r}.")
    return beams
