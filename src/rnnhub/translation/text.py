"""Text in and out of a translation model: source length limits, truncation, and the BLEU tokenizer to score with.

Shared by the translation pipeline, the attention view, the evaluation and the training code so that all of them
cut a long source at the same place and warn the same way.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = ["bleu_tokenize_for", "default_max_new_tokens", "encode_sources", "source_max_length"]

logger = logging.getLogger(__name__)

# transformers' sentinel for "no model_max_length" is about 1e30; anything this large means "not set".
_UNSET_MAX_LENGTH = 1_000_000
# Used when neither the tokenizer nor the model says how long a source may be.
DEFAULT_SOURCE_MAX_LENGTH = 256


def source_max_length(tokenizer: Any) -> int:
    """The most source tokens (``<eos>`` included) the model reads: the tokenizer's ``model_max_length``."""
    limit = getattr(tokenizer, "model_max_length", None)
    if not isinstance(limit, int) or limit >= _UNSET_MAX_LENGTH or limit < 2:
        return DEFAULT_SOURCE_MAX_LENGTH
    return limit


def encode_sources(
    tokenizer: Any, texts: Sequence[str], max_length: int | None = None, *, warn: bool = True
) -> tuple[list, list]:
    """Token ids of each text, cut to ``max_length`` (``<eos>`` kept), and for each whether it was cut.

    A cut source is logged as a warning (once per call, unless ``warn=False``), never an error: a recurrent encoder reads any length, the
    limit only bounds what the model was trained on.
    """
    from rnnhub.tokenization import check_encodable

    check_encodable(list(texts))  # a lone surrogate: a ValueError naming it, not tokenizers' TypeError
    limit = source_max_length(tokenizer) if max_length is None else max_length
    if limit < 2:
        raise ValueError(f"max_length must be at least 2 tokens (a token and <eos>), got {limit}.")
    # With return_overflowing_tokens the tokenizer cuts each text into windows (each closed by <eos>): the first
    # window is the truncated source, and a text with more than one window was cut.
    encoding = tokenizer(list(texts), truncation=True, max_length=limit, return_overflowing_tokens=True)
    ids: list[list[int]] = []
    cut: list[bool] = []
    for row, sample in zip(encoding["input_ids"], encoding["overflow_to_sample_mapping"]):
        if sample == len(ids):
            ids.append(list(row))
            cut.append(False)
        else:
            cut[sample] = True
    if warn and any(cut):
        logger.warning(
            "%d of %d source text(s) are longer than the model's limit of %d tokens and were truncated; "
            "split long texts into sentences for a complete translation.",
            sum(cut),
            len(cut),
            limit,
        )
    return ids, cut


def default_max_new_tokens(model: Any, source_length: int) -> int:
    """``max_new_tokens`` from the model's generation config, else a bound that grows with the source."""
    configured = getattr(getattr(model, "generation_config", None), "max_new_tokens", None)
    if isinstance(configured, int) and configured > 0:
        return configured
    return max(16, 2 * source_length + 8)


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
