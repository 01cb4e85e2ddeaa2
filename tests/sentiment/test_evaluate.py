"""rnnhub.sentiment.evaluate: classification metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as sklearn_metrics

from rnnhub.sentiment.evaluate import classification_metrics, make_compute_metrics

# ----------------------------------------------------------------------------------------------------------------
# Metrics


def test_metrics_three_classes_by_hand():
    # Confusion (rows true, columns predicted): [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    metrics = classification_metrics([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 2], label_names=["a", "b", "c"])
    assert metrics["confusion_matrix"] == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    per_class = metrics["per_class"]
    assert per_class["a"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert per_class["b"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3})
    assert per_class["c"] == pytest.approx({"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1})
    assert metrics["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 1.0) / 3)
    assert metrics["labels"] == ["a", "b", "c"] and metrics["count"] == 6


def test_metrics_class_never_predicted_counts_as_zero():
    metrics = classification_metrics([0, 1], [0, 0], num_labels=2)
    assert metrics["per_class"]["0"] == pytest.approx(
        {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1}
    )
    assert metrics["per_class"]["1"] == pytest.approx(
        {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    )
    assert metrics["macro_f1"] == pytest.approx(1 / 3)


def test_metrics_class_absent_everywhere_still_listed():
    metrics = classification_metrics([0, 0], [0, 0], label_names=["neg", "pos", "neutral"])
    assert metrics["confusion_matrix"] == [[2, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert metrics["per_class"]["neutral"]["support"] == 0
    assert metrics["macro_f1"] == pytest.approx(1 / 3)


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    labels, predictions = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    ours = classification_metrics(labels, predictions, num_labels=4)
    assert ours["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(labels, predictions))
    assert ours["macro_f1"] == pytest.approx(sklearn_metrics.f1_score(labels, predictions, average="macro"))
    precision, recall, _, _ = sklearn_metrics.precision_recall_fscore_support(labels, predictions)
    assert [ours["per_class"][str(i)]["precision"] for i in range(4)] == pytest.approx(precision)
    assert [ours["per_class"][str(i)]["recall"] for i in range(4)] == pytest.approx(recall)
    assert ours["confusion_matrix"] == sklearn_metrics.confusion_matrix(labels, predictions).tolist()


def test_metrics_are_json_serialisable_and_accept_numpy():
    metrics = classification_metrics(np.array([1, 0, 1]), np.array([1.0, 0.0, 0.0]))
    assert json.loads(json.dumps(metrics)) == metrics


@pytest.mark.parametrize(
    ("labels", "predictions", "kwargs", "message"),
    [
        ([0, 1], [0], {}, "differ in length"),
        ([], [], {}, "empty"),
        ([0, 2], [0, 1], {"num_labels": 2}, r"\[0, 2\)"),
        ([0, 1], [0, 1], {"label_names": ["a"], "num_labels": 2}, "label_names has 1"),
        ([[0, 1]], [[0, 1]], {}, "1-d"),
        ([0.5, 1.0], [0, 1], {}, "integer class ids"),
        (["neg", "pos"], [0, 1], {}, "integer class ids"),
    ],
)
def test_metrics_reject_bad_input(labels, predictions, kwargs, message):
    with pytest.raises(ValueError, match=message):
        classification_metrics(labels, predictions, **kwargs)


def test_compute_metrics_for_trainer_gives_flat_floats():
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, -1.0], [0.2, 0.1]])
    compute = make_compute_metrics(["negative", "positive"])
    result = compute((logits, np.array([0, 1, 1, 0])))
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["precision_negative"] == pytest.approx(2 / 3) and result[
        "recall_positive"
    ] == pytest.approx(0.5)
    assert all(isinstance(value, float) for value in result.values())
    # Extra model outputs after the logits (a tuple) are ignored; names default to the class ids.
    assert make_compute_metrics()(((logits, np.zeros(4)), np.array([0, 1, 1, 0])))["f1_1"] == pytest.approx(
        2 / 3
    )
