"""Checks of user-given settings, one definition for every task (pipelines, views, evaluation, fine-tuning).

The generation limits (``num_beams``, ``max_new_tokens``, ``num_return_sequences``) live in
:mod:`rnnhub.pipelines.generation_limits`, the pipelines' remote code copied next to the weights; see its docstring
for the limits and how to raise them.
"""

from __future__ import annotations

from typing import Any

from rnnhub.pipelines.generation_limits import (
    DEFAULT_MAX_NUM_BEAMS,
    DEFAULT_MODEL_LENGTH,
    MAX_NEW_TOKENS_ENV,
    MAX_NEW_TOKENS_FACTOR,
    MAX_NUM_BEAMS_ENV,
    check_max_new_tokens,
    check_num_beams,
    check_num_return_sequences,
    check_positive_int,
    max_new_tokens_limit,
    max_num_beams,
    model_length,
)

__all__ = [
    "DEFAULT_MAX_NUM_BEAMS",
    "DEFAULT_MODEL_LENGTH",
    "MAX_NEW_TOKENS_ENV",
    "MAX_NEW_TOKENS_FACTOR",
    "MAX_NUM_BEAMS_ENV",
    "check_choice",
    "check_max_new_tokens",
    "check_num_beams",
    "check_num_return_sequences",
    "check_positive_int",
    "max_new_tokens_limit",
    "max_num_beams",
    "model_length",
]


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed`` (e.g. a recipe's ``cell_type`` among the cell types)."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}.")
    return value
