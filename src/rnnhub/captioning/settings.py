"""The captioning recipe's settings and names, in one module that the recipe, its card and its command
line import (so none of them imports another for a constant)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnhub.captioning.augment import Augmentation
from rnnhub.engine.checks import check_choice
from rnnhub.engine.settings import with_overrides
from rnnhub.models.constants import ENCODER_BLOCKS, ENCODER_NORMS

__all__ = [
    "CORPUS",
    "RECIPE_KEY",
    "SEEDS_KEY",
    "SELECTION_SPLITS",
    "TEST_SPLITS",
    "TOKENIZER_KINDS",
    "VARIANT_VALIDATION",
    "CaptioningSettings",
    "settings_with",
]

CORPUS = "emoji-captions"
TEST_SPLITS = ("test", "test_variants")
RECIPE_KEY = "recipe"
SEEDS_KEY = "seeds"  # the other seeds' rows beside a published folder (rnnhub.captioning.seeds)
# The held-out training variants: a second validation split that early stopping also watches.
VARIANT_VALIDATION = "validation_variants"
SELECTION_SPLITS = ("validation", VARIANT_VALIDATION)


TOKENIZER_KINDS = ("word", "bpe")


@dataclass(frozen=True)
class CaptioningSettings:
    """Model and training settings of the captioning recipe.

    The defaults are those of the published ``lstm-captioning-emoji`` (set before any test result was seen), so its
    recorded command still reproduces it. Issue 18's describer settings (a residual CNN, augmentation, ``<unk>`` for
    rare words or BPE, a length penalty chosen on validation, extra corpora) are options; docs/captioning.md gives
    the command that uses them.
    """

    # The CNN: one block per width, each halving the side (64 px, 4 blocks -> a 4 x 4 grid of 256-d vectors).
    encoder_channels: tuple[int, ...] = (32, 64, 128, 256)
    encoder_block: str = (
        "plain"  # conv, norm, ReLU, pool; "residual": two convs and a skip connection per block
    )
    encoder_norm: str = "batch"  # or "group"
    encoder_dropout: float = 0.0  # whole feature channels of the final grid dropped in training
    image_size: int | None = (
        None  # the model's input side in px; None = the first training image's (emoji: 64)
    )
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
    max_train_minutes: float | None = (
        None  # wall-time budget for training (the rate anneals to zero within it)
    )
    max_length: int = 24  # caption tokens (the longest training caption has 15 words and commas)
    # Augmentation (rnnhub.captioning.augment), drawn afresh for every training example.
    max_shift: int = 3  # random shift of training images, in pixels at image_size
    scale: float = 0.0  # zoom by a factor in [1 - scale, 1 + scale]
    colour_jitter: float = 0.0  # brightness, contrast, saturation factors in [1 - j, 1 + j]
    background: float = 0.0  # share of examples on a random background colour instead of white
    flip: float = 0.0  # share of mirrored examples, never for captions with a direction, flag or writing
    # The vocabulary: words seen fewer than min_frequency times in training become <unk> (never generated), or BPE.
    tokenizer: str = "word"
    min_frequency: int = 1
    bpe_vocab_size: int = 2000  # tokenizer="bpe" only
    num_beams: int = 3
    # Beam search's length penalty is chosen among these on the selection splits (validation) after training;
    # 1.0 is transformers' default.
    length_penalties: tuple[float, ...] = (1.0,)
    # Share of the training variants (skin tone, gender, ...) held out as a second validation set, so that early
    # stopping also watches what test_variants measures; the validation split itself holds only unseen emoji.
    variant_validation: float = 0.1
    # More corpora with image, caption and captions columns (e.g. "clipart-captions"): their train split joins the
    # training data, their validation split the selection, and each of their test splits is scored on its own.
    extra_train: tuple[str, ...] = ()
    # Train under bfloat16 autocast (Trainer's bf16; weights and optimizer stay float32): needs a CPU with native
    # bfloat16 (AVX512-BF16 or AMX) or a GPU that has it (rnnhub.engine.precision).
    bf16: bool = False
    # Pretrained word vectors for the decoder's input embeddings (rnnhub.engine.vectors: "glove-6b-50d" or a path);
    # the embedding size becomes the table's unless embedding_size is given. The caption words are ordinary
    # English, so an unseen emoji's name shares its words' neighbours with names the model has seen.
    vectors: str | None = None
    freeze_vectors: bool = False

    def __post_init__(self) -> None:
        check_choice("encoder_block", self.encoder_block, ENCODER_BLOCKS)
        check_choice("encoder_norm", self.encoder_norm, ENCODER_NORMS)
        check_choice("tokenizer", self.tokenizer, TOKENIZER_KINDS)
        if not self.length_penalties:
            raise ValueError("length_penalties must list at least one value, e.g. (1.0,).")
        if self.max_train_minutes is not None and self.max_train_minutes <= 0:
            raise ValueError(f"max_train_minutes must be positive, got {self.max_train_minutes}.")
        if self.image_size is not None and self.image_size % 2 ** len(self.encoder_channels):
            raise ValueError(
                f"image_size={self.image_size} must be divisible by 2**len(encoder_channels)="
                f"{2 ** len(self.encoder_channels)} (each conv block halves the image)."
            )
        if self.freeze_vectors and self.vectors is None:
            raise ValueError("freeze_vectors needs vectors to freeze: give vectors (--vectors) too.")
        self.augmentation()  # checks the augmentation settings

    def augmentation(self) -> Augmentation:
        return Augmentation(
            max_shift=self.max_shift,
            scale=self.scale,
            colour_jitter=self.colour_jitter,
            background=self.background,
            flip=self.flip,
        )


_TUPLES = ("encoder_channels", "length_penalties", "extra_train")


def settings_with(**overrides: Any) -> CaptioningSettings:
    """The recipe's settings with ``overrides`` (None values ignored); ValueError for an unknown setting."""
    for name in _TUPLES:
        if overrides.get(name) is not None:
            value = overrides[name]
            overrides[name] = (value,) if isinstance(value, str) else tuple(value)
    return with_overrides(CaptioningSettings(), overrides)
