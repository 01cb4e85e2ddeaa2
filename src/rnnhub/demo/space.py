"""``rnnhub demo --export-space DIR``: the demo as a Hugging Face Space folder, ready for ``upload_folder``.

The folder holds what a Gradio Space needs at its root: ``README.md`` whose front matter says ``sdk: gradio``,
``sdk_version`` (the gradio installed here, which the Space then installs) and ``app_file: app.py``; ``app.py``, which
builds the same app as ``rnnhub demo`` and serves it where the Space expects (``GRADIO_SERVER_NAME`` /
``GRADIO_SERVER_PORT``); ``requirements.txt`` pinning rnnhub and the libraries that load the weights, torch from
PyTorch's CPU index; ``packages.txt`` (a Debian font, so Chinese tokens are drawn); and ``model_cards/`` with a copy
of every published folder a tab serves, which ``app.py`` puts first on the registry path
(``$RNNHUB_MODELS_DIR``), so the Space runs the very weights that were exported.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from rnnhub import __version__
from rnnhub.demo import catalog
from rnnhub.publish.hub import list_models

__all__ = ["APP", "SPACE_MODELS", "Space", "demo_models", "export_space", "requirements"]

SPACE_MODELS = "model_cards"  # the folder inside the Space that holds the copied model folders
# What the Space pins at the versions installed here (gradio comes from sdk_version, as Spaces install it).
PINNED = ("torch", "transformers", "tokenizers")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

APP = '''"""The rnnhub demo as a Hugging Face Space (written by `rnnhub demo --export-space`).

`python app.py` serves it; on a Space, GRADIO_SERVER_NAME and GRADIO_SERVER_PORT say where. The model folders
next to this file (model_cards/) come first on rnnhub's registry path, so the tabs run the exported weights.
"""

import os
from pathlib import Path

os.environ["RNNHUB_MODELS_DIR"] = str(Path(__file__).resolve().parent / "{models}")

from rnnhub.demo.app import build_demo, launch  # noqa: E402

demo = build_demo()

if __name__ == "__main__":
    launch(
        demo,
        host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    )
'''

README = """---
title: rnnhub demo
emoji: 🔁
colorFrom: green
colorTo: blue
sdk: gradio
sdk_version: {gradio}
python_version: "{python}"
app_file: app.py
pinned: false
license: apache-2.0
short_description: Recurrent networks you can watch (RNN, GRU, LSTM)
---

# rnnhub demo

Vanilla RNN, GRU and LSTM models as Hugging Face models, each tab with what happens inside it: sentiment with
the belief after every token and the gates, translation and captioning with attention, character-level writers,
the memory lab. Exported by `rnnhub demo --export-space` from rnnhub {rnnhub}; the same app as `rnnhub demo`.

Runs on a CPU Space (models load on first use; two requests at a time). `requirements.txt` installs torch from
PyTorch's CPU index, a few hundred MB instead of the multi-GB CUDA build a CPU cannot use.

## Models in this Space (`{models}/`)

| model | task | headline metric (from its card) |
|---|---|---|
{rows}
"""


def demo_models() -> list[catalog.Entry]:
    """The published folders the tabs serve: every cell's sentiment classifier per language, the best translator
    per direction, the best captioner and the best writer of each kind (what :mod:`rnnhub.demo.catalog` picks)."""
    chosen: list[catalog.Entry] = []
    for language in catalog.SENTIMENT_LANGUAGES:
        chosen += catalog.sentiment_models(language).values()
    for direction in catalog.TRANSLATION_DIRECTIONS:
        chosen += catalog.translation_models(direction)[:1]
    chosen += catalog.captioning_models()[:1]
    chosen += catalog.writer_models().values()
    return list({entry.name: entry for entry in chosen}.values())


def _version(package: str) -> str:
    """The installed version without a local build tag ("2.9.1+cpu" -> "2.9.1")."""
    return metadata.version(package).split("+")[0]


def requirements(rnnhub: str | None = None) -> str:
    """requirements.txt: ``rnnhub`` (default ``rnnhub==<installed version>``; a wheel URL or
    ``rnnhub @ git+https://...`` where rnnhub is not on PyPI) and :data:`PINNED` at the installed versions."""
    lines = [
        "# Written by `rnnhub demo --export-space`. gradio is not listed: a Space installs the sdk_version in README.md.",
        "# CPU torch: with PyTorch's CPU index added, pip takes its X.Y.Z+cpu wheel (a local version sorts above the",
        "# PyPI build of the same X.Y.Z), a few hundred MB instead of the CUDA build a CPU Space cannot use.",
        f"--extra-index-url {CPU_INDEX}",
        *(f"{package}=={_version(package)}" for package in PINNED),
        rnnhub or f"rnnhub=={__version__}",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Space:
    """What :func:`export_space` wrote."""

    folder: Path
    models: tuple[str, ...]


def _check_target(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--export-space {folder}: that is a file; give a folder to write the Space into.")
    if folder.is_dir() and any(folder.iterdir()):
        raise ValueError(
            f"--export-space {folder}: the folder is not empty. Give a new or empty folder (the export writes a "
            "whole Space and would mix with what is there)."
        )


def export_space(folder: str | Path, *, rnnhub_requirement: str | None = None) -> Space:
    """Write the Space into ``folder`` (new or empty). ValueError when it is not, or when no model is published."""
    target = Path(folder).expanduser()
    _check_target(target)
    entries = demo_models()
    if not entries:
        raise ValueError(
            "No published model for any tab (see `rnnhub models`): a Space without models would only say so."
        )
    models = target / SPACE_MODELS
    models.mkdir(parents=True)
    for entry in entries:
        shutil.copytree(entry.path, models / entry.name)
    tasks = {info.name: info.task for info in list_models()}
    rows = "\n".join(f"| `{e.name}` | {tasks.get(e.name) or '-'} | {e.metric} |" for e in entries)
    (target / "README.md").write_text(
        README.format(
            gradio=_version("gradio"),
            python=f"{sys.version_info.major}.{sys.version_info.minor}",
            rnnhub=__version__,
            models=SPACE_MODELS,
            rows=rows,
        ),
        encoding="utf-8",
    )
    (target / "app.py").write_text(APP.format(models=SPACE_MODELS), encoding="utf-8")
    (target / "requirements.txt").write_text(requirements(rnnhub_requirement), encoding="utf-8")
    (target / "packages.txt").write_text("fonts-wqy-microhei\n", encoding="utf-8")
    # Weights go through Git LFS when the folder is pushed with git (upload_folder does this by itself).
    (target / ".gitattributes").write_text(
        "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs diff=lfs merge=lfs -text\n",
        encoding="utf-8",
    )
    return Space(target, tuple(entry.name for entry in entries))
