"""Bits per character of the LSTM on the same positions as the n-gram, the samples, the validity shares."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnhub.models import RnnHubConfig, RnnHubForCausalLM
from rnnhub.models.constants import BOS_ID, PAD_ID
from rnnhub.writers import measures
from rnnhub.writers.char_tokenizer import train_char_tokenizer
from rnnhub.writers.ngram import KneserNey

TEXTS = ["ROMEO:\nBut soft!\n\nJULIET:\nAy me.\n\n", "ROMEO:\nShe speaks.\n\n"] * 4


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    tokenizer = train_char_tokenizer(TEXTS, min_frequency=1)
    config = RnnHubConfig(vocab_size=len(tokenizer), cell_type="lstm", embedding_size=5, hidden_size=7)
    return RnnHubForCausalLM(config).eval(), tokenizer


def test_segments_are_equal_contiguous_rows() -> None:
    rows = measures.segments(np.arange(11), 3)
    assert rows.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    with pytest.raises(ValueError, match="too short"):
        measures.segments(np.arange(5), 3)


def test_lstm_bits_carry_the_state_across_chunks(tiny) -> None:
    model, tokenizer = tiny
    rows = measures.segments(np.array(tokenizer("".join(TEXTS))["input_ids"]), 2)
    with torch.no_grad():
        logits = model(torch.tensor(rows)).logits[:, :-1]
    targets = torch.tensor(rows)[:, 1:]
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    assert measures.lstm_bits(model, rows, chunk=5) == pytest.approx(float(expected) / math.log(2), rel=1e-5)


def test_choose_ngram_keeps_the_best_validation_order(tiny) -> None:
    _, tokenizer = tiny
    stream = np.array(tokenizer("".join(TEXTS * 3))["input_ids"])
    rows = measures.segments(stream[:200], 2)
    best, scores = measures.choose_ngram(stream, rows, len(tokenizer), orders=(1, 3))
    assert set(scores) == {1, 3} and best.order == min(scores, key=scores.get)


def test_samples_of_both_models_and_their_shares(tiny) -> None:
    model, tokenizer = tiny
    lstm = measures.lstm_samples(model, tokenizer, "ROMEO:\n", 3, 12, 1.0, seed=0, batch_size=2)
    ngram = KneserNey(3, len(tokenizer)).fit([np.array(tokenizer("".join(TEXTS))["input_ids"])])
    drawn = measures.ngram_samples(ngram, tokenizer, "ROMEO:\n", 3, 40, 0.5, seed=0)
    assert len(lstm) == len(drawn) == 3 and all(len(text) <= 12 for text in lstm)
    assert not any("<pad>" in text or "<bos>" in text for text in lstm + drawn)
    judged = measures.judge("plays", "", ["ROMEO:\nHi.\n\nbad\n\nJULIET:\nYo", "JULIET:\nAy.\n\n"])
    share = measures.validity_share(judged)
    assert share == {
        "share": 2 / 3,
        "valid": 2,
        "checked": 3,
        "samples": 2,
        "failures": {"the first line is not SPEAKER:": 1},
    }
    reference = measures.reference_share("programs", ["import os\ndef f():\n    return 1\ndef g(:\n"], 5)
    assert (reference["valid"], reference["checked"]) == (1, 2)
    assert PAD_ID in measures.BANNED and BOS_ID in measures.BANNED
