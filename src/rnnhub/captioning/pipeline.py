"""The ``rnnhub-image-captioning`` pipeline, for rnnhub's callers: the class (defined in
:mod:`rnnhub.pipelines.pipeline_captioning`, the remote code copied next to the weights) and its registration.

>>> from transformers import pipeline
>>> from rnnhub.captioning.pipeline import ImageCaptioningPipeline, register
>>> register()
>>> captioner = pipeline("rnnhub-image-captioning", model=folder, pipeline_class=ImageCaptioningPipeline)
>>> captioner("smile.png")                                  # [{"generated_text": "grinning face"}]

A folder whose config.json names the pipeline in ``custom_pipelines`` (every published captioning folder) makes
transformers ask for an opt-in: ``pipeline_class=ImageCaptioningPipeline`` (rnnhub's installed class, as here) or
``trust_remote_code=True`` (the folder's copy, the same bytes; also without rnnhub).
"""

from __future__ import annotations

from rnnhub.pipelines.pipeline_captioning import TASK, ImageCaptioningPipeline

__all__ = ["TASK", "ImageCaptioningPipeline", "register"]


def register() -> None:
    """Register the ``rnnhub-image-captioning`` task with transformers' ``pipeline()`` (idempotent)."""
    from transformers import AutoModelForImageTextToText
    from transformers.pipelines import PIPELINE_REGISTRY

    if TASK in PIPELINE_REGISTRY.supported_tasks:
        return
    PIPELINE_REGISTRY.register_pipeline(
        TASK, pipeline_class=ImageCaptioningPipeline, pt_model=AutoModelForImageTextToText, type="image"
    )
