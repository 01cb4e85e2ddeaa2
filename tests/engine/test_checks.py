"""rnnhub.engine.checks: the one num_beams check, positive integers and choices."""

import pytest

from rnnhub.engine.checks import check_choice, check_num_beams, check_positive_int


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
