"""rnnhub.engine.checks: the one num_beams check, the generation limits, positive integers and choices."""

import pytest

from rnnhub.engine import checks
from rnnhub.engine.checks import check_choice, check_max_new_tokens, check_num_beams, check_positive_int


def test_good_values_pass_through():
    assert check_num_beams(1) == 1 and check_positive_int("batch_size", 8) == 8
    assert check_choice("cell_type", "gru", ("rnn", "gru", "lstm")) == "gru"


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3", None])
def test_num_beams_must_be_a_positive_integer(value):
    with pytest.raises(ValueError, match=f"num_beams must be a positive integer, got {value!r}"):
        check_num_beams(value)


def test_a_choice_names_what_is_allowed():
    with pytest.raises(ValueError, match="cell_type must be one of rnn, gru, lstm, got 'transformer'"):
        check_choice("cell_type", "transformer", ("rnn", "gru", "lstm"))


class _Model:
    """Just what the limits read: a generation config with a max_new_tokens."""

    def __init__(self, max_new_tokens=None):
        self.generation_config = type("Generation", (), {"max_new_tokens": max_new_tokens})()


class _Tokenizer:
    model_max_length = 30


def test_num_beams_beyond_the_limit_is_refused_with_how_to_raise_it(monkeypatch):
    monkeypatch.delenv(checks.MAX_NUM_BEAMS_ENV, raising=False)
    assert check_num_beams(checks.DEFAULT_MAX_NUM_BEAMS) == 16
    with pytest.raises(
        ValueError, match="num_beams=17 is above the limit of 16 beams.*max_num_beams=.*RNNHUB_MAX"
    ):
        check_num_beams(17)
    assert check_num_beams(40, limit=64) == 40
    monkeypatch.setenv(checks.MAX_NUM_BEAMS_ENV, "32")
    assert check_num_beams(32) == 32
    with pytest.raises(ValueError, match="limit of 32 beams"):
        check_num_beams(33)
    monkeypatch.setenv(checks.MAX_NUM_BEAMS_ENV, "lots")
    with pytest.raises(ValueError, match="RNNHUB_MAX_NUM_BEAMS must be a positive integer, got 'lots'"):
        check_num_beams(2)


def test_max_new_tokens_limit_is_a_multiple_of_the_model_length(monkeypatch):
    monkeypatch.delenv(checks.MAX_NEW_TOKENS_ENV, raising=False)
    # The generation config's max_new_tokens first, then the tokenizer's model_max_length, then the default.
    assert checks.max_new_tokens_limit(_Model(7), _Tokenizer()) == 28
    assert checks.max_new_tokens_limit(_Model(None), _Tokenizer()) == 120
    assert checks.max_new_tokens_limit(_Model(None)) == 4 * checks.DEFAULT_MODEL_LENGTH
    assert check_max_new_tokens(28, _Model(7)) == 28
    with pytest.raises(
        ValueError, match="max_new_tokens=29 is above this model's limit of 28 tokens.*RNNHUB_MAX"
    ):
        check_max_new_tokens(29, _Model(7))
    with pytest.raises(ValueError, match="max_new_tokens must be a positive integer, got 0"):
        check_max_new_tokens(0, _Model(7))
    assert check_max_new_tokens(1000, _Model(7), limit=1000) == 1000
    monkeypatch.setenv(checks.MAX_NEW_TOKENS_ENV, "50")
    assert check_max_new_tokens(50, _Model(7)) == 50


def test_only_one_returned_sequence_is_allowed():
    assert checks.check_num_return_sequences(1) == 1
    with pytest.raises(ValueError, match="num_return_sequences=3 is not supported"):
        checks.check_num_return_sequences(3)
