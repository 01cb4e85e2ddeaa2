"""Registration with transformers' Auto classes, and of rnnhub's pipelines under their task names.

Two mechanisms, both needed:
* ``AutoX.register(...)`` makes ``AutoModelFor...from_pretrained(folder)`` work in any Python that imported rnnhub;
* ``register_for_auto_class(...)`` makes ``save_pretrained`` copy the modeling files next to the weights and write
  ``auto_map`` into config.json, so ``from_pretrained(folder, trust_remote_code=True)`` works without rnnhub.

The pipelines likewise: ``PIPELINE_REGISTRY.register_pipeline`` (``register_pipelines``) for a Python that
imported rnnhub, and :func:`save_pipeline_code` (what ``Pipeline.save_pretrained`` does, without re-saving the
weights) for ``pipeline(task, model=folder, trust_remote_code=True)`` without rnnhub.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

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


def pipeline_classes() -> dict[str, type]:
    """model_type -> the pipeline class of that model type (registered): translation and captioning."""
    from .captioning.pipeline import ImageCaptioningPipeline
    from .translation.pipeline import TranslationPipeline

    register_pipelines()
    return {"rnnhub-seq2seq": TranslationPipeline, "rnnhub-captioning": ImageCaptioningPipeline}


def custom_pipelines_entry(pipeline_class: type) -> dict[str, dict]:
    """The ``custom_pipelines`` value of config.json for ``pipeline_class``, exactly as ``Pipeline.save_pretrained``
    writes it: ``{task: {"impl": "file.Class", "pt": [Auto class names], "type": ...}}``."""
    entries = {}
    for task, info in pipeline_class._registered_impl.items():
        entry = dict(info)
        entry["impl"] = f"{pipeline_class.__module__.rsplit('.', 1)[-1]}.{pipeline_class.__name__}"
        entry["pt"] = [model_class.__name__ for model_class in info["pt"]]
        entries[task] = entry
    return entries


def pipeline_code_files(pipeline_class: type) -> list[Path]:
    """The files of ``pipeline_class``'s remote code: its module and every sibling it imports (relatively)."""
    import sys

    from transformers.dynamic_module_utils import get_relative_import_files

    module_file = sys.modules[pipeline_class.__module__].__file__
    return [Path(module_file)] + sorted(Path(p) for p in get_relative_import_files(module_file))


def save_pipeline_code(folder: str | os.PathLike[str]) -> list[Path]:
    """Make a saved translation or captioning folder's pipeline load without rnnhub: copy the pipeline's code
    files next to the weights and name it in config.json's ``custom_pipelines`` (other files are left untouched).

    Returns the copied files. Raises ``ValueError`` for a folder without config.json or of a model type that has
    no rnnhub pipeline (a classifier or a language model uses transformers' stock pipelines).
    """
    folder = Path(folder)
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise ValueError(f"{folder} has no config.json; save the model there first (model.save_pretrained).")
    config = json.loads(config_file.read_text(encoding="utf-8"))
    classes = pipeline_classes()
    model_type = config.get("model_type")
    if model_type not in classes:
        raise ValueError(
            f"{folder} holds a {model_type!r} model; rnnhub pipelines exist for {', '.join(sorted(classes))} "
            "(other models use transformers' stock pipelines)."
        )
    pipeline_class = classes[model_type]
    copied = []
    for source in pipeline_code_files(pipeline_class):
        shutil.copyfile(source, folder / source.name)
        copied.append(folder / source.name)
    config["custom_pipelines"] = custom_pipelines_entry(pipeline_class)
    # The layout transformers writes (indent 2, sorted keys), so that only the new key shows in a diff.
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return copied
