"""Load published models for the demo, once each (through :data:`rnnhub.demo.cache.MODELS`), with progress."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from rnnhub.demo.cache import MODELS, ModelCache

__all__ = ["Progress", "load_captioner", "load_classifier", "load_translator", "load_writer", "report"]

# progress(fraction in [0, 1], desc=...): gr.Progress fits, and so does any function with that signature.
Progress = Callable[..., Any]


def report(progress: Progress | None, fraction: float, desc: str) -> None:
    if progress is not None:
        progress(fraction, desc=desc)


def _cached(
    kind: str, source: str, loader: Callable[[], Any], progress: Progress | None, cache: ModelCache | None
) -> Any:
    cache = MODELS if cache is None else cache
    key = (kind, os.path.abspath(source) if os.path.exists(source) else source)
    if not cache.loaded(key):
        report(progress, 0.05, f"loading {os.path.basename(source.rstrip('/')) or source} (first use only)")
    return cache.get(key, loader)


def _model_and_tokenizer(source: str, auto_class: str) -> Callable[[], tuple]:
    """A loader of (model in eval mode, tokenizer) through the transformers Auto class named ``auto_class``."""

    def load() -> tuple:
        import transformers

        from rnnhub.publish.hub import resolve

        path = resolve(source)
        model = getattr(transformers, auto_class).from_pretrained(path)
        model.eval()
        return model, transformers.AutoTokenizer.from_pretrained(path)

    return load


def load_classifier(source: str, progress: Progress | None = None, cache: ModelCache | None = None) -> tuple:
    """(model in eval mode, tokenizer) of a sequence classifier folder or registry name."""
    load = _model_and_tokenizer(source, "AutoModelForSequenceClassification")
    return _cached("classifier", source, load, progress, cache)


def load_translator(source: str, progress: Progress | None = None, cache: ModelCache | None = None) -> tuple:
    """(model, tokenizer) of a translation folder or registry name (``rnnhub.translation.view.load_translator``)."""

    def load() -> tuple:
        from rnnhub.translation.view import load_translator as load_view

        return load_view(source)

    return _cached("translator", source, load, progress, cache)


def load_captioner(source: str, progress: Progress | None = None, cache: ModelCache | None = None) -> tuple:
    """(model, image processor, tokenizer) of a captioning folder (``rnnhub.captioning.view.load_captioner``)."""

    def load() -> tuple:
        from rnnhub.captioning.view import load_captioner as load_view

        return load_view(source)

    return _cached("captioner", source, load, progress, cache)


def load_writer(source: str, progress: Progress | None = None, cache: ModelCache | None = None) -> tuple:
    """(model in eval mode, tokenizer) of a causal language model folder or registry name (the Write tab)."""
    return _cached("writer", source, _model_and_tokenizer(source, "AutoModelForCausalLM"), progress, cache)
