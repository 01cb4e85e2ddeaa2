"""The nearest-neighbour retrieval baseline for captioning: the caption of the most similar training image.

Similarity is the cosine between downsampled images: each image is loaded as RGB on white, shrunk to
``size x size`` (PIL box filter), turned into "ink" (1 - pixel / 255, so the white background is 0 and only the drawing
counts), optionally centred (the image's mean ink subtracted), flattened and L2-normalised. The retrieved caption is
the training image's primary caption. The representation (size, centring) is chosen on the validation split by
exact match, then BLEU; the test splits are only reported, with every metric of :mod:`rnnhub.captioning.metrics`.
``corpus_baseline`` runs it on a committed corpus (``emoji-captions``, ``clipart-captions``) by name, on any of its
splits, and can break a split's scores down by a column (the clip-art corpus' ``source``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnhub.captioning.evaluate import caption_scores
from rnnhub.images import load_image

__all__ = ["NearestNeighbourCaptioner", "corpus_baseline", "image_vectors", "run_nearest_neighbour_baseline"]

SIZES = (8, 16, 32, 64)
DESCRIPTION = (
    "nearest neighbour (cosine on {size}x{size} RGB ink{centred}): caption of the most similar train image"
)


def image_vectors(images: Sequence[Any], *, size: int = 16, centred: bool = False) -> np.ndarray:
    """``(n, size * size * 3)`` unit vectors of ``images`` (see the module docstring)."""
    from PIL import Image

    if size < 1:
        raise ValueError(f"size must be a positive integer, got {size}.")
    rows = []
    for image in images:
        small = load_image(image).resize((size, size), Image.Resampling.BOX)
        ink = 1.0 - np.asarray(small, dtype=np.float32).reshape(-1) / 255.0
        if centred:
            ink = ink - ink.mean()
        rows.append(ink)
    vectors = np.stack(rows)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-8)


@dataclass
class NearestNeighbourCaptioner:
    """Fitted on training images and their captions; ``predict`` returns the neighbour's caption per image."""

    size: int
    centred: bool
    vectors: np.ndarray
    captions: list[str]

    @classmethod
    def fit(
        cls, images: Sequence[Any], captions: Sequence[str], *, size: int = 16, centred: bool = False
    ) -> NearestNeighbourCaptioner:
        if len(images) != len(captions) or not len(images):
            raise ValueError(
                f"Need as many captions as images (and at least one): {len(images)} vs {len(captions)}."
            )
        return cls(size, centred, image_vectors(images, size=size, centred=centred), list(captions))

    def predict(self, images: Sequence[Any]) -> list[str]:
        queries = image_vectors(images, size=self.size, centred=self.centred)
        nearest = np.argmax(queries @ self.vectors.T, axis=1)
        return [self.captions[i] for i in nearest]

    @property
    def description(self) -> str:
        return DESCRIPTION.format(size=self.size, centred=", centred" if self.centred else "")


def run_nearest_neighbour_baseline(
    splits: Any,
    *,
    evaluate: Sequence[str] = ("test", "test_variants"),
    selection_split: str = "validation",
    breakdown: str | None = None,
    keep_predictions: bool = False,
) -> dict[str, Any]:
    """Choose the representation on ``selection_split``, fit on ``train``, score every split in ``evaluate``.

    ``splits``: a mapping of split name to a dataset with ``image``, ``caption`` and ``captions`` columns.
    ``breakdown``: a column (e.g. ``"source"``); where an evaluated split has it, its scores are also given per
    value of that column under ``"metrics_by"``.
    Returns ``{"baseline": description, "settings": {...}, "selection": {...}, "metrics": {split: scores}}``
    (plus ``"metrics_by": {split: {value: scores}}`` with ``breakdown``, and ``"predictions": {split: [caption
    per row]}`` with ``keep_predictions``).
    """
    for name in ("train", selection_split, *evaluate):
        if name not in splits:
            raise ValueError(f"The baseline needs a {name!r} split; available: {', '.join(splits)}.")
    train = splits["train"]
    train_images, train_captions = list(train["image"]), list(train["caption"])
    held_out = {
        name: (list(splits[name]["image"]), list(splits[name]["captions"]))
        for name in {selection_split, *evaluate}
    }

    selection = {}
    for size in SIZES:
        for centred in (False, True):
            model = NearestNeighbourCaptioner.fit(train_images, train_captions, size=size, centred=centred)
            images, references = held_out[selection_split]
            selection[(size, centred)] = (model, caption_scores(model.predict(images), references))
    (size, centred), (best, _) = max(
        selection.items(), key=lambda item: (item[1][1]["exact_match"], item[1][1]["bleu"])
    )
    metrics, metrics_by, kept = {}, {}, {}
    for name in evaluate:
        images, references = held_out[name]
        predictions = kept[name] = best.predict(images)
        metrics[name] = caption_scores(predictions, references)
        if breakdown is not None and breakdown in splits[name].column_names:
            metrics_by[name] = _scores_by(list(splits[name][breakdown]), predictions, references)
    result = {
        "baseline": best.description,
        "settings": {"size": size, "centred": centred},
        "selection": {
            f"{s}x{s}{' centred' if c else ''}": scores for (s, c), (_, scores) in selection.items()
        },
        "metrics": metrics,
    }
    if breakdown is not None:
        result["metrics_by"] = metrics_by
    if keep_predictions:
        result["predictions"] = kept
    return result


def _scores_by(
    values: Sequence[Any], predictions: Sequence[str], references: Sequence[Sequence[str]]
) -> dict[str, dict[str, Any]]:
    """Scores of the rows with each value of a column, values in sorted order, with the row count."""
    scores = {}
    for value in sorted(set(values), key=str):
        rows = [index for index, v in enumerate(values) if v == value]
        scores[str(value)] = {
            "rows": len(rows),
            **caption_scores([predictions[i] for i in rows], [references[i] for i in rows]),
        }
    return scores


def corpus_baseline(
    name: str,
    *,
    evaluate: Sequence[str] | None = None,
    breakdown: str | None = "source",
    root: str | None = None,
) -> dict[str, Any]:
    """The baseline on the committed corpus ``name`` (``rnnhub.data.load``), scored on ``evaluate``.

    ``evaluate``: split names; by default every split but train and validation (emoji: test, test_variants;
    clip art: test). Adds ``"corpus"`` and ``"rows"`` (per split) to the result.
    """
    from rnnhub.data import load

    splits = load(name, root=root)
    if evaluate is None:
        evaluate = [split for split in splits if split not in ("train", "validation")]
    result = run_nearest_neighbour_baseline(splits, evaluate=evaluate, breakdown=breakdown)
    return {"corpus": name, "rows": {split: len(splits[split]) for split in splits}, **result}
