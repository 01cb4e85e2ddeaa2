"""The source side of a translation model: how long a source may be, cutting a longer one (with a warning), and
refusing text the tokenizers library cannot encode.

Remote code of the ``rnnhub-translation`` pipeline (imports only the standard library), copied next to the weights;
rnnhub's callers import these as ``rnnhub.translation.text`` and ``rnnhub.tokenization.check_encodable``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "DEFAULT_SOURCE_MAX_LENGTH",
    "check_encodable",
    "default_max_new_tokens",
    "encode_sources",
    "source_max_length",
]

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


def check_encodable(texts: str | Iterable[str]) -> None:
    """Refuse a text the tokenizers library cannot encode: one holding a lone UTF-16 surrogate (U+D800..U+DFFF,
    e.g. half of an emoji from a JavaScript string cut in two), which tokenizers rejects with a bare ``TypeError``.

    Raises:
        ValueError: naming the text (for a list, its 1-based number), the character's position and code point.
    """
    many = not isinstance(texts, str)
    for number, text in enumerate([texts] if not many else texts, start=1):
        if not isinstance(text, str):
            continue  # the caller's own type check names the wrong type
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            which = f"Text {number}" if many else "The text"
            raise ValueError(
                f"{which} has a lone surrogate U+{ord(text[error.start]):04X} at character {error.start} (half of "
                "a UTF-16 pair, not a character). Remove it, or decode the text with errors='replace'."
            ) from None
