"""Figures for the captioning card: a grid of test images with reference and generated captions, and the attention
map of every generated word over one image. matplotlib, drawn off-screen (Agg), saved small."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnhub.images import load_image

__all__ = ["attention_figure", "sample_grid"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display; the figure only goes to a file
    import matplotlib.pyplot as plt

    return plt


def sample_grid(
    images: Sequence[Any], samples: Sequence[dict[str, Any]], path: str | Path, columns: int = 4
) -> Path:
    """Save a grid of ``images``, each titled with its sample's split (and ``kind``, ``cider`` where given), the
    ``reference``, the model's ``greedy`` caption and, where given, nearest-neighbour ``retrieval``'s caption."""
    if not images or len(images) != len(samples):
        raise ValueError(
            f"Need one sample per image and at least one: {len(images)} images, {len(samples)} samples."
        )
    plt = _pyplot()
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 2.4, rows * 2.6), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, image, sample in zip(axes.flat, images, samples):
        axis.imshow(load_image(image))
        head = f"[{sample['split']}]"
        if sample.get("kind"):
            head += f" {sample['kind']}"
        if sample.get("cider") is not None:
            head += f", CIDEr-D {sample['cider']:.0f}"
        lines = [head]
        captions = (("ref", sample["reference"]), ("out", sample["greedy"]), ("nn", sample.get("retrieval")))
        for label, text in captions:
            if text is not None:
                lines.append("\n".join(textwrap.wrap(f"{label}: {text}", 30)[:2]))
        references = {r.casefold() for r in sample.get("references") or [sample["reference"]]}
        colour = "green" if sample["greedy"].casefold() in references else "black"
        axis.set_title("\n".join(lines), fontsize=6.5, color=colour, loc="left")
    figure.tight_layout()
    figure.savefig(path, dpi=72)
    plt.close(figure)
    return Path(path)


def attention_figure(model: Any, image_processor: Any, tokenizer: Any, image: Any, path: str | Path) -> Path:
    """Save the image followed by one panel per generated word with its attention map overlaid."""
    from rnnhub.captioning.view import caption_with_attention

    view = caption_with_attention(model, image_processor, tokenizer, image)
    plt = _pyplot()
    panels = 1 + len(view["words"])
    figure, axes = plt.subplots(1, panels, figsize=(1.6 * panels, 2.0), squeeze=False)
    width, height = view["image"].size
    axes[0][0].imshow(view["image"])
    axes[0][0].set_title("input", fontsize=8)
    for axis, word, weights in zip(axes[0][1:], view["words"], view["attention"]):
        axis.imshow(view["image"])
        axis.imshow(weights, extent=(0, width, height, 0), alpha=0.6, cmap="magma", interpolation="bilinear")
        axis.set_title(word, fontsize=8)
    for axis in axes.flat:
        axis.axis("off")
    figure.suptitle(f"“{view['caption']}”", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=72)
    plt.close(figure)
    return Path(path)
