"""Perceptual hashes for finding near-copies of a picture, so that a corpus never splits them apart.

``dhash`` is the difference hash (Krawetz, "Kind of Like That", 2013): the greyscale image shrunk to
``(bits + 1) x bits`` pixels, one bit per horizontally adjacent pair (1 where the left pixel is brighter).
It ignores scale, small shifts of brightness and re-encoding; two drawings whose hashes differ in few bits
look alike at a glance. ``near_pairs`` lists every pair within a Hamming distance, ``hamming_histogram`` the
distance of each picture to its nearest other one (what a threshold is chosen from).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["dhash", "hamming", "hamming_histogram", "near_pairs"]

HASH_BITS = 8  # an 8 x 8 = 64-bit hash


def dhash(image: PILImage.Image, bits: int = HASH_BITS) -> int:
    """The ``bits * bits``-bit difference hash of ``image`` as an int (row-major, first pixel = highest bit)."""
    from PIL import Image

    if bits < 2:
        raise ValueError(f"bits must be at least 2, got {bits}")
    small = np.asarray(
        image.convert("L").resize((bits + 1, bits), Image.Resampling.LANCZOS), dtype=np.int16
    )  # (bits, bits + 1)
    value = 0
    for bit in (small[:, :-1] > small[:, 1:]).reshape(-1):
        value = (value << 1) | int(bit)
    return value


def hamming(a: int, b: int) -> int:
    """How many bits two hashes differ in."""
    return (a ^ b).bit_count()


def near_pairs(hashes: Sequence[int], threshold: int) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, whose hashes differ in at most ``threshold`` bits."""
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    pairs: list[tuple[int, int]] = []
    # Row blocks keep memory at block x n bytes for corpora of any size.
    block = 1024
    values = list(hashes)
    for start in range(0, len(values), block):
        rows = _distances_block(values, start, min(start + block, len(values)))
        for i, j in zip(*np.nonzero(rows <= threshold)):
            if start + i < j:
                pairs.append((start + int(i), int(j)))
    return pairs


def _distances_block(hashes: Sequence[int], start: int, stop: int) -> np.ndarray:
    """``(stop - start, n)`` Hamming distances (uint8) of hashes ``start:stop`` to every hash."""
    if any(not 0 <= h < 2**64 for h in hashes[start:stop]):
        raise ValueError("near-duplicate search takes hashes of at most 64 bits (dhash with bits=8)")
    values = np.asarray(hashes, dtype=np.uint64)
    return np.bitwise_count(values[start:stop, None] ^ values[None, :]).astype(np.uint8)


def hamming_histogram(hashes: Sequence[int], limit: int = 16) -> dict[int, int]:
    """``{d: pictures whose nearest other picture is d bits away}`` for d up to ``limit`` (farther ones omitted)."""
    if len(hashes) < 2:
        return {}
    nearest = []
    block = 1024
    values = list(hashes)
    for start in range(0, len(values), block):
        rows = _distances_block(values, start, min(start + block, len(values))).astype(np.int16)
        rows[np.arange(len(rows)), np.arange(start, start + len(rows))] = 999  # not itself
        nearest.extend(rows.min(axis=1).tolist())
    counts = np.bincount(np.minimum(nearest, limit + 1), minlength=limit + 2)
    return {d: int(counts[d]) for d in range(limit + 1)}
