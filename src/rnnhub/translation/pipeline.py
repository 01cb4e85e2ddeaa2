"""The ``rnnhub-translation`` pipeline, for rnnhub's callers: the class (defined in
:mod:`rnnhub.pipelines.pipeline_translation`, the remote code copied next to the weights) and its registration.

>>> from transformers import pipeline
>>> from rnnhub.translation.pipeline import TranslationPipeline, register
>>> register()
>>> translate = pipeline("rnnhub-translation", model=folder, pipeline_class=TranslationPipeline)
>>> translate(["Ich bin müde.", "Guten Morgen!"], num_beams=5, batch_size=16)   # [{"translation_text": ...}, ...]

A folder whose config.json names the pipeline in ``custom_pipelines`` (every published translation folder) makes
transformers ask for an opt-in: ``pipeline_class=TranslationPipeline`` (rnnhub's installed class, as here) or
``trust_remote_code=True`` (the folder's copy, the same bytes; also without rnnhub). A model object
(``pipeline(TASK, model=model, tokenizer=tokenizer)``) needs neither.
"""

from __future__ import annotations

from rnnhub.pipelines.pipeline_translation import TASK, TranslationPipeline

__all__ = ["TASK", "TranslationPipeline", "register"]


def register() -> None:
    """Register ``rnnhub-translation`` with transformers' pipeline registry (safe to call more than once).

    The model class is the Auto class, as ``custom_pipelines`` must name it (a saved pipeline is loaded with
    ``transformers.AutoModelForSeq2SeqLM``, which resolves an rnnhub folder through its ``auto_map``).
    """
    from transformers import AutoModelForSeq2SeqLM
    from transformers.pipelines import PIPELINE_REGISTRY

    if TASK in PIPELINE_REGISTRY.get_supported_tasks():
        return
    PIPELINE_REGISTRY.register_pipeline(
        TASK, pipeline_class=TranslationPipeline, pt_model=AutoModelForSeq2SeqLM, type="text"
    )
