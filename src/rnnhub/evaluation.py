"""Classification metrics and the TF-IDF + logistic-regression baseline the recurrent classifiers are compared to.

Metrics (numpy only, so ``Trainer(compute_metrics=...)`` can use them without scikit-learn):

>>> classification_metrics([0, 1, 1], [0, 1, 0], label_names=["negative", "positive"])["accuracy"]
0.6666666666666666

Baseline (needs scikit-learn, imported lazily):

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ANALYZERS",
    "DEFAULT_C_GRID",
    "DEFAULT_NGRAM_GRID",
    "classification_metrics",
    "corpus_tfidf_baseline",
    "default_analyzer",
    "make_compute_metrics",
    "run_tfidf_baseline",
    "select_tfidf_settings",
    "tfidf_baseline",
]

ANALYZERS = ("word", "char", "char_wb")
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
# Metrics


def _as_label_array(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-d sequence of class ids, got shape {array.shape}.")
    integral = array.dtype.kind in "iub" or (array.dtype.kind == "f" and bool(np.all(np.mod(array, 1) == 0)))
    if array.size and not integral:
        raise ValueError(f"{name} must hold integer class ids, got {array.dtype} values like {array[:3]}.")
    return array.astype(np.int64)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # A class that is never predicted (or never present) gets precision (recall) 0, the scikit-learn convention.
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=float), where=denominator > 0)


def classification_metrics(
    labels: Sequence[int] | np.ndarray,
    predictions: Sequence[int] | np.ndarray,
    *,
    label_names: Sequence[str] | None = None,
    num_labels: int | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Args:
        labels: true class ids.
        predictions: predicted class ids (take ``logits.argmax(-1)`` first).
        label_names: class names in id order; default ``"0", "1", ...``.
        num_labels: number of classes, when some never occur in ``labels`` or ``predictions``. Defaults to
            ``len(label_names)``, else ``max id + 1``.

    Returns a JSON-serialisable dict: ``accuracy``, ``macro_f1`` (unweighted mean over classes), ``per_class``
    (name -> precision, recall, f1, support), ``confusion_matrix`` (rows: true class, columns: predicted class),
    ``labels`` (the class names) and ``count``. A class never predicted has precision 0; one never present has
    recall 0 (both count in the macro average, as in scikit-learn's ``zero_division=0``).
    """
    y_true = _as_label_array(labels, "labels")
    y_pred = _as_label_array(predictions, "predictions")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"labels ({y_true.size}) and predictions ({y_pred.size}) differ in length.")
    if y_true.size == 0:
        raise ValueError("No examples: labels and predictions are empty.")
    if num_labels is None:
        num_labels = len(label_names) if label_names is not None else int(max(y_true.max(), y_pred.max())) + 1
    if label_names is not None and len(label_names) != num_labels:
        raise ValueError(f"label_names has {len(label_names)} names but num_labels is {num_labels}.")
    low, high = int(min(y_true.min(), y_pred.min())), int(max(y_true.max(), y_pred.max()))
    if low < 0 or high >= num_labels:
        raise ValueError(
            f"Class ids must lie in [0, {num_labels}); got values in [{low}, {high}]. "
            "Pass num_labels or label_names covering every class."
        )
    names = [str(n) for n in label_names] if label_names is not None else [str(i) for i in range(num_labels)]

    confusion = np.zeros((num_labels, num_labels), dtype=np.int64)
    np.add.at(confusion, (y_true, y_pred), 1)
    true_positives = np.diag(confusion).astype(float)
    precision = _safe_divide(true_positives, confusion.sum(axis=0).astype(float))
    recall = _safe_divide(true_positives, confusion.sum(axis=1).astype(float))
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return {
        "accuracy": float(true_positives.sum() / y_true.size),
        "macro_f1": float(f1.mean()),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(confusion[i].sum()),
            }
            for i, name in enumerate(names)
        },
        "confusion_matrix": confusion.tolist(),
        "labels": names,
        "count": int(y_true.size),
    }


def make_compute_metrics(label_names: Sequence[str] | None = None) -> Callable[[Any], dict[str, float]]:
    """A ``compute_metrics`` for ``transformers.Trainer``: logits in, flat float metrics out.

    Trainer logs only scalars, so the result is ``accuracy``, ``macro_f1`` and ``precision_<class>`` /
    ``recall_<class>`` / ``f1_<class>``; call :func:`classification_metrics` for the confusion matrix.
    """

    def compute_metrics(eval_prediction: Any) -> dict[str, float]:
        logits, labels = eval_prediction[0], eval_prediction[1]
        if isinstance(logits, (tuple, list)):
            logits = logits[0]  # models may return extra outputs after the logits
        logits = np.asarray(logits)
        num_labels = logits.shape[-1] if label_names is None else len(label_names)
        metrics = classification_metrics(
            labels, logits.argmax(axis=-1), label_names=label_names, num_labels=num_labels
        )
        flat = {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
        for name, scores in metrics["per_class"].items():
            for key in ("precision", "recall", "f1"):
                flat[f"{key}_{name}"] = scores[key]
        return flat

    return compute_metrics


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


def _fit(
    texts: Sequence[str],
    labels: Sequence[int],
    analyzer: str,
    ngram_range: tuple[int, int],
    C: float,
    seed: int,
):
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
    pipeline = _fit(train_texts, train_labels, analyzer, (low, high), C, seed)
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
        "model": "tfidf-logistic-regression",
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
