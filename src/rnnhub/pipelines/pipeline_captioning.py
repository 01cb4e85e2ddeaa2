"""The ``rnnhub-image-captioning`` pipeline: caption images with an rnnhub captioning model.

transformers 5 no longer has an ``image-to-text`` pipeline of its own (the task is redirected to
``image-text-to-text``, which expects a chat-style multimodal processor), so rnnhub has its own task name. This
file is remote code: it is copied next to the weights (with its siblings) and named in config.json's
``custom_pipelines``, so it runs where rnnhub is not installed:

>>> from transformers import pipeline
>>> captioner = pipeline("rnnhub-image-captioning", model="model_cards/lstm-captioning-emoji", trust_remote_code=True)
>>> captioner("smile.png")                                  # [{"generated_text": "grinning face"}]
>>> captioner(["a.png", pil_image, open("b.png", "rb")], num_beams=3, batch_size=8)   # one list per input

Inputs: a PIL image, a file path, the file's bytes or a binary file object, or a list of them. Every image goes
through :func:`image_loading.load_image` first (transparency on white, any colour mode to RGB; URLs, non-images,
truncated files and decompression bombs are refused with a ``ValueError``), then the model's image processor.
"""

from __future__ import annotations

from typing import Any

from .image_loading import load_image
from .pipeline_rnnhub import RnnHubGenerationPipeline

__all__ = ["TASK", "ImageCaptioningPipeline"]

TASK = "rnnhub-image-captioning"


class ImageCaptioningPipeline(RnnHubGenerationPipeline):
    """Image(s) in, ``[{"generated_text": caption}]`` out (a list of those for a list of images).

    Call parameters: ``num_beams`` (1 = greedy; default: the model's generation config), ``max_new_tokens`` (the
    longest caption in tokens; default: the generation config's) and the usual ``batch_size``; requests beyond
    the limits of :class:`RnnHubGenerationPipeline` (16 beams, 4 x the model's length)
    are refused unless the init arguments ``max_num_beams=`` / ``max_new_tokens_limit=`` raise them.
    """

    task = TASK
    model_type = "rnnhub-captioning"
    model_kind = "captioning"
    _load_image_processor = True
    _load_tokenizer = True
    _load_processor = False
    _load_feature_extractor = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.image_processor is None or self.tokenizer is None:
            raise ValueError(
                "The model folder needs both its image processor (preprocessor_config.json) and its tokenizer."
            )

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        """Caption one image or a list of images (see the class docstring for what an image may be)."""
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(inputs, list) and not inputs:
            raise ValueError("No images given; pass an image or a non-empty list of images.")
        return super().__call__(inputs, **kwargs)

    def preprocess(self, image: Any) -> dict[str, Any]:
        rgb = load_image(image)
        pixel_values = self.image_processor(rgb, return_tensors="pt")["pixel_values"]
        return {"pixel_values": pixel_values.to(self.dtype) if self.dtype is not None else pixel_values}

    def _forward(
        self, model_inputs: dict[str, Any], num_beams: int | None = None, max_new_tokens: int | None = None
    ):
        kwargs = {"do_sample": False}
        if num_beams is not None:
            kwargs["num_beams"] = num_beams
        if max_new_tokens is not None:
            kwargs["max_new_tokens"] = max_new_tokens
        return {"generated_ids": self.model.generate(model_inputs["pixel_values"], **kwargs)}

    def postprocess(self, model_outputs: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {"generated_text": text.strip()}
            for text in self.tokenizer.batch_decode(model_outputs["generated_ids"], skip_special_tokens=True)
        ]
