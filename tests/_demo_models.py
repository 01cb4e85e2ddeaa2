"""Tiny random translation and captioning folders for the demo tests (saved with save_pretrained, like the
published ones, so the demo's loaders read them through the stock Auto classes)."""

from __future__ import annotations

from pathlib import Path

import torch

from rnnhub.models import (
    RnnHubCaptioningConfig,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubSeq2SeqConfig,
)
from rnnhub.tokenization import train_tokenizer

GERMAN = [
    "das haus ist klein",
    "ich habe keine zeit",
    "der hund ist gross",
    "the house is small",
    "i have no time",
]
CAPTIONS = ["grinning face", "green heart", "weary cat", "thought balloon", "flexed biceps"]


def save_tiny_translator(folder: Path) -> Path:
    """An untrained word-level LSTM encoder-decoder with Bahdanau attention (sizes unequal on purpose)."""
    tokenizer = train_tokenizer(GERMAN, kind="word", model_max_length=32)
    torch.manual_seed(0)
    config = RnnHubSeq2SeqConfig(
        vocab_size=len(tokenizer),
        cell_type="lstm",
        embedding_size=6,
        hidden_size=10,
        decoder_hidden_size=14,
        attention_type="bahdanau",
        attention_size=7,
    )
    model = RnnHubForSeq2SeqLM(config)
    model.generation_config.max_new_tokens = 8
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_captioner(folder: Path) -> Path:
    """An untrained captioner: a 2-block CNN on 16x16 pictures (a 4x4 feature grid) and an LSTM decoder."""
    from rnnhub.captioning_data import make_image_processor

    tokenizer = train_tokenizer(CAPTIONS, kind="word", model_max_length=16)
    torch.manual_seed(0)
    config = RnnHubCaptioningConfig(
        vocab_size=len(tokenizer),
        cell_type="lstm",
        embedding_size=6,
        hidden_size=10,
        attention_size=7,
        image_size=16,
        encoder_channels=(4, 8),
    )
    model = RnnHubForImageCaptioning(config)
    model.generation_config.max_new_tokens = 6
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    make_image_processor(16).save_pretrained(folder)
    return folder
