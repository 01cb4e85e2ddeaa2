"""rnnhub's own pipelines, registered with transformers under our task names.

transformers 5 removed ``pipeline("translation")`` and redirects ``image-to-text`` to ``image-text-to-text``, so
our translation and captioning models come with their own: ``pipeline("rnnhub-translation", model=...)`` and
``pipeline("rnnhub-image-captioning", model=...)``. ``import rnnhub`` registers both (``text-classification`` is
stock and needs nothing).
"""

from __future__ import annotations

from .captioning import register as register_captioning
from .translation import register as register_translation


def register_pipelines() -> None:
    """Register every rnnhub pipeline (idempotent)."""
    register_translation()
    register_captioning()


__all__ = ["register_pipelines"]
