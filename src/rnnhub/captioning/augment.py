"""Training-time image augmentation for the captioner: background colour, horizontal flip, shift, zoom, colour jitter.

Each training example gets a fresh random draw (from the dataset's seeded ``random.Random``), applied to one image
in ``[0, 1]`` RGB, ``(3, height, width)``, in this order::

    background  repaint the near-white background (every channel > 0.96) in a random colour, with probability p
    flip        mirror left-right, with probability p, only if no caption of the image names a direction
    shift       move by up to ``max_shift`` pixels each way, the uncovered border filled with the background
    zoom        scale about the centre by a factor in [1 - scale, 1 + scale] (bilinear), border as above
    jitter      brightness, contrast and saturation each by a factor in [1 - j, 1 + j]

A flip turns "right arrow" into a left arrow and a flag or a letter into something that is not one, so images with
any of :data:`NO_FLIP_WORDS` in a caption are never flipped.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = ["NO_FLIP_WORDS", "Augmentation", "augment", "may_flip"]

# Words whose meaning a left-right mirror changes (directions, handedness, writing, flags).
NO_FLIP_WORDS = (
    "left",
    "right",
    "leftwards",
    "rightwards",
    "clockwise",
    "counterclockwise",
    "anticlockwise",
    "east",
    "west",
    "flag",
    "letter",
    "letters",
    "keycap",
    "text",
    "word",
    "button",  # the emoji "buttons" carry letters: "ok button", "new button"
)
_NO_FLIP = re.compile(r"\b(" + "|".join(NO_FLIP_WORDS) + r")\b", re.IGNORECASE)
WHITE_THRESHOLD = 0.96  # a pixel whose every channel is above this counts as background


@dataclass(frozen=True)
class Augmentation:
    """How strongly to augment; all zero (the default) leaves every image as it is."""

    max_shift: int = 0  # pixels at the model's input size
    scale: float = 0.0  # zoom by a factor in [1 - scale, 1 + scale]
    colour_jitter: float = 0.0  # brightness, contrast and saturation factors in [1 - j, 1 + j]
    background: float = 0.0  # probability of a random background colour
    flip: float = 0.0  # probability of a horizontal flip (where the captions allow one)

    def __post_init__(self) -> None:
        if not isinstance(self.max_shift, int) or self.max_shift < 0:
            raise ValueError(f"max_shift must be a whole number of pixels >= 0, got {self.max_shift!r}.")
        for name in ("scale", "colour_jitter", "background", "flip"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value!r}.")

    @property
    def active(self) -> bool:
        return any((self.max_shift, self.scale, self.colour_jitter, self.background, self.flip))


def may_flip(captions: Sequence[str]) -> bool:
    """True when no caption names a direction, a flag or writing (see :data:`NO_FLIP_WORDS`)."""
    return not any(_NO_FLIP.search(text) for text in captions)


def augment(
    image: torch.Tensor, settings: Augmentation, rng: random.Random, *, flippable: bool = True
) -> torch.Tensor:
    """One random augmentation of ``image`` (``(3, h, w)``, values in [0, 1]); a new tensor, values in [0, 1]."""
    import torch

    background = torch.ones(3, 1, 1, dtype=image.dtype)
    if settings.background and rng.random() < settings.background:
        background = torch.tensor([rng.random() for _ in range(3)], dtype=image.dtype)[:, None, None]
        is_background = (image > WHITE_THRESHOLD).all(dim=0, keepdim=True)
        image = torch.where(is_background, background.expand_as(image), image)
    if settings.flip and flippable and rng.random() < settings.flip:
        image = image.flip(-1)
    if settings.max_shift:
        image = _shift(
            image,
            rng.randint(-settings.max_shift, settings.max_shift),
            rng.randint(-settings.max_shift, settings.max_shift),
            background,
        )
    if settings.scale:
        image = _zoom(image, rng.uniform(1 - settings.scale, 1 + settings.scale), background)
    if settings.colour_jitter:
        image = _jitter(image, settings.colour_jitter, rng)
    return image


def _shift(image: torch.Tensor, dy: int, dx: int, background: torch.Tensor) -> torch.Tensor:
    if not dx and not dy:
        return image
    _, height, width = image.shape
    shifted = background.expand_as(image).clone()
    src_y, dst_y = slice(max(0, -dy), height - max(0, dy)), slice(max(0, dy), height - max(0, -dy))
    src_x, dst_x = slice(max(0, -dx), width - max(0, dx)), slice(max(0, dx), width - max(0, -dx))
    shifted[:, dst_y, dst_x] = image[:, src_y, src_x]
    return shifted


def _zoom(image: torch.Tensor, factor: float, background: torch.Tensor) -> torch.Tensor:
    """Scale about the centre by ``factor`` (> 1 enlarges); what comes in from outside is the background."""
    import torch
    from torch.nn import functional as F

    theta = torch.tensor([[1 / factor, 0.0, 0.0], [0.0, 1 / factor, 0.0]], dtype=image.dtype)[None]
    grid = F.affine_grid(theta, [1, *image.shape], align_corners=False)
    # Sample the difference from the background so that zero padding outside the image is the background.
    moved = F.grid_sample((image - background)[None], grid, mode="bilinear", align_corners=False)[0]
    return (moved + background).clamp(0.0, 1.0)


def _jitter(image: torch.Tensor, strength: float, rng: random.Random) -> torch.Tensor:
    brightness, contrast, saturation = (rng.uniform(1 - strength, 1 + strength) for _ in range(3))
    image = image * brightness
    mean = image.mean()
    image = (image - mean) * contrast + mean
    grey = (0.299 * image[0] + 0.587 * image[1] + 0.114 * image[2])[None]
    image = grey + (image - grey) * saturation
    return image.clamp(0.0, 1.0)
