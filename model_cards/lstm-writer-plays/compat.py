"""What differs between the transformers versions rnnhub supports, in one place.

* ``generate()`` keeps the cache in its model kwargs under ``"cache"`` from transformers 5.24 on and under
  ``"past_key_values"`` before; :data:`GENERATE_CACHE_KEY` is the installed version's name, so beam search's
  reordering works on both.
* a forward pass accepts the cache under either name (:func:`cache_argument`).
"""

from __future__ import annotations

from transformers.generation import utils as generation_utils

from .cache import RecurrentCache

GENERATE_CACHE_KEY = generation_utils.ALL_CACHE_NAMES[0]
CACHE_ARGUMENT_NAMES = ("cache", "past_key_values")


def cache_argument(cache, kwargs) -> RecurrentCache | None:
    """Accept the cache under its current name (``cache``) or the older one (``past_key_values``, taken out of
    ``kwargs``).

    Raises:
        ValueError: a cache that is not a :class:`RecurrentCache`.
    """
    if cache is None:
        cache = kwargs.pop("past_key_values", None)
    if cache is not None and not isinstance(cache, RecurrentCache):
        raise ValueError(
            f"rnnhub models carry their recurrent state in a RecurrentCache, got {type(cache).__name__}. "
            "Pass the `cache` returned by a previous call, or None."
        )
    return cache
