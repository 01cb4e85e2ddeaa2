"""Recipe settings: a frozen dataclass of defaults per corpus, with command-line overrides applied on top; and the
built-in corpus a recipe trains on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import datasets

Settings = TypeVar("Settings")


def with_overrides(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """``base`` with ``overrides`` applied (None values are ignored: an option the user did not give).

    Raises:
        ValueError: an override that is not a field of ``base``; the message lists the known settings.
    """
    chosen = {key: value for key, value in overrides.items() if value is not None}
    known = [field.name for field in fields(base)]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}.")
    return replace(base, **chosen)


def corpus_settings(
    table: Mapping[str, Settings], corpus: str, overrides: Mapping[str, Any], *, recipe: str, hint: str
) -> Settings:
    """``table[corpus]`` with ``overrides`` applied (see :func:`with_overrides`).

    Raises:
        ValueError: a corpus the table has no recipe for (naming ``recipe``, the corpora it has, and ``hint``).
    """
    if corpus not in table:
        raise ValueError(f"No {recipe} recipe for corpus {corpus!r}; available: {', '.join(table)}. {hint}")
    return with_overrides(table[corpus], overrides)


def load_corpus(
    corpus: str, splits: tuple[str, ...] = ("train", "validation", "test")
) -> datasets.DatasetDict:
    """The built-in ``corpus`` (``rnnhub data build``), which must have ``splits``.

    Raises:
        ValueError: a missing split, with the command that rebuilds the corpus.
    """
    from rnnhub import data

    loaded = data.load(corpus)
    missing = [split for split in splits if split not in loaded]
    if missing:
        raise ValueError(
            f"Corpus {corpus!r} lacks the split(s) {', '.join(missing)}; rebuild it with `rnnhub data build {corpus}`."
        )
    return loaded


def fresh_output_dir(output_dir) -> Path:
    """``output_dir`` as a Path, refused when it already holds a model (a recipe never overwrites one)."""
    output_dir = Path(output_dir)
    if (output_dir / "config.json").exists():
        raise ValueError(f"{output_dir} already holds a model; delete it or choose another output folder.")
    return output_dir


def schedule(settings: Any) -> dict[str, Any]:
    """The training schedule every recipe's settings carry, as the engine's keyword arguments."""
    return {
        "epochs": settings.epochs,
        "learning_rate": settings.learning_rate,
        "batch_size": settings.batch_size,
        "early_stopping_patience": settings.patience,
    }


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run with ``threads`` torch CPU threads (None: as set), restoring the previous count afterwards."""
    import torch

    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
