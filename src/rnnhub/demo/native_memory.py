"""Bounds on the native memory of a long-running demo server: oneDNN's primitive cache and glibc's mmap threshold.

Two things made the served demo's resident memory (RSS) rise with traffic, neither of them a Python object:

* **oneDNN's primitive cache.** On the CPU, torch runs ``nn.LSTM``/``nn.GRU``/``nn.RNN`` through oneDNN, which
  plans a kernel (a "primitive") for each new input shape and keeps it in a process-wide cache of 1,024 entries.
  Nearly every new text has a new length, so a server keeps about 0.3-0.5 MB per new (model, length) until 1,024 of
  them are kept. :func:`cap_onednn_cache` caps it at :data:`SERVER_CACHE_CAPACITY`. oneDNN reads
  ``ONEDNN_PRIMITIVE_CACHE_CAPACITY`` once, when it builds its first primitive (torch does not expose oneDNN's
  setter), so this must run before the process's first recurrent forward on the CPU.
* **glibc's dynamic mmap threshold.** Blocks of 128 KiB and more (tensors, images, encoded plots) start out as
  their own ``mmap``, returned to the system on ``free``; but each such free raises the threshold to the block's
  size (up to 32 MiB), after which blocks of that size come from the worker threads' malloc arenas, whose
  high-water mark only grows.
  :func:`fix_mmap_threshold` fixes the threshold at :data:`SERVER_MMAP_THRESHOLD` with ``mallopt`` (what
  ``MALLOC_MMAP_THRESHOLD_`` does when set before start-up).

:func:`bound_native_memory` does both; ``rnnhub.demo.app.launch`` calls it (the demo loads no model before a request
needs one). A value the operator set in the environment wins, and ``RNNHUB_NATIVE_DEFAULTS=1`` keeps oneDNN's and
glibc's defaults (for comparing them: ``bench/demo_memory_maps.py``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = [
    "DEFAULTS_ENV",
    "MMAP_ENV",
    "ONEDNN_ENV",
    "SERVER_CACHE_CAPACITY",
    "SERVER_MMAP_THRESHOLD",
    "bound_native_memory",
    "cap_onednn_cache",
    "fix_mmap_threshold",
]

ONEDNN_ENV = "ONEDNN_PRIMITIVE_CACHE_CAPACITY"
MMAP_ENV = "MALLOC_MMAP_THRESHOLD_"
DEFAULTS_ENV = "RNNHUB_NATIVE_DEFAULTS"
# Enough for the shapes a few requests at a time reuse; a shape evicted costs one rebuild, a few ms on one thread.
SERVER_CACHE_CAPACITY = 64
# glibc's own starting value, kept from then on instead of rising.
SERVER_MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def cap_onednn_cache(capacity: int = SERVER_CACHE_CAPACITY) -> int:
    """Cap oneDNN's primitive cache at ``capacity`` entries unless ``ONEDNN_PRIMITIVE_CACHE_CAPACITY`` is already
    set (the operator's choice wins); returns the capacity in force from now on. No effect in a process that has
    already built a oneDNN primitive (it read the variable then)."""
    if capacity < 0:
        raise ValueError(f"capacity must be 0 (no cache) or more entries, got {capacity}.")
    os.environ.setdefault(ONEDNN_ENV, str(capacity))
    return _whole_number(ONEDNN_ENV, "cache entries", capacity)


def fix_mmap_threshold(threshold: int = SERVER_MMAP_THRESHOLD) -> int | None:
    """Fix glibc's mmap threshold at ``threshold`` bytes unless ``MALLOC_MMAP_THRESHOLD_`` is set (glibc then
    already keeps the operator's value); returns the threshold in force, or None where the C library is not glibc
    (nothing is changed there)."""
    if not 0 < threshold <= 32 * 1024 * 1024:
        raise ValueError(f"threshold must be between 1 byte and 32 MiB (glibc's maximum), got {threshold}.")
    if os.environ.get(MMAP_ENV):
        return _whole_number(MMAP_ENV, "bytes", threshold)
    libc = _glibc()
    if libc is None or libc.mallopt(_M_MMAP_THRESHOLD, threshold) != 1:
        return None
    return threshold


def bound_native_memory() -> dict[str, int | None]:
    """Both bounds (unless ``RNNHUB_NATIVE_DEFAULTS=1``); returns what is in force (None: the library's default)."""
    if os.environ.get(DEFAULTS_ENV) == "1":
        return {"onednn_cache_capacity": None, "mmap_threshold": None}
    return {"onednn_cache_capacity": cap_onednn_cache(), "mmap_threshold": fix_mmap_threshold()}


def _whole_number(name: str, unit: str, example: int) -> int:
    """The environment variable ``name`` as a whole number, or a ValueError that says how to mend it."""
    value = os.environ[name]
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"{name}={value!r} is not a whole number of {unit}; unset it or set e.g. {name}={example}."
        ) from None


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "gnu_get_libc_version"):  # musl, macOS: mallopt's parameters differ or it is absent
        return None
    return libc
