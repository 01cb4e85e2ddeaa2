"""Recipe settings: a frozen dataclass of defaults per corpus, with command-line overrides applied on top."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, TypeVar

Settings = TypeVar("Settings")


def with_overrides(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """``base`` with ``overrides`` applied (None values are ignored: an option the user did not give).

    Raises:
        ValueError: an override that is not a field of ``base``; the message lists the known settings.
    """
    chosen = {key: value for key, value in overrides.items() if value is not None}
    known = [field.name for field in fields(base)]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}.")
    return replace(base, **chosen)
