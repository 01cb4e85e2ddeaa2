"""Classification metrics (numpy only, so ``Trainer(compute_metrics=...)`` can use them without scikit-learn).

>>> classification_metrics([0, 1, 1], [0, 1, 0], label_names=["negative", "positive"])["accuracy"]
0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["classification_metrics", "make_compute_metrics"]


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
