"""Checks of user-given generation settings, one definition for every task (pipelines, views, evaluation,
fine-tuning)."""

from __future__ import annotations

from typing import Any


def check_positive_int(name: str, value: Any) -> int:
    """``value`` if it is a positive integer (not a bool).

    Raises:
        ValueError: naming ``name`` and the value given.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return value


def check_num_beams(num_beams: Any) -> int:
    """``num_beams`` if it is a valid beam width (1 = greedy decoding)."""
    return check_positive_int("num_beams", num_beams)


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed`` (e.g. a recipe's ``cell_type`` among the cell types)."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}.")
    return value
