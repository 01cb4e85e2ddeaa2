"""Model cards: metadata (model-index) round-trips through huggingface_hub, baselines stay out of it, the body
describes the architecture and how to load the model."""

from __future__ import annotations

import pytest
from huggingface_hub import ModelCard

from rnnhub import RnnHubConfig, RnnHubSeq2SeqConfig
from rnnhub.publish.cards import GENERATED_MARKER, make_model_card, save_card

DATASET = {"name": "rnnhub sentiment-en", "type": "rnnhub/sentiment-en"}


def classifier_config() -> RnnHubConfig:
    config = RnnHubConfig(
        vocab_size=100,
        cell_type="lstm",
        embedding_size=16,
        hidden_size=32,
        num_hidden_layers=2,
        num_labels=2,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
    )
    config.architectures = ["RnnHubForSequenceClassification"]
    return config


def card_kwargs(**overrides) -> dict:
    kwargs = dict(
        model_id="rnnhub/lstm-sentiment-en",
        config=classifier_config(),
        task="text-classification",
        license="apache-2.0",
        language="en",
        datasets=["rnnhub/sentiment-en"],
        metrics=[
            {"name": "Accuracy", "type": "accuracy", "value": 0.874, "split": "test", "dataset": DATASET},
            {"name": "Macro F1", "type": "f1", "value": 0.861, "split": "test", "dataset": DATASET},
        ],
        baselines=[
            {
                "baseline": "majority class",
                "type": "accuracy",
                "value": 0.5,
                "split": "test",
                "dataset": DATASET,
            },
            {
                "baseline": "bag of words",
                "type": "accuracy",
                "value": 0.81,
                "split": "test",
                "dataset": DATASET,
            },
        ],
        training={
            "command": "rnnhub train sentiment-en --cell lstm --seed 0",
            "seed": 0,
            "epochs": 5,
            "time": "2 min",
            "hardware": "1 CPU core",
        },
        description="Reads English movie reviews and says whether they are positive.",
        num_parameters=12345,
    )
    kwargs.update(overrides)
    return kwargs


def test_card_round_trips_with_model_index(tmp_path):
    save_card(make_model_card(**card_kwargs()), tmp_path)
    card = ModelCard.load(tmp_path / "README.md")

    data = card.data
    assert data.pipeline_tag == "text-classification"
    assert data.license == "apache-2.0"
    assert data.library_name == "transformers"
    assert data.language == ["en"]
    assert data.datasets == ["rnnhub/sentiment-en"]
    assert data.tags == ["rnnhub", "lstm", "text-classification"]
    assert data.model_name == "rnnhub/lstm-sentiment-en"
    results = [
        (r.task_type, r.dataset_type, r.dataset_split, r.metric_type, r.metric_value)
        for r in data.eval_results
    ]
    assert results == [
        ("text-classification", "rnnhub/sentiment-en", "test", "accuracy", 0.874),
        ("text-classification", "rnnhub/sentiment-en", "test", "f1", 0.861),
    ]
    assert data.eval_results[0].dataset_name == "rnnhub sentiment-en"
    assert data.eval_results[0].metric_name == "Accuracy"


def test_baselines_are_in_the_body_not_in_the_model_index():
    card = make_model_card(**card_kwargs())
    values = [r.metric_value for r in card.data.eval_results]
    assert 0.5 not in values and 0.81 not in values
    header = next(line for line in card.text.splitlines() if line.startswith("| Dataset"))
    assert "This model" in header
    assert "Baseline: majority class" in header and "Baseline: bag of words" in header
    accuracy_row = next(line for line in card.text.splitlines() if "| Accuracy |" in line)
    assert "**0.874**" in accuracy_row and "| 0.5 |" in accuracy_row and "| 0.81 |" in accuracy_row
    f1_row = next(line for line in card.text.splitlines() if "| Macro F1 |" in line)
    assert "–" in f1_row  # no baseline reported F1
    assert "not in the card's `model-index`" in card.text


def test_body_describes_architecture_usage_and_training():
    text = make_model_card(**card_kwargs()).text
    assert GENERATED_MARKER in text
    assert "| Recurrent cell | LSTM |" in text
    assert "| Layers | 2 |" in text
    assert "| Hidden size | 32 |" in text
    assert "| Labels | negative, positive |" in text
    assert "| Parameters | 12,345 |" in text
    assert "import rnnhub" in text
    assert 'AutoModelForSequenceClassification.from_pretrained("rnnhub/lstm-sentiment-en")' in text
    assert (
        'AutoModelForSequenceClassification.from_pretrained("rnnhub/lstm-sentiment-en", trust_remote_code=True)'
        in text
    )
    assert "rnnhub train sentiment-en --cell lstm --seed 0" in text
    assert "- Seed: 0" in text and "- Hardware: 1 CPU core" in text
    assert "## Limitations" in text
    assert "`rnnhub sentiment-en` (test split)" in text


def test_loading_snippet_uses_the_auto_class_of_the_architecture():
    config = RnnHubSeq2SeqConfig(vocab_size=50, embedding_size=8, hidden_size=8, cell_type="gru")
    config.architectures = ["RnnHubForSeq2SeqLM"]
    metric = {"type": "bleu", "value": 12.3, "split": "test", "dataset": "rnnhub/translation-de-en"}
    card = make_model_card(
        **card_kwargs(
            model_id="org/gru-de-en", config=config, task="translation", metrics=[metric], baselines=[]
        )
    )
    assert "AutoModelForSeq2SeqLM" in card.text
    assert "| Attention | bahdanau |" in card.text
    assert "Baseline:" not in card.text
    result = card.data.eval_results[0]
    assert (result.dataset_name, result.dataset_type) == (
        "rnnhub/translation-de-en",
        "rnnhub/translation-de-en",
    )
    assert card.data.tags == ["rnnhub", "gru", "translation"]


def test_metric_without_dataset_uses_the_first_dataset_and_config_may_be_a_dict():
    config = {"architectures": ["RnnHubForCausalLM"], "model_type": "rnnhub-recurrent", "cell_type": "rnn"}
    card = make_model_card(
        **card_kwargs(
            config=config,
            task="text-generation",
            datasets=["rnnhub/lm-text-en"],
            metrics=[{"type": "perplexity", "value": 87.5, "split": "validation"}],
            baselines=[{"baseline": "unigram", "type": "perplexity", "value": 400.0, "split": "validation"}],
        )
    )
    assert card.data.eval_results[0].dataset_type == "rnnhub/lm-text-en"
    assert "AutoModelForCausalLM" in card.text
    assert "vanilla (Elman) RNN" in card.text


def test_samples_and_extra_sections():
    card = make_model_card(
        **card_kwargs(
            samples=[{"text": "a | b", "label": "positive"}, {"text": "awful", "label": "negative"}],
            extra_sections={"Gradient flow": "See the lab notebook."},
        )
    )
    assert "## Samples" in card.text
    assert "| a \\| b | positive |" in card.text  # pipes inside cells are escaped
    assert card.text.rstrip().endswith("## Gradient flow\n\nSee the lab notebook.")


def test_baseline_on_another_split_is_refused():
    baseline = {
        "baseline": "majority",
        "type": "accuracy",
        "value": 0.5,
        "split": "validation",
        "dataset": DATASET,
    }
    with pytest.raises(ValueError, match="same dataset, split and metric"):
        make_model_card(**card_kwargs(baselines=[baseline]))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"metrics": []}, "at least one measured result"),
        ({"metrics": [{"type": "accuracy", "value": 0.9}]}, "lacks split"),
        ({"metrics": [{"type": "accuracy", "value": "high", "split": "test"}]}, "must be a number"),
        (
            {"metrics": [{"type": "accuracy", "value": 0.9, "split": "test"}], "datasets": []},
            "names no dataset",
        ),
        ({"license": ""}, "license is empty"),
        ({"task": " "}, "task is empty"),
    ],
)
def test_malformed_inputs_raise_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_model_card(**card_kwargs(**overrides))


def test_save_card_needs_an_existing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="save the model there first"):
        save_card(make_model_card(**card_kwargs()), tmp_path / "missing")
