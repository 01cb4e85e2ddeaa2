"""Classify checked texts with the stock ``text-classification`` pipeline: the classifier of a model, and the
``top_k`` labels of each text, truncated at the model's limit with a logged warning. Shared by ``rnnhub predict``
on texts (:func:`rnnhub.sentiment.cli.predict`) and on a file (:mod:`rnnhub.sentiment.predict_file`)."""

from __future__ import annotations

import logging
from collections import Counter

logger = logging.getLogger(__name__)
# The most tokens classified when the tokenizer sets no model_max_length.
DEFAULT_MAX_TOKENS = 512


def check_top_k(top_k: int) -> int:
    """``top_k`` if it is at least 1 (labels shown per text)."""
    if top_k < 1:
        raise ValueError(f"--top-k must be at least 1, got {top_k}.")
    return top_k


def load_classifier(model: str):
    """The stock ``text-classification`` pipeline of ``model`` (a folder, registry short name or Hub id)."""
    from transformers import pipeline

    from rnnhub.publish.hub import (
        resolve,  # importing rnnhub registers its architectures with the Auto classes
    )

    return pipeline("text-classification", model=resolve(model))


def classify(classifier, texts: list[str], top_k: int = 1) -> list[list[dict[str, float | str]]]:
    """The ``top_k`` labels with scores of each (checked) text; texts over the model's limit are truncated there,
    with a logged warning."""
    limit = classifier.tokenizer.model_max_length
    if not isinstance(limit, int) or limit >= 1_000_000:  # transformers' "no limit" sentinel
        limit = DEFAULT_MAX_TOKENS
    # One encoding pass tells which texts the limit cuts (a text with more than one window was cut).
    windows = classifier.tokenizer(
        list(texts), truncation=True, max_length=limit, return_overflowing_tokens=True
    )
    cut = sum(n > 1 for n in Counter(windows["overflow_to_sample_mapping"]).values())
    if cut:
        logger.warning(
            "%d of %d text(s) are longer than the model's limit of %d tokens and were truncated; only their "
            "beginning was classified.",
            cut,
            len(texts),
            limit,
        )
    outputs = classifier(list(texts), top_k=top_k, truncation=True, max_length=limit)
    # With top_k the pipeline returns a list of labels per text; normalise a single dict just in case.
    return [output if isinstance(output, list) else [output] for output in outputs]
