"""``rnnhub data convert``: rewrite a stored translation corpus from ``source``/``target`` columns into the standard
layout (one ``translation`` column of ``{language: text}`` dicts) without its source packages.

The rows, their order and every other column stay as they are; the card keeps its metadata and text, with the
paragraph on the columns replaced by the builder's (``COLUMNS`` of the corpus's builder module). So the result is
what ``rnnhub data build`` writes now from the same source package. The new folder is written beside the old one
and renamed into place (:mod:`rnnhub.engine.output`): a kill leaves the old corpus or the new one, whole.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from pathlib import Path

from rnnhub.data.common import data_dir, read_card_metadata, write_dataset
from rnnhub.data.registry import get_corpus
from rnnhub.data.translation_layout import as_standard, is_standard

__all__ = ["convert_corpus"]

# Fields write_dataset derives from the splits; the rest of the card's metadata is kept.
_DERIVED = ("configs", "dataset_info")
_FRONT_MATTER = re.compile(r"^---\n.*?\n---\n", re.DOTALL)
_COLUMNS_PARAGRAPH = re.compile(r"^Columns: .*?(?=\n\n|\Z)", re.DOTALL | re.MULTILINE)


def _card_body(folder: Path, columns: str) -> str:
    text = (folder / "README.md").read_text(encoding="utf-8")
    body = _FRONT_MATTER.sub("", text, count=1)
    if not _COLUMNS_PARAGRAPH.search(body):
        raise ValueError(f"{folder}/README.md has no paragraph starting 'Columns: ' to rewrite.")
    return _COLUMNS_PARAGRAPH.sub(lambda _: columns, body, count=1)


def convert_corpus(name: str, root: str | os.PathLike[str] | None = None) -> bool:
    """Rewrite ``<root>/<name>`` (default root: ``data/``) in the standard layout; False if it already is.

    Raises:
        ValueError: not a translation corpus, or a card without its columns paragraph.
        FileNotFoundError: the corpus is not built under ``root``.
    """
    from rnnhub.data import load
    from rnnhub.engine.output import move_into_place, staging_dir

    corpus = get_corpus(name)
    if corpus.task != "translation":
        raise ValueError(
            f"{name} is a {corpus.task} corpus; only translation corpora have a standard layout."
        )
    folder = (Path(root) if root is not None else data_dir()) / name
    splits = load(name, root=folder.parent)
    if all(is_standard(split) for split in splits.values()):
        return False
    columns = importlib.import_module(corpus.build.__module__).COLUMNS
    metadata = {key: value for key, value in read_card_metadata(folder).items() if key not in _DERIVED}
    body = _card_body(folder, columns)
    staging = staging_dir(folder)
    shutil.rmtree(staging, ignore_errors=True)
    write_dataset(staging, as_standard(splits, *corpus.languages), metadata, body)
    move_into_place(staging, folder)
    return True
