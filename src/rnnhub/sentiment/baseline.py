"""The TF-IDF + logistic-regression baseline the recurrent classifiers are compared to (scikit-learn, imported
lazily; the metrics are :mod:`rnnhub.sentiment.evaluate`'s):

* :func:`fit_tfidf` fits the scikit-learn pipeline of one setting (also the distillation teacher's,
  :func:`rnnhub.sentiment.distill.tfidf_teacher_probabilities`);
* :func:`tfidf_baseline` fits one setting on the training split and scores it on one evaluation split;
* :func:`select_tfidf_settings` tries a small grid (:data:`DEFAULT_C_GRID` x n-gram ranges) on the VALIDATION split
  and returns the setting with the best macro-F1. It takes no test data at all, so the test split cannot leak into
  the choice;
* :func:`run_tfidf_baseline` does both, then refits the chosen setting on the training split alone (the same data
  the recurrent models train on) and reports it on the test split.

Everything is deterministic: TF-IDF has no randomness, and the logistic regression uses the lbfgs solver (exact,
no shuffling) with ``random_state=seed`` for good measure.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnhub.sentiment.evaluate import classification_metrics

__all__ = [
    "ANALYZERS",
    "DEFAULT_C_GRID",
    "DEFAULT_NGRAM_GRID",
    "MODEL_NAME",
    "corpus_tfidf_baseline",
    "default_analyzer",
    "fit_tfidf",
    "run_tfidf_baseline",
    "select_tfidf_settings",
    "tfidf_baseline",
]

ANALYZERS = ("word", "char", "char_wb")
MODEL_NAME = (
    "tfidf-logistic-regression"  # how reports name this model (the baseline's, a distillation teacher's)
)
# Inverse regularisation strengths a factor of 4 apart, from "strongly smoothed" to "nearly unregularised" (sparse
# n-gram features on ~10k short texts want weak regularisation; the grid reaches past where validation peaks).
DEFAULT_C_GRID: tuple[float, ...] = (0.25, 1.0, 4.0, 16.0, 64.0)
# Word n-grams up to 3 catch short negations ("not good"); Chinese has no spaces, so character 1-3-grams stand in
# for words (most Chinese words are 1-2 characters long).
DEFAULT_NGRAM_GRID: dict[str, tuple[tuple[int, int], ...]] = {
    "word": ((1, 1), (1, 2), (1, 3)),
    "char": ((1, 2), (1, 3)),
    "char_wb": ((2, 4), (2, 5)),
}
# Word tokens: runs of word characters, single characters included (the scikit-learn default drops "a", "I", "2").
_WORD_PATTERN = r"(?u)\b\w+\b"


# ----------------------------------------------------------------------------------------------------------------
# TF-IDF + logistic regression


def _check_split(texts: Sequence[str], labels: Sequence[int], name: str) -> None:
    if isinstance(texts, str):
        raise ValueError(f"{name} texts must be a list of strings, not one string.")
    if len(texts) != len(labels):
        raise ValueError(f"{name}: {len(texts)} texts but {len(labels)} labels; they must pair up.")
    if len(texts) == 0:
        raise ValueError(f"{name} split is empty; the baseline needs examples to fit and score.")


def _check_settings(analyzer: str, ngram_range: tuple[int, int], C: float) -> tuple[int, int]:
    if analyzer not in ANALYZERS:
        raise ValueError(f"analyzer={analyzer!r}; choose one of {', '.join(ANALYZERS)}.")
    low, high = (int(n) for n in ngram_range)
    if not 1 <= low <= high:
        raise ValueError(f"ngram_range={tuple(ngram_range)} must be (low, high) with 1 <= low <= high.")
    if not C > 0:
        raise ValueError(f"C must be positive (inverse regularisation strength), got {C}.")
    return low, high


def fit_tfidf(
    texts: Sequence[str],
    labels: Sequence[int],
    analyzer: str,
    ngram_range: tuple[int, int],
    C: float,
    seed: int,
):
    """TF-IDF (``analyzer`` n-grams in ``ngram_range``, lowercased, sublinear counts) + L2 logistic regression
    with inverse strength ``C``, fitted on ``texts``; a scikit-learn pipeline (``predict``, ``predict_proba``)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        lowercase=True,
        sublinear_tf=True,  # a word said five times is not five times the evidence
        token_pattern=_WORD_PATTERN if analyzer == "word" else None,
        dtype=np.float64,
    )
    classifier = LogisticRegression(C=C, solver="lbfgs", max_iter=2000, random_state=seed)
    return make_pipeline(vectorizer, classifier).fit(list(texts), np.asarray(labels))


def tfidf_baseline(
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    eval_texts: Sequence[str],
    eval_labels: Sequence[int],
    *,
    analyzer: str = "word",
    ngram_range: tuple[int, int] = (1, 2),
    C: float = 1.0,
    seed: int = 0,
    label_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Fit TF-IDF + logistic regression on the training texts and score it on the evaluation texts.

    Args:
        analyzer: ``"word"`` (English), ``"char"`` (Chinese: character n-grams) or ``"char_wb"``.
        ngram_range: ``(low, high)`` n-gram lengths, in words or characters.
        C: inverse L2 regularisation strength of the logistic regression.
        seed: ``random_state`` of the classifier (lbfgs is deterministic anyway).
        label_names: class names in id order, for the per-class metrics.

    Returns ``{"metrics": classification_metrics(...), "settings": {...}}``; settings hold every choice that
    affects the result, so the number can be reproduced.
    """
    _check_split(train_texts, train_labels, "train")
    _check_split(eval_texts, eval_labels, "eval")
    low, high = _check_settings(analyzer, ngram_range, C)
    num_labels = (
        len(label_names) if label_names is not None else int(max(max(train_labels), max(eval_labels))) + 1
    )
    if len(set(np.asarray(train_labels).tolist())) < 2:
        raise ValueError("The training labels hold a single class; a classifier needs at least two.")
    pipeline = fit_tfidf(train_texts, train_labels, analyzer, (low, high), C, seed)
    predictions = pipeline.predict(list(eval_texts))
    settings = {
        "analyzer": analyzer,
        "ngram_range": [low, high],
        "C": float(C),
        "seed": int(seed),
        "lowercase": True,
        "sublinear_tf": True,
        "solver": "lbfgs",
        "vocabulary_size": len(pipeline[0].vocabulary_),
    }
    metrics = classification_metrics(eval_labels, predictions, label_names=label_names, num_labels=num_labels)
    return {"metrics": metrics, "settings": settings}


def select_tfidf_settings(
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    validation_texts: Sequence[str],
    validation_labels: Sequence[int],
    *,
    analyzer: str = "word",
    ngram_grid: Sequence[tuple[int, int]] | None = None,
    C_grid: Sequence[float] = DEFAULT_C_GRID,
    seed: int = 0,
    label_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Grid-search n-gram range x C on the validation split; the best macro-F1 wins.

    Ties go to the earlier grid entry (shorter n-grams, then smaller C: the simpler model). This function never
    receives test data, so the choice cannot depend on it.

    Returns ``{"best": {"settings", "metrics"}, "grid": [{"ngram_range", "C", "accuracy", "macro_f1"}, ...]}``
    with validation metrics throughout.
    """
    if ngram_grid is None:
        if analyzer not in DEFAULT_NGRAM_GRID:
            raise ValueError(f"analyzer={analyzer!r}; choose one of {', '.join(ANALYZERS)}.")
        ngram_grid = DEFAULT_NGRAM_GRID[analyzer]
    if not ngram_grid or not C_grid:
        raise ValueError("The grid is empty: give at least one n-gram range and one C.")
    best: dict[str, Any] | None = None
    grid = []
    for ngram_range, C in itertools.product(ngram_grid, C_grid):
        run = tfidf_baseline(
            train_texts,
            train_labels,
            validation_texts,
            validation_labels,
            analyzer=analyzer,
            ngram_range=ngram_range,
            C=C,
            seed=seed,
            label_names=label_names,
        )
        score = run["metrics"]["macro_f1"]
        grid.append(
            {
                "ngram_range": run["settings"]["ngram_range"],
                "C": run["settings"]["C"],
                "accuracy": run["metrics"]["accuracy"],
                "macro_f1": score,
            }
        )
        if best is None or score > best["metrics"]["macro_f1"]:  # strict: ties keep the earlier entry
            best = run
    return {"best": best, "grid": grid}


def run_tfidf_baseline(
    train: tuple[Sequence[str], Sequence[int]],
    validation: tuple[Sequence[str], Sequence[int]],
    test: tuple[Sequence[str], Sequence[int]],
    *,
    analyzer: str = "word",
    ngram_grid: Sequence[tuple[int, int]] | None = None,
    C_grid: Sequence[float] = DEFAULT_C_GRID,
    seed: int = 0,
    label_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Choose settings on validation (:func:`select_tfidf_settings`), then refit on train and score on test.

    Each split is a ``(texts, labels)`` pair. The refit uses the training split only, like the recurrent models,
    so both are compared on equal data. Returns ``{"settings", "validation", "test", "grid"}`` (metrics dicts).
    """
    selection = select_tfidf_settings(
        *train,
        *validation,
        analyzer=analyzer,
        ngram_grid=ngram_grid,
        C_grid=C_grid,
        seed=seed,
        label_names=label_names,
    )
    chosen = selection["best"]["settings"]
    final = tfidf_baseline(
        *train,
        *test,
        analyzer=chosen["analyzer"],
        ngram_range=tuple(chosen["ngram_range"]),
        C=chosen["C"],
        seed=seed,
        label_names=label_names,
    )
    return {
        "settings": final["settings"],
        "validation": selection["best"]["metrics"],
        "test": final["metrics"],
        "grid": selection["grid"],
    }


# ----------------------------------------------------------------------------------------------------------------
# The baseline on a built-in corpus


def _package_versions() -> dict[str, str]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import rnnhub

    versions = {"python": platform.python_version(), "rnnhub": rnnhub.__version__}
    for package in ("scikit-learn", "numpy", "scipy", "datasets"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _split_digests(folder: Path, splits: Sequence[str]) -> dict[str, str]:
    """sha256 of each split's parquet file: proof that a later comparison used the very same split."""
    digests = {}
    for split in splits:
        path = folder / f"{split}.parquet"
        if path.is_file():
            digests[split] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def default_analyzer(languages: Sequence[str]) -> str:
    """``"char"`` for languages written without spaces between words (Chinese, Japanese), else ``"word"``."""
    return "char" if any(lang in ("zh", "ja") for lang in languages) else "word"


def corpus_tfidf_baseline(
    name: str,
    *,
    report_split: str = "test",
    analyzer: str | None = None,
    seed: int = 0,
    root: str | None = None,
) -> dict[str, Any]:
    """:func:`run_tfidf_baseline` on a built-in text-classification corpus (``rnnhub.data.load(name)``).

    Settings are chosen on ``validation``, the model is fit on ``train`` and reported on ``report_split``
    (``"test"`` by default). ``analyzer=None`` picks character n-grams for Chinese, word n-grams otherwise.
    The result adds the dataset name, split names, sizes and sha256 digests, label names and package versions.
    """
    from rnnhub.data import data_dir, get_corpus, load

    if report_split == "train":
        raise ValueError("Reporting on the training split says nothing; use --split test (or validation).")
    corpus = get_corpus(name)
    if corpus.task != "text-classification":
        raise ValueError(
            f"{name!r} is a {corpus.task} corpus; the TF-IDF baseline needs text-classification."
        )
    splits = load(name, root=root)
    missing = [s for s in ("train", "validation", report_split) if s not in splits]
    if missing:
        raise ValueError(f"{name!r} lacks the split(s) {', '.join(missing)}; it has {', '.join(splits)}.")
    feature = splits["train"].features["label"]
    label_names = list(feature.names) if hasattr(feature, "names") else None
    analyzer = analyzer or default_analyzer(corpus.languages)

    def pair(split: str) -> tuple[list[str], list[int]]:
        return list(splits[split]["text"]), list(splits[split]["label"])

    result = run_tfidf_baseline(
        pair("train"),
        pair("validation"),
        pair(report_split),
        analyzer=analyzer,
        seed=seed,
        label_names=label_names,
    )
    # Keep the report-split key honest when it is not "test".
    result[report_split] = result.pop("test")
    return {
        "dataset": name,
        "model": MODEL_NAME,
        "selection_split": "validation",
        "fit_split": "train",
        "report_split": report_split,
        "split_sizes": {split: len(splits[split]) for split in ("train", "validation", report_split)},
        "split_sha256": _split_digests(
            Path(root or data_dir()) / name, ("train", "validation", report_split)
        ),
        "labels": label_names,
        **result,
        "versions": _package_versions(),
    }
