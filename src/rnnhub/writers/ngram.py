"""The writers' baseline: an interpolated, modified Kneser-Ney n-gram model over token ids (characters).

Chen & Goodman (1998), "An empirical study of smoothing techniques", section 3 (interpolated modified KN)::

    p_k(w | h) = (c_k(h w) - D_k(c_k(h w))) / c_k(h .)  +  gamma_k(h) * p_{k-1}(w | h')        (h' = h minus its
    gamma_k(h) = (D_k1 N1(h .) + D_k2 N2(h .) + D_k3+ N3+(h .)) / c_k(h .)                      first token)
    p_0(w) = 1 / V

c_N are the counts of the highest order N; lower orders use continuation counts (c_k(h w) = the number of distinct
tokens seen before ``h w``). D_k1, D_k2, D_k3+ come from the count-of-counts n1..n4 of each order:
``Y = n1 / (n1 + 2 n2)``, ``D1 = 1 - 2Y n2/n1``, ``D2 = 2 - 3Y n3/n2``, ``D3+ = 3 - 4Y n4/n3``. A context never seen
at order k falls through to order k - 1. Every ``p_k(. | h)`` sums to 1 over the V tokens (tested).

Counting is numpy: a k-gram is one int64 key (base V), so V ** order must stay below 2 ** 62 (V = 256: order <= 7).
Sequences are scored and counted on their own: a context never reaches across the start of a sequence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["KneserNey"]


def _gram_keys(sequence: np.ndarray, k: int, base: int) -> np.ndarray:
    """The key of the k-gram ending at each position ``k-1 .. n-1`` of ``sequence``."""
    n = len(sequence) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.zeros(n, dtype=np.int64)
    for offset in range(k):
        keys = keys * base + sequence[offset : offset + n]
    return keys


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at ``queries`` in the sorted ``keys`` (0 where a query is absent)."""
    if len(keys) == 0:
        return np.zeros(len(queries), dtype=values.dtype)
    where = np.clip(np.searchsorted(keys, queries), 0, len(keys) - 1)
    return np.where(keys[where] == queries, values[where], 0)


class _Order:
    """The counts of one order: k-gram keys with their counts, and per context its total and N1 / N2 / N3+."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray, base: int) -> None:
        self.keys, self.counts = keys, counts.astype(np.float64)
        contexts = keys // base
        self.contexts, starts = np.unique(contexts, return_index=True)
        self.totals = np.add.reduceat(self.counts, starts) if len(keys) else np.zeros(0)
        self.n1 = np.add.reduceat((counts == 1).astype(np.float64), starts) if len(keys) else np.zeros(0)
        self.n2 = np.add.reduceat((counts == 2).astype(np.float64), starts) if len(keys) else np.zeros(0)
        self.n3 = np.add.reduceat((counts >= 3).astype(np.float64), starts) if len(keys) else np.zeros(0)
        n = [float(np.sum(counts == c)) for c in (1, 2, 3, 4)]
        if min(n) > 0:
            y = n[0] / (n[0] + 2 * n[1])
            discounts = (1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2])
        else:  # too little data for the estimates (toy texts): plain absolute discounting
            discounts = (0.75, 0.75, 0.75)
        self.d1, self.d2, self.d3 = (min(max(d, 0.05), float(c)) for d, c in zip(discounts, (1, 2, 3)))

    def discount(self, counts: np.ndarray) -> np.ndarray:
        return np.select([counts >= 3, counts == 2, counts == 1], [self.d3, self.d2, self.d1], 0.0)

    def interpolate(self, grams: np.ndarray, lower: np.ndarray, base: int) -> np.ndarray:
        """p_k for the k-gram keys ``grams`` given p_{k-1} of the same positions (``lower``)."""
        if len(self.keys) == 0:
            return lower
        counts = _lookup(self.keys, self.counts, grams)
        contexts = grams // base
        where = np.clip(np.searchsorted(self.contexts, contexts), 0, max(len(self.contexts) - 1, 0))
        seen = (self.contexts[where] == contexts) if len(self.contexts) else np.zeros(len(grams), dtype=bool)
        totals = np.where(seen, self.totals[where] if len(self.totals) else 0.0, 1.0)
        gamma = (self.d1 * self.n1[where] + self.d2 * self.n2[where] + self.d3 * self.n3[where]) / totals
        p = (np.maximum(counts - self.discount(counts), 0.0)) / totals + gamma * lower
        return np.where(seen, p, lower)


class KneserNey:
    """An interpolated modified Kneser-Ney model of ``order`` over token ids ``0 .. vocab_size - 1``."""

    def __init__(self, order: int, vocab_size: int) -> None:
        if order < 1:
            raise ValueError(f"order must be at least 1, got {order}.")
        if vocab_size < 2 or order * math.log2(vocab_size) >= 62:
            raise ValueError(
                f"vocab_size {vocab_size} ** order {order} does not fit the int64 keys; use a lower order."
            )
        self.order, self.vocab_size = order, vocab_size
        self.levels: list[_Order] = []
        self._cache: dict[tuple[int, ...], np.ndarray] = {}

    def fit(self, sequences: Sequence[np.ndarray]) -> KneserNey:
        """Count every order on ``sequences`` (1-D arrays of ids), each counted on its own."""
        sequences = [self._checked(sequence) for sequence in sequences]
        base = self.vocab_size
        grams = [
            np.concatenate([_gram_keys(s, k, base) for s in sequences]) for k in range(1, self.order + 1)
        ]
        self.levels = []
        for k in range(1, self.order + 1):
            if k == self.order:
                keys, counts = np.unique(grams[k - 1], return_counts=True)
            else:  # continuation counts: distinct (k+1)-grams, their first token dropped
                keys, counts = np.unique(np.unique(grams[k]) % base**k, return_counts=True)
            self.levels.append(_Order(keys, counts, base))
        self._cache.clear()
        return self

    def _checked(self, sequence: np.ndarray) -> np.ndarray:
        sequence = np.asarray(sequence, dtype=np.int64)
        if sequence.ndim != 1 or (
            len(sequence) and (sequence.min() < 0 or sequence.max() >= self.vocab_size)
        ):
            raise ValueError(f"sequences must be 1-D arrays of ids in 0..{self.vocab_size - 1}.")
        return sequence

    def _probabilities(self, sequence: np.ndarray) -> np.ndarray:
        """p(token i | the tokens before it in ``sequence``) for i = 1 .. n-1."""
        if not self.levels:
            raise ValueError("The model has no counts yet: call fit() first.")
        n, base = len(sequence), self.vocab_size
        p = np.full(n, 1.0 / base)
        for k, level in enumerate(self.levels, start=1):
            grams = _gram_keys(sequence, k, base)  # the k-gram ending at position k-1 .. n-1
            p[k - 1 :] = level.interpolate(grams, p[k - 1 :], base)
        return p[1:]

    def log2_probs(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """log2 p of every token but the first of each sequence, concatenated."""
        parts = [self._probabilities(self._checked(s)) for s in sequences if len(s) > 1]
        return np.log2(np.concatenate(parts)) if parts else np.empty(0)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """p(. | the last ``order - 1`` ids of ``context``) over all ``vocab_size`` ids."""
        history = tuple(int(i) for i in context)[-(self.order - 1) :] if self.order > 1 else ()
        cached = self._cache.get(history)
        if cached is not None:
            return cached
        base, candidates = self.vocab_size, np.arange(self.vocab_size, dtype=np.int64)
        p = np.full(base, 1.0 / base)
        for k, level in enumerate(self.levels, start=1):
            if k - 1 > len(history):
                break
            prefix = 0
            for token in history[len(history) - (k - 1) :] if k > 1 else ():
                prefix = prefix * base + token
            p = level.interpolate(prefix * base + candidates, p, base)
        if len(self._cache) < 50_000:  # at most ~50k x V floats
            self._cache[history] = p
        return p

    def sample(
        self,
        prompt: Sequence[int],
        max_new_tokens: int,
        rng: np.random.Generator,
        temperature: float = 1.0,
        stop: Callable[[list[int]], bool] | None = None,
        banned: Sequence[int] = (),
    ) -> list[int]:
        """New ids after ``prompt``, sampled from ``p ** (1 / temperature)`` (``banned`` ids never drawn) until
        ``max_new_tokens`` or ``stop(new_ids)`` is true."""
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}.")
        context, new = list(prompt), []
        for _ in range(max_new_tokens):
            p = self.distribution(context) ** (1.0 / temperature)
            if banned:
                p = p.copy()
                p[list(banned)] = 0.0
            token = int(rng.choice(self.vocab_size, p=p / p.sum()))
            context.append(token)
            new.append(token)
            if stop is not None and stop(new):
                break
        return new
