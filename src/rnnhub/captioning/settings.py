"""The emoji captioning recipe's settings and names, in one module that the recipe, its card and its command
line import (so none of them imports another for a constant)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnhub.engine.settings import with_overrides

__all__ = [
    "CORPUS",
    "RECIPE_KEY",
    "SELECTION_SPLITS",
    "TEST_SPLITS",
    "VARIANT_VALIDATION",
    "CaptioningSettings",
    "settings_with",
]

CORPUS = "emoji-captions"
TEST_SPLITS = ("test", "test_variants")
RECIPE_KEY = "recipe"
# The held-out training variants: a second validation split that early stopping also watches.
VARIANT_VALIDATION = "validation_variants"
SELECTION_SPLITS = ("validation", VARIANT_VALIDATION)


@dataclass(frozen=True)
class CaptioningSettings:
    """Model and training settings of the emoji recipe."""

    encoder_channels: tuple[int, ...] = (32, 64, 128, 256)  # 64 px -> a 4 x 4 feature grid of 256-d vectors
    embedding_size: int = 128
    hidden_size: int = 256
    attention_size: int = 128
    dropout: float = 0.3
    embedding_dropout: float = 0.1
    learning_rate: float = 2e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: float = 20.0
    patience: int = 5
    max_length: int = 24  # caption tokens (the longest training caption has 15 words and commas)
    max_shift: int = 3  # random shift of training images, in pixels
    min_frequency: int = 1
    num_beams: int = 3
    # Share of the training variants (skin tone, gender, ...) held out as a second validation set, so that early
    # stopping also watches what test_variants measures; the validation split itself holds only unseen emoji.
    variant_validation: float = 0.1


def settings_with(**overrides: Any) -> CaptioningSettings:
    """The recipe's settings with ``overrides`` (None values ignored); ValueError for an unknown setting."""
    if overrides.get("encoder_channels") is not None:
        overrides["encoder_channels"] = tuple(overrides["encoder_channels"])
    return with_overrides(CaptioningSettings(), overrides)
