"""The interpolated modified Kneser-Ney baseline: proper distributions, scores equal to them, sampling."""

from __future__ import annotations

import numpy as np
import pytest

from rnnhub.writers.ngram import KneserNey

TOY = np.array([1, 4, 5, 6, 4, 5, 7, 4, 5, 6, 6, 5, 4, 2, 1, 7, 7, 4, 2])


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_distribution_sums_to_one_over_the_alphabet(order: int) -> None:
    model = KneserNey(order, vocab_size=9).fit([TOY, TOY[:7]])
    contexts = [[], [4], [4, 5], [8, 8], [1, 4, 5, 6], [3]]  # seen, unseen (8, 3) and longer than the order
    for context in contexts:
        p = model.distribution(context)
        assert p.shape == (9,) and (p > 0).all() and p.sum() == pytest.approx(1.0, abs=1e-12)


def test_scores_are_the_distributions_at_each_position() -> None:
    model = KneserNey(3, vocab_size=9).fit([TOY])
    sequence = np.array([1, 4, 5, 6, 8, 4])
    expected = [np.log2(model.distribution(sequence[:i])[sequence[i]]) for i in range(1, len(sequence))]
    assert model.log2_probs([sequence]) == pytest.approx(expected)
    # the seen continuation "4 5 -> 6" is likelier than an unseen one
    assert model.distribution([4, 5])[6] > model.distribution([4, 5])[8]


def test_discounts_from_count_of_counts_and_errors() -> None:
    rng = np.random.default_rng(0)
    text = rng.integers(0, 6, size=500)
    model = KneserNey(3, vocab_size=6).fit([text])
    top = model.levels[-1]
    n = [np.sum(top.counts == c) for c in (1, 2, 3, 4)]
    assert min(n) > 0  # 500 tokens over 216 trigrams: every count of 1 to 4 occurs
    y = n[0] / (n[0] + 2 * n[1])
    assert top.d1 == pytest.approx(1 - 2 * y * n[1] / n[0])
    assert top.d3 == pytest.approx(3 - 4 * y * n[3] / n[2])
    with pytest.raises(ValueError, match="does not fit"):
        KneserNey(9, vocab_size=256)
    with pytest.raises(ValueError, match="ids in 0..5"):
        model.fit([np.array([0, 6])])
    with pytest.raises(ValueError, match="call fit"):
        KneserNey(2, vocab_size=6).log2_probs([text])


def test_sampling_stops_and_never_draws_banned_ids() -> None:
    model = KneserNey(3, vocab_size=9).fit([TOY])
    rng = np.random.default_rng(1)
    new = model.sample([1, 4], 50, rng, banned=(0, 3, 8), stop=lambda ids: ids[-1] == 2)
    assert new and not set(new) & {0, 3, 8}
    assert len(new) == 50 or new[-1] == 2
    with pytest.raises(ValueError, match="temperature"):
        model.sample([1], 3, rng, temperature=0)
