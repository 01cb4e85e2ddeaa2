"""Checks of user-given generation settings, one definition for every task (pipelines, views, evaluation,
fine-tuning), and the limits on how much one generation request may ask for.

Part of the pipelines' remote code (imports only the standard library), copied next to the weights of the
translation and captioning models; rnnhub's callers import it as ``rnnhub.engine.checks``.

Beam search allocates ``num_beams x max_new_tokens`` up front (transformers keeps every hypothesis for the whole
length), so one request such as ``num_beams=1000, max_new_tokens=10**6`` can take all of a machine's memory. Every
generating entry point refuses a request beyond these limits before anything is allocated:

- ``num_beams`` at most :data:`DEFAULT_MAX_NUM_BEAMS` (16);
- ``max_new_tokens`` at most :data:`MAX_NEW_TOKENS_FACTOR` (4) times the model's own length: its generation
  config's ``max_new_tokens``, else its tokenizer's ``model_max_length``, else :data:`DEFAULT_MODEL_LENGTH`;
- ``num_return_sequences`` 1 (the pipelines return one output per input).

Whoever owns the machine raises them: a pipeline's ``max_num_beams=`` / ``max_new_tokens_limit=`` init argument
(``pipeline("rnnhub-translation", model=..., max_num_beams=64)``), or the environment variables
``RNNHUB_MAX_NUM_BEAMS`` and ``RNNHUB_MAX_NEW_TOKENS`` for every entry point (pipelines, views, the CLI, the demo).
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT_MAX_NUM_BEAMS = 16
MAX_NEW_TOKENS_FACTOR = 4
# The model's length when neither its generation config nor its tokenizer says (a source of 256 tokens).
DEFAULT_MODEL_LENGTH = 256
MAX_NUM_BEAMS_ENV = "RNNHUB_MAX_NUM_BEAMS"
MAX_NEW_TOKENS_ENV = "RNNHUB_MAX_NEW_TOKENS"
# transformers' sentinel for "no model_max_length" is about 1e30; anything this large means "not set".
_UNSET_LENGTH = 1_000_000


def check_positive_int(name: str, value: Any) -> int:
    """``value`` if it is a positive integer (not a bool).

    Raises:
        ValueError: naming ``name`` and the value given.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return value


def _from_environment(variable: str) -> int | None:
    value = os.environ.get(variable)
    if value is None or not value.strip():
        return None
    try:
        return check_positive_int(variable, int(value))
    except ValueError:
        raise ValueError(
            f"The environment variable {variable} must be a positive integer, got {value!r}."
        ) from None


def max_num_beams(limit: int | None = None) -> int:
    """The largest beam width allowed: ``limit`` if given, else ``$RNNHUB_MAX_NUM_BEAMS``, else 16."""
    if limit is not None:
        return check_positive_int("max_num_beams", limit)
    return _from_environment(MAX_NUM_BEAMS_ENV) or DEFAULT_MAX_NUM_BEAMS


def model_length(model: Any, tokenizer: Any = None) -> int:
    """The model's own output length: its generation config's ``max_new_tokens``, else the tokenizer's
    ``model_max_length``, else :data:`DEFAULT_MODEL_LENGTH`."""
    configured = getattr(getattr(model, "generation_config", None), "max_new_tokens", None)
    if isinstance(configured, int) and not isinstance(configured, bool) and configured > 0:
        return configured
    length = getattr(tokenizer, "model_max_length", None)
    if isinstance(length, int) and 1 < length < _UNSET_LENGTH:
        return length
    return DEFAULT_MODEL_LENGTH


def max_new_tokens_limit(model: Any, tokenizer: Any = None, limit: int | None = None) -> int:
    """The largest ``max_new_tokens`` allowed for ``model``: ``limit`` if given, else ``$RNNHUB_MAX_NEW_TOKENS``,
    else 4 x :func:`model_length`."""
    if limit is not None:
        return check_positive_int("max_new_tokens_limit", limit)
    return _from_environment(MAX_NEW_TOKENS_ENV) or MAX_NEW_TOKENS_FACTOR * model_length(model, tokenizer)


def check_num_beams(num_beams: Any, limit: int | None = None) -> int:
    """``num_beams`` if it is a valid beam width (1 = greedy decoding) within :func:`max_num_beams`."""
    check_positive_int("num_beams", num_beams)
    allowed = max_num_beams(limit)
    if num_beams > allowed:
        raise ValueError(
            f"num_beams={num_beams} is above the limit of {allowed} beams (beam search holds num_beams x "
            f"max_new_tokens tokens in memory). Use at most {allowed}, or raise the limit on your machine with the "
            f"pipeline argument max_num_beams= or the environment variable {MAX_NUM_BEAMS_ENV}."
        )
    return num_beams


def check_max_new_tokens(
    max_new_tokens: Any, model: Any, tokenizer: Any = None, limit: int | None = None
) -> int:
    """``max_new_tokens`` if it is a positive integer within :func:`max_new_tokens_limit` for ``model``."""
    check_positive_int("max_new_tokens", max_new_tokens)
    allowed = max_new_tokens_limit(model, tokenizer, limit)
    if max_new_tokens > allowed:
        raise ValueError(
            f"max_new_tokens={max_new_tokens} is above this model's limit of {allowed} tokens "
            f"({MAX_NEW_TOKENS_FACTOR} x its own length of {model_length(model, tokenizer)} unless raised). Use at "
            f"most {allowed}, or raise the limit on your machine with the pipeline argument max_new_tokens_limit= "
            f"or the environment variable {MAX_NEW_TOKENS_ENV}."
        )
    return max_new_tokens


def check_num_return_sequences(num_return_sequences: Any) -> int:
    """``num_return_sequences`` if it is 1: rnnhub's pipelines and views return one output per input."""
    check_positive_int("num_return_sequences", num_return_sequences)
    if num_return_sequences != 1:
        raise ValueError(
            f"num_return_sequences={num_return_sequences} is not supported: this returns one output per input "
            "(the best beam). Leave num_return_sequences out, or call model.generate() yourself."
        )
    return num_return_sequences
