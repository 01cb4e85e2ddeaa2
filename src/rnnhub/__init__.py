"""rnnhub: vanilla RNN, GRU and LSTM as Hugging Face transformers models.

Importing rnnhub registers its configs and models with transformers' Auto classes, so stock
``AutoModelForSequenceClassification.from_pretrained(folder)`` (and friends) load rnnhub folders, and registers
the ``rnnhub-translation`` and ``rnnhub-image-captioning`` pipelines.

One exception: the ``rnnhub`` console command (:mod:`rnnhub_cli`) asks this module to defer that work (it
imports torch and transformers, seconds of start-up) so that ``rnnhub --help`` answers at once;
:func:`rnnhub.cli.main` registers before any subcommand runs, and the first attribute looked up here (a model
class, ``__all__``) completes the import.
"""

from __future__ import annotations

import sys
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .auto import register_auto_classes as register_auto_classes
    from .auto import register_pipelines as register_pipelines
    from .models import *  # noqa: F403


def _complete_import() -> None:
    """Import the models into this namespace and register them with transformers (idempotent)."""
    from . import models
    from .auto import register_auto_classes, register_pipelines

    names = {name: getattr(models, name) for name in models.__all__}
    names.update(register_auto_classes=register_auto_classes, register_pipelines=register_pipelines)
    globals().update(names)
    globals()["__all__"] = [*names, "__version__"]
    register_auto_classes()
    register_pipelines()


def __getattr__(name: str) -> Any:
    # Reached only for names not defined yet, i.e. while the console command has deferred the import. A
    # submodule's name (``from rnnhub import hub``) is left to the import system, which then imports just it.
    submodule = PathFinder.find_spec(name, __path__) is not None  # noqa: F405 (__path__: this package's)
    if (name.startswith("__") and name != "__all__") or submodule:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _complete_import()
    try:
        return globals()[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


if not getattr(sys.modules.get("rnnhub_cli"), "DEFERRING", False):
    _complete_import()
