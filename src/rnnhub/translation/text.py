"""Text in and out of a translation model: source length limits, truncation, and the BLEU tokenizer to score with.

Shared by the translation pipeline, the attention view, the evaluation and the training code so that all of them
cut a long source at the same place and warn the same way. The source side (limits, truncation) is defined in
:mod:`rnnhub.pipelines.source_text`, the translation pipeline's remote code copied next to the weights.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from rnnhub.pipelines.source_text import (
    DEFAULT_SOURCE_MAX_LENGTH,
    default_max_new_tokens,
    encode_sources,
    source_max_length,
)

__all__ = [
    "DEFAULT_SOURCE_MAX_LENGTH",
    "bleu_tokenize_for",
    "default_max_new_tokens",
    "encode_sources",
    "source_max_length",
]


def _is_cjk(character: str) -> bool:
    name = unicodedata.name(character, "")
    return name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


def bleu_tokenize_for(texts: Sequence[str]) -> str:
    """sacrebleu's tokenizer for these target texts: ``"zh"`` when most letters are Chinese, else ``"13a"``."""
    letters = [c for text in texts for c in text if c.isalpha()]
    if not letters:
        return "13a"
    cjk = sum(_is_cjk(c) for c in letters)
    return "zh" if cjk > len(letters) / 2 else "13a"
