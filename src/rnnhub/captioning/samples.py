"""The card's samples of good and bad outputs, chosen by a written rule instead of by hand.

Rule (:data:`RULE`): on each test split, every image is scored by the CIDEr-D of the model's caption (the saved
default decoding) against its references, idf over that split; images are ranked by that score, ties broken by a
random order drawn with a fixed seed; the :data:`PER_KIND` best, the :data:`PER_KIND` around the median and the
:data:`PER_KIND` worst are shown, with every reference, the model's greedy and beam captions and nearest-neighbour
retrieval's caption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rnnhub.captioning.metrics import cider_per_image

__all__ = ["KINDS", "PER_KIND", "RULE", "SEED", "choose_rows", "sample_rows"]

PER_KIND = 2
SEED = 0
KINDS = ("best", "median", "worst")
RULE = (
    "on each test split, every image is scored by the CIDEr-D of the model's {decoding} caption (idf over that "
    "split's references) and ranked, ties broken by a random order with seed {seed}; the {per_kind} best, the "
    "{per_kind} around the median and the {per_kind} worst are shown"
)


def choose_rows(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    per_kind: int = PER_KIND,
    seed: int = SEED,
) -> list[tuple[int, str, float | None]]:
    """``[(row index, kind, CIDEr-D), ...]``: best first, then median, then worst; no row twice (CIDEr-D None for a
    single image, which has no other images for the idf)."""
    import numpy as np

    if per_kind < 1:
        raise ValueError(f"per_kind must be a positive integer, got {per_kind}.")
    if len(hypotheses) < 2:  # CIDEr needs two images; one image is its own best, median and worst
        return [(index, "best", None) for index in range(len(hypotheses))]
    _, scores = cider_per_image(hypotheses, references)
    tie_break = np.random.default_rng(seed).permutation(len(scores))
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], tie_break[i]))
    middle = max(0, len(ranked) // 2 - per_kind // 2)
    picks = {
        "best": ranked[:per_kind],
        "median": ranked[middle : middle + per_kind],
        "worst": ranked[::-1][:per_kind],
    }
    chosen, seen = [], set()
    for kind in KINDS:
        for index in picks[kind]:
            if index not in seen:
                seen.add(index)
                chosen.append((index, kind, round(scores[index], 1)))
    return chosen


def sample_rows(
    splits: Mapping[str, Any],
    outputs: Mapping[str, Mapping[str, Sequence[str]]],
    retrieval: Mapping[str, Sequence[str]],
    test_names: Sequence[str],
    *,
    ranked_by: str = "greedy",
) -> list[dict[str, Any]]:
    """The sample rows of every split in ``test_names`` (module docstring).

    ``outputs``: ``{split: {"greedy": [...], "beamN": [...]}}`` (the model's captions per row); ``retrieval``:
    ``{split: [...]}`` (the baseline's). Each row: split, index, kind, cider, emoji (empty off the emoji corpus),
    reference, references, greedy, beam, retrieval.
    """
    rows = []
    for name in test_names:
        split = splits[name]
        references = [list(texts) for texts in split["captions"]]
        decoded = outputs[name]
        for index, kind, score in choose_rows(decoded[ranked_by], references):
            row = split[index]
            rows.append(
                {
                    "split": name,
                    "index": index,
                    "kind": kind,
                    "cider": score,
                    "emoji": row.get("emoji", ""),
                    "reference": row["caption"],
                    "references": references[index],
                    "greedy": decoded["greedy"][index],
                    "beam": next(v[index] for k, v in decoded.items() if k != "greedy"),
                    "retrieval": retrieval[name][index] if name in retrieval else None,
                }
            )
    return rows
