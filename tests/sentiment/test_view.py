"""sentiment_trace on tiny random models: the last step is the model's prediction, steps are prefix readings."""

from __future__ import annotations

import json

import pytest
import torch

from rnnhub.models import RnnHubConfig, RnnHubForSequenceClassification
from rnnhub.models.recurrent import GATE_NAMES
from rnnhub.sentiment.view import DEFAULT_MAX_TOKENS, sentiment_trace
from rnnhub.tokenization import train_tokenizer

TEXT = "a truly good film , not bad at all"
CORPUS = [TEXT, "a bad film", "not good", "really awful plot", "good good good", "这个 产品 很好"]


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(CORPUS, kind="word", model_max_length=16)


def _model(tokenizer, cell_type="lstm", pooling="last", bidirectional=False, layers=1, **extra):
    config = RnnHubConfig(
        vocab_size=len(tokenizer),
        cell_type=cell_type,
        embedding_size=8,
        hidden_size=6,
        num_hidden_layers=layers,
        bidirectional=bidirectional,
        pooling=pooling,
        num_labels=extra.pop("num_labels", 2),
        id2label=extra.pop("id2label", {0: "negative", 1: "positive"}),
        label2id=extra.pop("label2id", {"negative": 0, "positive": 1}),
        initializer_range=1.0,  # large random weights: probabilities move visibly from token to token
        **extra,
    )
    return RnnHubForSequenceClassification(config).eval()


def _forward_probabilities(model, tokenizer, texts_or_ids):
    """The model's normal (fused) forward pass, softmaxed."""
    if isinstance(texts_or_ids, str):
        inputs = tokenizer(texts_or_ids, return_tensors="pt")
    else:
        ids = torch.tensor([texts_or_ids])
        inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    with torch.no_grad():
        return torch.softmax(model(**inputs).logits, dim=-1)[0]


CASES = [
    (cell, pooling, bidirectional, layers)
    for cell in ("rnn", "gru", "lstm")
    for pooling in ("last", "mean", "max", "concat")
    for bidirectional, layers in ((False, 1), (True, 2))
]


@pytest.mark.parametrize(("cell_type", "pooling", "bidirectional", "layers"), CASES)
def test_last_step_is_the_full_forward_and_steps_are_prefix_readings(
    tokenizer, cell_type, pooling, bidirectional, layers
):
    model = _model(tokenizer, cell_type, pooling, bidirectional, layers)
    trace = sentiment_trace(model, tokenizer, TEXT)
    full = _forward_probabilities(model, tokenizer, TEXT)
    torch.testing.assert_close(torch.tensor(trace["probabilities"][-1]), full, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.tensor(trace["prediction"]["probabilities"]), full, atol=1e-5, rtol=0)
    assert trace["prediction"]["label_id"] == int(full.argmax())
    assert trace["prediction"]["label"] == ["negative", "positive"][int(full.argmax())]
    # Every step is what the model predicts having read only that prefix.
    for t in range(trace["num_tokens"]):
        prefix = _forward_probabilities(model, tokenizer, trace["token_ids"][: t + 1])
        torch.testing.assert_close(torch.tensor(trace["probabilities"][t]), prefix, atol=1e-5, rtol=0)
    assert trace["step_predictions"] == [
        ["negative", "positive"][int(torch.tensor(p).argmax())] for p in trace["probabilities"]
    ]
    assert trace["pooling"] == pooling and trace["bidirectional"] == bidirectional
    assert ("re-run" in trace["step_definition"]) == bidirectional


def test_probabilities_move_between_tokens(tokenizer):
    trace = sentiment_trace(_model(tokenizer), tokenizer, TEXT)
    positives = [p[1] for p in trace["probabilities"]]
    assert max(positives) - min(positives) > 1e-3  # a trace that is constant would plot nothing
    assert all(sum(p) == pytest.approx(1.0) for p in trace["probabilities"])


def test_tokens_are_the_tokenizers_with_specials_marked(tokenizer):
    trace = sentiment_trace(_model(tokenizer), tokenizer, TEXT)
    ids = tokenizer(TEXT)["input_ids"]
    assert trace["token_ids"] == ids and trace["num_tokens"] == len(ids)
    assert trace["tokens"] == tokenizer.convert_ids_to_tokens(ids)
    assert trace["tokens"][-1] == "<eos>" and trace["special"] == [False] * (len(ids) - 1) + [True]
    assert trace["labels"] == ["negative", "positive"]
    assert len(trace["probabilities"]) == len(ids) and all(len(p) == 2 for p in trace["probabilities"])
    assert trace["truncated"] is False


@pytest.mark.parametrize("cell_type", ["gru", "lstm"])
@pytest.mark.parametrize(("bidirectional", "layers"), [(False, 1), (False, 2), (True, 2)])
def test_gates_are_the_top_layer_forward_direction(tokenizer, cell_type, bidirectional, layers):
    model = _model(tokenizer, cell_type, bidirectional=bidirectional, layers=layers)
    trace = sentiment_trace(model, tokenizer, TEXT)
    assert list(trace["gates"]) == list(GATE_NAMES[cell_type])
    ids = torch.tensor([trace["token_ids"]])
    with torch.no_grad():
        reference = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_gates=True).gates
    top_forward = (layers - 1) * (2 if bidirectional else 1)
    for name, values in trace["gates"].items():
        assert len(values) == trace["num_tokens"] and all(len(row) == 6 for row in values)
        torch.testing.assert_close(torch.tensor(values), reference[name][top_forward, 0], atol=1e-6, rtol=0)
        summary = torch.tensor(trace["gate_summary"][name])
        torch.testing.assert_close(summary, torch.tensor(values).mean(dim=-1), atol=1e-6, rtol=0)
    # The final hidden "gate" is the state the last-pooling classifier reads (unidirectional).
    if not bidirectional:
        with torch.no_grad():
            logits = model.classifier(torch.tensor(trace["gates"]["hidden"][-1]))
        torch.testing.assert_close(
            torch.softmax(logits, -1), torch.tensor(trace["prediction"]["probabilities"]), atol=1e-5, rtol=0
        )
    assert ("depend on later tokens" in trace["gates_note"]) == (bidirectional and layers > 1)


def test_vanilla_rnn_has_no_gates(tokenizer):
    trace = sentiment_trace(_model(tokenizer, "rnn"), tokenizer, TEXT)
    assert trace["gates"] == {} and trace["gate_summary"] == {} and trace["gates_note"] == ""
    assert trace["cell_type"] == "rnn"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_refused(tokenizer, text):
    with pytest.raises(ValueError, match="empty text"):
        sentiment_trace(_model(tokenizer), tokenizer, text)


def test_non_string_is_refused(tokenizer):
    with pytest.raises(ValueError, match="must be a string"):
        sentiment_trace(_model(tokenizer), tokenizer, ["a", "list"])


@pytest.mark.parametrize("bidirectional", [False, True])
def test_huge_text_is_truncated_not_crashed(tokenizer, bidirectional):
    model = _model(tokenizer, "lstm", "mean", bidirectional)
    text = "good film " * 20_000
    trace = sentiment_trace(model, tokenizer, text)
    assert trace["truncated"] is True and trace["num_tokens"] == tokenizer.model_max_length == 16
    assert trace["tokens"][-1] == "<eos>"  # truncation keeps the special tokens, as truncation=True does
    truncated_ids = tokenizer(text, truncation=True)["input_ids"]
    assert trace["token_ids"] == truncated_ids
    full = _forward_probabilities(model, tokenizer, truncated_ids)
    torch.testing.assert_close(torch.tensor(trace["probabilities"][-1]), full, atol=1e-5, rtol=0)


def test_text_of_exactly_max_length_is_not_flagged(tokenizer):
    text = " ".join(["good"] * 15)  # 15 words + <eos> = 16 tokens
    trace = sentiment_trace(_model(tokenizer), tokenizer, text)
    assert trace["num_tokens"] == 16 and trace["truncated"] is False


def test_max_length_override_and_tokenizer_without_limit(tokenizer):
    model = _model(tokenizer, "gru")
    short = sentiment_trace(model, tokenizer, TEXT, max_length=4)
    assert short["num_tokens"] == 4 and short["truncated"] is True
    unlimited = train_tokenizer(CORPUS, kind="word", model_max_length=int(1e30))
    trace = sentiment_trace(model, unlimited, "good " * (DEFAULT_MAX_TOKENS + 50))
    assert trace["num_tokens"] == DEFAULT_MAX_TOKENS and trace["truncated"] is True
    with pytest.raises(ValueError, match="at least 1"):
        sentiment_trace(model, tokenizer, TEXT, max_length=0)


def test_trace_is_json_serialisable_plain_python(tokenizer):
    trace = sentiment_trace(_model(tokenizer, "lstm", "max"), tokenizer, "这个产品很好")
    assert json.loads(json.dumps(trace)) == trace
    assert trace["tokens"][:2] == ["这", "个"]  # CJK characters are tokens of their own
    assert isinstance(trace["probabilities"][0][0], float) and isinstance(trace["token_ids"][0], int)


def test_training_mode_is_restored_and_dropout_is_off(tokenizer):
    model = _model(tokenizer, "lstm", dropout=0.5, embedding_dropout=0.5).train()
    first = sentiment_trace(model, tokenizer, TEXT)
    assert model.training
    assert sentiment_trace(model, tokenizer, TEXT)["probabilities"] == first["probabilities"]


def test_regression_model_is_refused(tokenizer):
    with pytest.raises(ValueError, match="num_labels=1"):
        sentiment_trace(
            _model(tokenizer, num_labels=1, id2label={0: "score"}, label2id={"score": 0}), tokenizer, TEXT
        )
