"""Registration with transformers' Auto classes, and of rnnhub's pipelines under their task names.

Two mechanisms, both needed:
* ``AutoX.register(...)`` makes ``AutoModelFor...from_pretrained(folder)`` work in any Python that imported rnnhub;
* ``register_for_auto_class(...)`` makes ``save_pretrained`` copy the modeling files next to the weights and write
  ``auto_map`` into config.json, so ``from_pretrained(folder, trust_remote_code=True)`` works without rnnhub.
"""

from __future__ import annotations

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForImageTextToText,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
)

from .models import (
    RnnHubCaptioningConfig,
    RnnHubConfig,
    RnnHubForCausalLM,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubForSequenceClassification,
    RnnHubModel,
    RnnHubSeq2SeqConfig,
)

# (config class, model class, auto class) — the auto class a saved folder of that model names in its auto_map.
AUTO_MODELS = (
    (RnnHubConfig, RnnHubModel, AutoModel),
    (RnnHubConfig, RnnHubForSequenceClassification, AutoModelForSequenceClassification),
    (RnnHubConfig, RnnHubForCausalLM, AutoModelForCausalLM),
    (RnnHubSeq2SeqConfig, RnnHubForSeq2SeqLM, AutoModelForSeq2SeqLM),
    (RnnHubCaptioningConfig, RnnHubForImageCaptioning, AutoModelForImageTextToText),
)


def register_auto_classes() -> None:
    """Idempotent: safe to call again (e.g. after importlib.reload)."""
    for config_class in (RnnHubConfig, RnnHubSeq2SeqConfig, RnnHubCaptioningConfig):
        AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
        config_class.register_for_auto_class()
    for config_class, model_class, auto_class in AUTO_MODELS:
        auto_class.register(config_class, model_class, exist_ok=True)
        model_class.register_for_auto_class(auto_class.__name__)


def register_pipelines() -> None:
    """Register the ``rnnhub-translation`` and ``rnnhub-image-captioning`` pipelines (idempotent).

    transformers 5 removed ``pipeline("translation")`` and redirects ``image-to-text`` to ``image-text-to-text``,
    so our translation and captioning models come with their own task names (``text-classification`` is stock).
    """
    from .captioning.pipeline import register as register_captioning
    from .translation.pipeline import register as register_translation

    register_translation()
    register_captioning()
