"""Configs: validation with helpful errors, round trips through save_pretrained and AutoConfig."""

import pytest
from transformers import AutoConfig

import rnnhub  # noqa: F401  (registers the configs)
from rnnhub import RnnHubCaptioningConfig, RnnHubConfig, RnnHubSeq2SeqConfig


@pytest.mark.parametrize(
    "config",
    [
        RnnHubConfig(vocab_size=23, cell_type="gru", bidirectional=True, num_labels=3, pooling="max"),
        RnnHubSeq2SeqConfig(vocab_size=23, cell_type="rnn", attention_type="luong", decoder_hidden_size=9),
        RnnHubCaptioningConfig(vocab_size=23, image_size=32, encoder_channels=[4, 8]),
    ],
    ids=["recurrent", "seq2seq", "captioning"],
)
def test_round_trip_through_auto_config(config, tmp_path):
    config.save_pretrained(tmp_path)
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert type(loaded) is type(config)
    assert loaded.to_diff_dict() == config.to_diff_dict()
    assert loaded.model_type.startswith("rnnhub-")


def test_model_types_are_namespaced_and_distinct():
    types = {RnnHubConfig.model_type, RnnHubSeq2SeqConfig.model_type, RnnHubCaptioningConfig.model_type}
    assert types == {"rnnhub-recurrent", "rnnhub-seq2seq", "rnnhub-captioning"}


def test_defaults_that_other_fields_derive_from():
    config = RnnHubSeq2SeqConfig(hidden_size=12, num_hidden_layers=3)
    assert config.decoder_hidden_size == 12 and config.decoder_num_hidden_layers == 3
    assert config.attention_size == 12
    assert config.memory_size == 24  # bidirectional encoder by default
    assert RnnHubCaptioningConfig(image_size=64, encoder_channels=[8, 16, 32]).feature_grid_size == 8


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RnnHubConfig(cell_type="transformer"), "cell_type='transformer'.*'rnn', 'gru', 'lstm'"),
        (lambda: RnnHubConfig(pooling="attention"), "pooling.*'last', 'mean', 'max', 'concat'"),
        (lambda: RnnHubConfig(bigram_buckets=-1), "bigram_buckets must be 0"),
        (lambda: RnnHubConfig(hidden_size=0), "hidden_size must be a positive integer"),
        (lambda: RnnHubConfig(num_hidden_layers=1.5), "num_hidden_layers must be a positive integer"),
        (lambda: RnnHubConfig(dropout=1.0), r"dropout must be a number in \[0, 1\)"),
        (lambda: RnnHubConfig(cell_type="lstm", nonlinearity="relu"), "only applies to cell_type='rnn'"),
        (lambda: RnnHubConfig(nonlinearity="gelu", cell_type="rnn"), "'tanh', 'relu'"),
        (lambda: RnnHubConfig(vocab_size=10, pad_token_id=10), "outside the vocabulary"),
        (lambda: RnnHubSeq2SeqConfig(attention_type="dot"), "'bahdanau', 'luong', 'none'"),
        (lambda: RnnHubCaptioningConfig(image_size=30, encoder_channels=[4, 8]), "divisible by 2"),
        (lambda: RnnHubCaptioningConfig(encoder_channels=[]), "at least one conv block"),
    ],
)
def test_invalid_values_name_the_allowed_ones(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_relu_rnn_is_allowed():
    assert RnnHubConfig(cell_type="rnn", nonlinearity="relu").nonlinearity == "relu"


def test_a_config_saved_before_bigram_buckets_existed_has_none(tmp_path):
    import json

    RnnHubConfig(vocab_size=23).save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    del saved["bigram_buckets"]  # as in every config.json published before the option
    (tmp_path / "config.json").write_text(json.dumps(saved))
    assert AutoConfig.from_pretrained(tmp_path).bigram_buckets == 0
