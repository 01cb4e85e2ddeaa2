"""Caption an image and show where the model looked: one attention map over the CNN's feature grid per word.

>>> from rnnhub.captioning.view import caption_with_attention, load_captioner
>>> model, image_processor, tokenizer = load_captioner("lstm-captioning-emoji")
>>> view = caption_with_attention(model, image_processor, tokenizer, "smile.png")
>>> view["caption"], view["words"][0], view["grid_size"]       # "grinning face", "grinning", [4, 4]
>>> view["attention"][0]                                          # 4 rows of 4 weights summing to 1

The caption is generated first (greedy or beam search); then the decoder re-reads it with teacher forcing and
returns its attention weights. With Bahdanau attention, the weights at step t depend only on the image and the
tokens before t, so this replay gives exactly the weights the decoder used when it chose each word.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rnnhub.engine.checks import check_max_new_tokens, check_num_beams
from rnnhub.images import load_image

if TYPE_CHECKING:
    import torch
    from PIL import Image
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["caption_with_attention", "load_captioner", "model_view_image", "pixel_values_for"]


def load_captioner(name_or_path: str | os.PathLike[str]) -> tuple[Any, Any, Any]:
    """(model in eval mode, image processor, tokenizer) of a captioning folder, registry short name or Hub id."""
    from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

    from rnnhub.publish.hub import resolve

    source = resolve(name_or_path)
    model_type = getattr(AutoConfig.from_pretrained(source), "model_type", None)
    if model_type != "rnnhub-captioning":
        raise ValueError(f"{name_or_path} is a {model_type!r} model, not an rnnhub captioning model.")
    model = AutoModelForImageTextToText.from_pretrained(source).eval()
    return model, AutoImageProcessor.from_pretrained(source), AutoTokenizer.from_pretrained(source)


def model_view_image(image_processor: Any, image: Any) -> Image.Image:
    """The RGB image as the model sees it: loaded with :func:`rnnhub.images.load_image`, resized like the processor."""
    rgb = load_image(image)
    size = _processor_size(image_processor)
    if rgb.size != size:
        rgb = rgb.resize(size, resample=int(getattr(image_processor, "resample", 3)))
    return rgb


def _processor_size(image_processor: Any) -> tuple[int, int]:
    """(width, height) the processor resizes to; its ``size`` is a dict or transformers' ``SizeDict``."""
    size = getattr(image_processor, "size", None)

    def get(key: str) -> Any:
        return size.get(key) if isinstance(size, dict) else getattr(size, key, None)

    if get("height") and get("width"):
        return int(get("width")), int(get("height"))
    if get("shortest_edge"):
        return int(get("shortest_edge")), int(get("shortest_edge"))
    raise ValueError(f"Cannot tell the image size from the image processor's size={size!r}.")


def pixel_values_for(
    image_processor: Any, images: Sequence[Any], *, dtype: torch.dtype | None = None, device: Any = None
) -> torch.Tensor:
    """``(batch, 3, height, width)`` pixel values of ``images`` (anything :func:`load_image` takes)."""
    if not images:
        raise ValueError("No images given; pass at least one image.")
    rgb = [load_image(image) for image in images]
    pixel_values = image_processor(rgb, return_tensors="pt")["pixel_values"]
    return pixel_values.to(device=device, dtype=dtype)


def caption_with_attention(
    model: PreTrainedModel,
    image_processor: Any,
    tokenizer: PreTrainedTokenizerBase,
    image: Any,
    *,
    num_beams: int = 1,
    max_new_tokens: int | None = None,
) -> dict[str, Any]:
    """Caption one image and return the attention map of every generated word.

    Returns a dict with ``"caption"`` (str), ``"words"`` (the generated tokens, end-of-sequence excluded),
    ``"attention"`` (per word a ``grid_h x grid_w`` nested list of floats summing to 1), ``"grid_size"``
    (``[grid_h, grid_w]``) and ``"image"`` (the RGB PIL image the model saw, at its input size; stretch each map
    over it to overlay).

    Raises:
        ValueError: an unreadable image (see :func:`rnnhub.images.load_image`), a model without attention, or
            ``num_beams`` / ``max_new_tokens`` below 1 or beyond the limits of :mod:`rnnhub.engine.checks`.
    """
    import torch

    if getattr(model.config, "attention_type", "none") == "none":
        raise ValueError("This model has no attention (attention_type='none'): there is no map to show.")
    check_num_beams(num_beams)
    if max_new_tokens is not None:
        check_max_new_tokens(max_new_tokens, model, tokenizer)
    seen = model_view_image(image_processor, image)
    parameter = next(model.parameters())
    pixel_values = pixel_values_for(image_processor, [seen], dtype=parameter.dtype, device=parameter.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            kwargs = {"num_beams": num_beams, "do_sample": False}
            if max_new_tokens is not None:
                kwargs["max_new_tokens"] = max_new_tokens
            sequence = model.generate(pixel_values, **kwargs)[0]
            start = model.config.decoder_start_token_id
            if int(sequence[0]) == start:
                sequence = sequence[1:]
            tokens = _strip_after_eos(sequence.tolist(), model.config.eos_token_id, model.config.pad_token_id)
            decoder_input = torch.tensor([[start, *tokens]], device=parameter.device)
            outputs = model(
                pixel_values=pixel_values, decoder_input_ids=decoder_input, output_attentions=True
            )
    finally:
        model.train(was_training)
    weights = outputs.cross_attentions[0][0, 0]  # (steps, slots): step t chose token t (the last is after it)
    grid_h, grid_w = _grid_shape(model.config, weights.shape[-1])
    maps = weights[: len(tokens)].reshape(len(tokens), grid_h, grid_w).float().cpu()
    return {
        "caption": tokenizer.decode(tokens, skip_special_tokens=True).strip(),
        "words": tokenizer.convert_ids_to_tokens(tokens),
        "attention": maps.tolist(),
        "grid_size": [grid_h, grid_w],
        "image": seen,
    }


def _strip_after_eos(ids: list[int], eos_token_id: int | None, pad_token_id: int | None) -> list[int]:
    """The generated ids up to (not including) the first end-of-sequence; padding after it dropped."""
    kept = []
    for token in ids:
        if token == eos_token_id:
            break
        if token != pad_token_id:
            kept.append(token)
    return kept


def _grid_shape(config: Any, slots: int) -> tuple[int, int]:
    side = getattr(config, "feature_grid_size", None)
    if side and side * side == slots:
        return side, side
    root = int(round(slots**0.5))
    if root * root != slots:
        raise ValueError(f"Cannot lay out {slots} attention slots as a square feature grid.")
    return root, root
