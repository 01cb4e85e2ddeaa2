"""Load each model once, on first use, however many requests ask for it at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ModelCache", "MODELS"]


class ModelCache:
    """A thread-safe ``key -> loaded object`` store: the first caller of a key runs its loader, concurrent callers
    of the same key wait for that one load, callers of other keys are not blocked. A loader that raises leaves
    nothing behind, so the next call tries again."""

    def __init__(self) -> None:
        self._items: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()  # protects the two dicts, never held while loading

    def get(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        """The object stored under ``key``, loading it with ``loader()`` if this is the first request."""
        with self._guard:
            if key in self._items:
                return self._items[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._items:  # another thread finished the load while we waited
                    return self._items[key]
            value = loader()
            with self._guard:
                self._items[key] = value
            return value

    def loaded(self, key: Hashable) -> bool:
        with self._guard:
            return key in self._items

    def clear(self) -> None:
        with self._guard:
            self._items.clear()
            self._locks.clear()

    def __len__(self) -> int:
        with self._guard:
            return len(self._items)


# The process-wide cache the app uses.
MODELS = ModelCache()
