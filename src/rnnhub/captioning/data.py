"""Captioning data for training: the caption tokenizer, the image processor, image/caption pairs and the collator.

Shared by the emoji recipe (:mod:`rnnhub.captioning.recipe`) and fine-tuning on your own images
(:mod:`rnnhub.captioning.train`). The batch layout the model trains on::

    pixel_values  (batch, 3, image_size, image_size)   from the image processor (rescaled, normalised)
    labels        (batch, longest caption + 1)         caption ids, <eos>, then -100 (ignored by the loss)

The decoder input is the labels shifted right behind ``<bos>`` (the model does that). Every image is decoded and
preprocessed once, up front, so an epoch costs only the network.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rnnhub.captioning.augment import Augmentation, augment, may_flip
from rnnhub.images import load_image

if TYPE_CHECKING:
    import torch

__all__ = [
    "CaptionPairs",
    "caption_lists",
    "collate_captions",
    "encode_images",
    "make_image_processor",
    "train_caption_tokenizer",
]

# Image processor settings (saved in preprocessor_config.json; the model is trained with exactly these).
IMAGE_MEAN = (0.5, 0.5, 0.5)
IMAGE_STD = (0.5, 0.5, 0.5)
RESAMPLE_BICUBIC = 3  # PIL's BICUBIC: antialiased when shrinking, available in both of transformers' backends


def make_image_processor(image_size: int):
    """A stock ``ViTImageProcessor`` (PIL backend: no torchvision needed): resize to ``image_size`` square
    (bicubic), rescale to [0, 1], normalise with mean 0.5 and std 0.5 per channel. ``AutoImageProcessor`` loads it
    back from ``preprocessor_config.json`` without rnnhub."""
    from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

    return ViTImageProcessorPil(
        size={"height": image_size, "width": image_size},
        resample=RESAMPLE_BICUBIC,
        do_resize=True,
        do_rescale=True,
        do_normalize=True,
        image_mean=list(IMAGE_MEAN),
        image_std=list(IMAGE_STD),
    )


def train_caption_tokenizer(
    captions: Iterable[str],
    *,
    min_frequency: int = 1,
    max_length: int = 32,
    kind: str = "word",
    bpe_vocab_size: int = 2000,
):
    """A lowercased word-level tokenizer for captions, with ``<pad> <bos> <eos> <unk>`` = 0..3 and ``text <eos>``.

    Words seen fewer than ``min_frequency`` times become ``<unk>``. ``kind="bpe"``: rnnhub's byte-pair tokenizer
    with ``bpe_vocab_size`` entries instead (an unseen word is spelt from pieces rather than becoming ``<unk>``).

    Unlike :func:`rnnhub.tokenization.train_tokenizer` with ``kind="word"``, hyphens and apostrophes stay inside
    words ("heart-eyes", "d'ivoire", "medium-dark" are one token each), so captions decode exactly as written;
    other punctuation is split off and decoding re-attaches it ("man, woman").
    """
    from tokenizers import Regex, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from rnnhub.tokenization import train_tokenizer

    texts = [text for text in captions if isinstance(text, str) and text.strip()]
    if not texts:
        raise ValueError("No captions to train the tokenizer on: every caption is empty.")
    if kind == "bpe":
        return train_tokenizer(
            texts, kind="bpe", vocab_size=bpe_vocab_size, lowercase=True, model_max_length=max_length
        )
    if kind != "word":
        raise ValueError(f"kind must be 'word' or 'bpe', got {kind!r}.")
    # Start from rnnhub's word tokenizer (normaliser, special ids, decoder) and retrain it with the new splitting.
    tokenizer = train_tokenizer(texts, kind="word", lowercase=True, model_max_length=max_length)
    backend = tokenizer.backend_tokenizer
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(r"[^\w\s'\-]"), behavior="isolated")]
    )
    from tokenizers import trainers

    from rnnhub.tokenization import SPECIAL_TOKENS

    backend.train_from_iterator(
        texts,
        trainer=trainers.WordLevelTrainer(
            min_frequency=min_frequency, special_tokens=list(SPECIAL_TOKENS), show_progress=False
        ),
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=tokenizer.pad_token,
        bos_token=tokenizer.bos_token,
        eos_token=tokenizer.eos_token,
        unk_token=tokenizer.unk_token,
        add_bos_token=False,
        add_eos_token=True,
        model_max_length=max_length,
        padding_side="right",
        clean_up_tokenization_spaces=False,
    )


def caption_lists(values: Sequence[Any], where: str) -> list[list[str]]:
    """Each row's captions as a non-empty list of stripped strings (a string becomes a one-item list)."""
    lists = []
    for index, value in enumerate(values):
        items = value if isinstance(value, (list, tuple)) else [value]
        texts = [str(item).strip() for item in items if item is not None and str(item).strip()]
        if not texts:
            raise ValueError(f"Row {index} of {where} has no caption; give every image at least one caption.")
        lists.append(texts)
    return lists


def encode_images(image_processor: Any, images: Sequence[Any], *, batch_size: int = 256) -> torch.Tensor:
    """Pixel values ``(n, 3, h, w)`` of ``images`` (anything :func:`rnnhub.images.load_image` reads).

    Raises ValueError naming the first row whose image cannot be read.
    """
    import torch

    chunks = []
    for start in range(0, len(images), batch_size):
        rgb = []
        for offset, image in enumerate(images[start : start + batch_size]):
            try:
                rgb.append(load_image(image))
            except ValueError as error:
                raise ValueError(f"Image of row {start + offset}: {error}") from error
        chunks.append(image_processor(rgb, return_tensors="pt")["pixel_values"])
    if not chunks:
        raise ValueError("No images to encode.")
    return torch.cat(chunks)


class CaptionPairs:
    """A map-style dataset of (image, caption) training pairs: every caption of every image is one example.

    ``pixel_values``: the encoded images; ``captions``: one list of captions per image. ``augmentation`` (see
    :mod:`rnnhub.captioning.augment`) draws a fresh random change of each example's image; ``max_shift`` > 0 alone
    is the shift-only augmentation (the uncovered border white, the emoji corpus background). ``image_processor``
    gives the normalisation to undo and redo around the augmentation.
    """

    def __init__(
        self,
        pixel_values: torch.Tensor,
        captions: Sequence[Sequence[str]],
        tokenizer: Any,
        max_length: int,
        *,
        max_shift: int = 0,
        augmentation: Augmentation | None = None,
        image_processor: Any = None,
        seed: int = 0,
    ):
        if len(pixel_values) != len(captions):
            raise ValueError(f"{len(pixel_values)} images but {len(captions)} caption lists.")
        self.pixel_values = pixel_values
        self.pairs: list[tuple[int, list[int]]] = []
        for image_index, texts in enumerate(captions):
            encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
            self.pairs.extend((image_index, ids) for ids in encoded)
        self.augmentation = augmentation or Augmentation(max_shift=max_shift)
        self.flippable = [may_flip(texts) for texts in captions]
        self.random = random.Random(seed)
        import torch

        mean = getattr(image_processor, "image_mean", None) or IMAGE_MEAN
        std = getattr(image_processor, "image_std", None) or IMAGE_STD
        self.mean = torch.tensor(mean, dtype=pixel_values.dtype)[:, None, None]
        self.std = torch.tensor(std, dtype=pixel_values.dtype)[:, None, None]

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict[str, Any]:
        image_index, ids = self.pairs[index]
        image = self.pixel_values[image_index]
        if self.augmentation.active:
            rgb = image * self.std + self.mean  # back to [0, 1]
            changed = augment(rgb, self.augmentation, self.random, flippable=self.flippable[image_index])
            image = (changed - self.mean) / self.std
        return {"pixel_values": image, "labels": ids}


def collate_captions(features: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
    """Stack pixel values and pad labels with -100 (ignored by the loss)."""
    import torch

    pixel_values = torch.stack([feature["pixel_values"] for feature in features])
    longest = max(len(feature["labels"]) for feature in features)
    labels = torch.full((len(features), longest), -100, dtype=torch.long)
    for row, feature in enumerate(features):
        labels[row, : len(feature["labels"])] = torch.tensor(feature["labels"], dtype=torch.long)
    return {"pixel_values": pixel_values, "labels": labels}
