"""More training corpora for the captioning recipe (``extra_train``): load, check and join them to the main one.

Any corpus with ``image``, ``caption`` and ``captions`` columns and ``train``, ``validation`` and at least one
``test*`` split works. Its train split joins the main corpus' train split; its validation split joins the selection
(early stopping, the length penalty) and each of its test splits is scored on its own, all under the corpus' name::

    {"train": main train + extra trains, "validation": ..., "test": ..., "test_variants": ...,
     "clipart-captions/validation": ..., "clipart-captions/test": ...}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CAPTION_COLUMNS", "combine_corpora", "extra_split_name", "load_extra_corpora"]

CAPTION_COLUMNS = ("image", "caption", "captions")


def extra_split_name(corpus: str, split: str) -> str:
    return f"{corpus}/{split}"


def test_split_names(splits: Any) -> list[str]:
    return [name for name in splits if name.startswith("test")]


def load_extra_corpora(names: Sequence[str], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``{name: splits}`` for each corpus in ``names``: from ``given`` if there, else :func:`rnnhub.data.load`.

    Raises:
        ValueError: a corpus named twice, or one without train/validation/test splits or the caption columns.
    """
    if len(set(names)) != len(names):
        raise ValueError(f"extra_train names a corpus twice: {', '.join(names)}.")
    loaded = {}
    for name in names:
        if given is not None and name in given:
            splits = given[name]
        else:
            from rnnhub import data as corpora

            splits = corpora.load(name)
        missing = [split for split in ("train", "validation") if split not in splits]
        if missing or not test_split_names(splits):
            raise ValueError(
                f"The extra corpus {name!r} needs train, validation and test splits; it has "
                f"{', '.join(splits) or 'none'}. Build it with `rnnhub data build {name}`."
            )
        for split_name in splits:
            absent = [c for c in CAPTION_COLUMNS if c not in splits[split_name].column_names]
            if absent:
                raise ValueError(
                    f"The extra corpus {name!r} [{split_name}] lacks the column(s) {', '.join(absent)}; a captioning "
                    f"corpus needs {', '.join(CAPTION_COLUMNS)} (captions: the list of every caption of the image)."
                )
        loaded[name] = splits
    return loaded


def combine_corpora(
    splits: Mapping[str, Any], extra: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, int]]:
    """The main corpus' ``splits`` with every extra corpus joined (see the module docstring), and the number of
    training images each corpus gave (``{"main": ..., name: ...}``)."""
    combined = dict(splits)
    counts = {"main": len(splits["train"])}
    if not extra:
        return combined, counts
    import datasets

    features = splits["train"].select_columns(list(CAPTION_COLUMNS)).features
    trains = [splits["train"].select_columns(list(CAPTION_COLUMNS))]
    for name, corpus in extra.items():
        trains.append(corpus["train"].select_columns(list(CAPTION_COLUMNS)).cast(features))
        counts[name] = len(corpus["train"])
        for split in ("validation", *test_split_names(corpus)):
            combined[extra_split_name(name, split)] = corpus[split]
    combined["train"] = datasets.concatenate_datasets(trains)
    return combined, counts
