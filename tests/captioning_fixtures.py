"""Tiny synthetic captioning data and models for the captioning tests (coloured shapes on white, 16x16)."""

from __future__ import annotations

import io

import datasets
import numpy as np
import torch
from PIL import Image, ImageDraw

COLOURS = {"red": (220, 30, 30), "blue": (30, 30, 220), "green": (30, 160, 30)}
SHAPES = ("square", "circle")
IMAGE_SIZE = 16
TINY_SETTINGS = {
    "encoder_channels": (4, 8),
    "embedding_size": 8,
    "hidden_size": 16,
    "attention_size": 8,
    "batch_size": 8,
    "epochs": 2,
    "patience": 2,
    "max_length": 8,
    "max_shift": 1,
    "learning_rate": 5e-3,
}


def shape_image(
    colour: str, shape: str, offset: int = 0, size: int = IMAGE_SIZE, mode: str = "RGB"
) -> Image.Image:
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    box = (3 + offset, 3 + offset, size - 4 + offset, size - 4 + offset)
    fill = (*COLOURS[colour], 255)
    (draw.rectangle if shape == "square" else draw.ellipse)(box, fill=fill)
    if mode == "RGBA":
        return image
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert(mode)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _split(rows: list[tuple[str, str, int]]) -> datasets.Dataset:
    images, captions, lists = [], [], []
    for colour, shape, offset in rows:
        images.append({"bytes": png_bytes(shape_image(colour, shape, offset)), "path": None})
        name = f"{colour} {shape}"
        captions.append(name)
        lists.append([name, f"a {name}"])
    features = datasets.Features(
        {
            "image": datasets.Image(),
            "caption": datasets.Value("string"),
            "captions": datasets.List(datasets.Value("string")),
        }
    )
    return datasets.Dataset.from_dict(
        {"image": images, "caption": captions, "captions": lists}, features=features
    )


def caption_splits() -> datasets.DatasetDict:
    """train / validation / test / test_variants of coloured shapes (every colour-shape pair, shifted copies)."""
    everything = [(c, s) for c in COLOURS for s in SHAPES]
    return datasets.DatasetDict(
        {
            "train": _split([(c, s, o) for c, s in everything for o in (-1, 0, 1)]),
            "validation": _split([(c, s, 2) for c, s in everything[:3]]),
            "test": _split([(c, s, -2) for c, s in everything[3:]]),
            "test_variants": _split([(c, s, 2) for c, s in everything[2:5]]),
        }
    )


def tiny_captioner():
    """(model, image processor, tokenizer): a random tiny captioner over the shape captions."""
    from rnnhub.captioning_data import make_image_processor, train_caption_tokenizer
    from rnnhub.models import RnnHubCaptioningConfig, RnnHubForImageCaptioning

    tokenizer = train_caption_tokenizer([f"a {c} {s}" for c in COLOURS for s in SHAPES])
    config = RnnHubCaptioningConfig(
        vocab_size=len(tokenizer),
        embedding_size=8,
        hidden_size=12,
        attention_size=6,
        image_size=IMAGE_SIZE,
        encoder_channels=[4, 6],
        architectures=["RnnHubForImageCaptioning"],
    )
    torch.manual_seed(0)
    model = RnnHubForImageCaptioning(config).eval()
    model.generation_config.max_new_tokens = 6
    model.generation_config.max_length = None
    return model, make_image_processor(IMAGE_SIZE), tokenizer


def noise_png(size: tuple[int, int] = (20, 12)) -> bytes:
    rng = np.random.default_rng(1)
    return png_bytes(Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)))
