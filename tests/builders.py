"""The tiny models and data every test builds from, in one place (``conftest.py`` wraps some as fixtures).

Sizes are small and unequal on purpose (a swapped dimension fails). Models are random, never trained here:

* classifiers and causal LMs over a few sentiment words (:func:`make_classifier`, :func:`make_causal_lm`) and
  rows whose label one word gives away (:func:`sentiment_rows`);
* translators (:func:`tiny_translator`, :func:`save_tiny_translator`), default an LSTM with Bahdanau attention;
* a character-level writer (:func:`char_tokenizer`, :func:`save_tiny_writer`) for the demo's Write tab;
* captioners over 16x16 pictures (:func:`tiny_captioner`, :func:`save_tiny_captioner`) and coloured-shape images
  and caption splits (:func:`shape_image`, :func:`caption_splits`);
* :func:`free_port` for the demo servers; :func:`run_without_rnnhub` for scripts that must work where rnnhub
  cannot be imported (``trust_remote_code`` loading), :func:`absolute_import_roots` for what such code imports.
"""

from __future__ import annotations

import ast
import io
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import datasets
import httpx
import numpy as np
import pandas as pd
import torch
from PIL import Image, ImageDraw
from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers
from tokenizers import models as tokenizer_models
from transformers import GenerationConfig, PreTrainedTokenizerFast

from rnnhub.models import (
    RnnHubCaptioningConfig,
    RnnHubConfig,
    RnnHubForCausalLM,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubForSequenceClassification,
    RnnHubSeq2SeqConfig,
)
from rnnhub.tokenization import train_tokenizer


def never_called(*args, **kwargs):
    """Monkeypatch this over what a refused request must not reach (generate, preprocess, a save)."""
    raise AssertionError("a refused request reached this call")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a demo server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A fresh process imports torch, transformers and gradio: ~20 s idle, ~5 min at load 13 on 2 cores.
SERVER_START_TIMEOUT_S = 600


def wait_for_page(url: str, process: subprocess.Popen, output: Callable[[], str]) -> httpx.Response:
    """The first answer of a server ``process`` starting on ``url`` (``output()``: what it printed, for the
    error when it exits first); AssertionError after :data:`SERVER_START_TIMEOUT_S`."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {output()[-3000:]}")
        try:
            return httpx.get(url, timeout=10)
        except httpx.TransportError:
            time.sleep(1)
    raise AssertionError(f"the server did not answer on {url} within {SERVER_START_TIMEOUT_S} s")


def run_without_rnnhub(script: str, args: list[str], tmp_path) -> subprocess.CompletedProcess:
    """``script`` (which starts with ``rnnhub.publish.hub.HIDE_RNNHUB``) in a fresh offline Python without
    PYTHONPATH; must exit 0."""
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf-home"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def absolute_import_roots(path: Path) -> set[str]:
    """The top-level packages a Python file imports anywhere in it (function-level imports too); relative imports
    (its siblings) are not counted. For the checks on code that is copied next to the weights."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots.add((node.module or "").split(".")[0])
    return roots


# ---------------------------------------------------------------------------------------------------------------
# Sentiment: classifiers and causal LMs

POSITIVE = ["great", "good", "fun", "lovely", "superb"]
NEGATIVE = ["bad", "awful", "dull", "boring", "terrible"]
FILLER = ["a", "the", "movie", "film", "plot", "was", "really", "quite"]


def sentiment_rows(n: int, seed: int = 0, labels=("negative", "positive")) -> list[dict]:
    """``n`` rows whose label is given away by one sentiment word (easy to learn in a few steps)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = labels[i % len(labels)]
        words = rng.sample(FILLER, 3) + [rng.choice(POSITIVE if i % 2 else NEGATIVE)]
        rng.shuffle(words)
        rows.append({"review": " ".join(words), "sentiment": label})
    return rows


def sentiment_corpus(rows: int = 48) -> datasets.DatasetDict:
    """:func:`sentiment_rows` as a corpus with a ClassLabel ``label``: half train, the other half both validation
    and test (what the sentiment recipe's ``data=`` takes)."""
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["negative", "positive"])}
    )
    data = sentiment_rows(rows)
    dataset = datasets.Dataset.from_dict(
        {"text": [r["review"] for r in data], "label": [int(r["sentiment"] == "positive") for r in data]},
        features=features,
    )
    half = rows // 2
    return datasets.DatasetDict(
        train=dataset.select(range(half)),
        validation=dataset.select(range(half, rows)),
        test=dataset.select(range(half, rows)),
    )


def write_rows(path: Path, rows: list[dict]) -> Path:
    """``rows`` as a CSV, JSON-lines or parquet file, by ``path``'s suffix."""
    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path, index=False)
    return path


def tokenizer_for_corpus():
    return train_tokenizer([" ".join(POSITIVE + NEGATIVE + FILLER)], kind="word")


def make_classifier(folder: Path, labels=("positive", "negative"), **config) -> Path:
    """A saved random GRU classifier (``config`` overrides its fields) and the sentiment-word tokenizer."""
    torch.manual_seed(0)  # module-scoped fixtures run before conftest's per-test seed
    tokenizer = tokenizer_for_corpus()
    settings = {"vocab_size": len(tokenizer), "embedding_size": 8, "hidden_size": 8, "cell_type": "gru"}
    id2label = dict(enumerate(labels))
    model = RnnHubForSequenceClassification(
        RnnHubConfig(
            **{**settings, **config}, id2label=id2label, label2id={v: k for k, v in id2label.items()}
        )
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_causal_lm(folder: Path) -> Path:
    """A saved random LSTM language model with the sentiment-word tokenizer."""
    torch.manual_seed(0)
    tokenizer = tokenizer_for_corpus()
    model = RnnHubForCausalLM(RnnHubConfig(vocab_size=len(tokenizer), embedding_size=8, hidden_size=8))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------------------------------------------------------
# A character-level writer

WRITER_TEXT = (
    "ROMEO:\nBut soft, what light through yonder window breaks?\nX:1\nT:Tune\nM:6/8\nK:G\ndef fib(n):\n"
)


def char_tokenizer(text: str = WRITER_TEXT) -> PreTrainedTokenizerFast:
    """One token per character of ``text`` (line breaks and spaces kept), ``<bos>`` before each text, decoded by
    joining the characters: a stand-in for the writers' character tokenizer."""
    chars = sorted(set(text))
    vocab = {token: i for i, token in enumerate(["<pad>", "<bos>", "<eos>", "<unk>", *chars])}
    backend = Tokenizer(tokenizer_models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    backend.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", bos_token="<bos>", eos_token="<eos>", unk_token="<unk>"
    )
    from tokenizers.processors import TemplateProcessing

    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", vocab["<bos>"])]
    )
    return tokenizer


def save_tiny_writer(folder: Path) -> Path:
    """A saved random character-level LSTM writer (``RnnHubForCausalLM``, 2 layers, unequal sizes) that never
    writes a special token (``suppress_tokens``), so every generate() call writes exactly the asked length."""
    torch.manual_seed(0)
    tokenizer = char_tokenizer()
    config = RnnHubConfig(
        vocab_size=len(tokenizer),
        embedding_size=6,
        hidden_size=10,
        num_hidden_layers=2,
        architectures=["RnnHubForCausalLM"],
    )
    model = RnnHubForCausalLM(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=1, eos_token_id=2, pad_token_id=0, suppress_tokens=[0, 1, 2, 3]
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------------------------------------------------------
# Translation

PAIRS = [
    ("Ich bin müde.", "I am tired."),
    ("Das Haus ist groß.", "The house is big."),
    ("Guten Morgen!", "Good morning!"),
    ("Wir gehen nach Hause.", "We are going home."),
    ("Das Auto ist rot.", "The car is red."),
    ("Ich bin hier.", "I am here."),
]
GERMAN = [
    "das haus ist klein",
    "ich habe keine zeit",
    "der hund ist gross",
    "the house is small",
    "i have no time",
]


def pair_tokenizer(pairs=PAIRS[:4], vocab_size: int = 80, max_length: int = 12):
    """A small BPE tokenizer over both sides of ``pairs``."""
    texts = [s for pair in pairs for s in pair]
    return train_tokenizer(texts, kind="bpe", vocab_size=vocab_size, model_max_length=max_length)


def tiny_translator(
    tokenizer,
    *,
    cell: str = "lstm",
    attention: str = "bahdanau",
    embedding_size: int = 6,
    hidden_size: int = 10,
    decoder_hidden_size: int = 14,
    attention_size: int | None = 7,
    num_beams: int | None = None,
    max_new_tokens: int = 8,
    **config_fields,
) -> RnnHubForSeq2SeqLM:
    """A random encoder-decoder over ``tokenizer`` (in eval mode); ``num_beams`` sets a full generation config;
    ``config_fields`` go to the config as they are (e.g. ``attention_scaled=True``)."""
    config = RnnHubSeq2SeqConfig(
        vocab_size=len(tokenizer),
        cell_type=cell,
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        decoder_hidden_size=decoder_hidden_size,
        attention_type=attention,
        **({} if attention_size is None else {"attention_size": attention_size}),
        architectures=["RnnHubForSeq2SeqLM"],
        **config_fields,
    )
    model = RnnHubForSeq2SeqLM(config).eval()
    if num_beams is None:
        model.generation_config.max_new_tokens = max_new_tokens
    else:
        model.generation_config = GenerationConfig(
            num_beams=num_beams,
            max_new_tokens=max_new_tokens,
            decoder_start_token_id=1,
            bos_token_id=1,
            eos_token_id=2,
            pad_token_id=0,
        )
    return model


def save_tiny_translator(folder: Path, tokenizer=None, **settings) -> Path:
    """A saved :func:`tiny_translator` (default: word-level over :data:`GERMAN`, LSTM with Bahdanau attention)."""
    tokenizer = tokenizer or train_tokenizer(GERMAN, kind="word", model_max_length=32)
    torch.manual_seed(0)
    model = tiny_translator(tokenizer, **settings)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------------------------------------------------------
# Captioning

COLOURS = {"red": (220, 30, 30), "blue": (30, 30, 220), "green": (30, 160, 30)}
SHAPES = ("square", "circle")
IMAGE_SIZE = 16
TINY_SETTINGS = {
    "encoder_channels": (4, 8),
    "embedding_size": 8,
    "hidden_size": 16,
    "attention_size": 8,
    "batch_size": 8,
    "epochs": 2,
    "patience": 2,
    "max_length": 8,
    "max_shift": 1,
    "learning_rate": 5e-3,
}


def shape_image(
    colour: str, shape: str, offset: int = 0, size: int = IMAGE_SIZE, mode: str = "RGB"
) -> Image.Image:
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    box = (3 + offset, 3 + offset, size - 4 + offset, size - 4 + offset)
    fill = (*COLOURS[colour], 255)
    (draw.rectangle if shape == "square" else draw.ellipse)(box, fill=fill)
    if mode == "RGBA":
        return image
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert(mode)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _split(rows: list[tuple[str, str, int]]) -> datasets.Dataset:
    images, captions, lists = [], [], []
    for colour, shape, offset in rows:
        images.append({"bytes": png_bytes(shape_image(colour, shape, offset)), "path": None})
        name = f"{colour} {shape}"
        captions.append(name)
        lists.append([name, f"a {name}"])
    features = datasets.Features(
        {
            "image": datasets.Image(),
            "caption": datasets.Value("string"),
            "captions": datasets.List(datasets.Value("string")),
        }
    )
    return datasets.Dataset.from_dict(
        {"image": images, "caption": captions, "captions": lists}, features=features
    )


def caption_splits() -> datasets.DatasetDict:
    """train / validation / test / test_variants of coloured shapes (every colour-shape pair, shifted copies)."""
    everything = [(c, s) for c in COLOURS for s in SHAPES]
    return datasets.DatasetDict(
        {
            "train": _split([(c, s, o) for c, s in everything for o in (-1, 0, 1)]),
            "validation": _split([(c, s, 2) for c, s in everything[:3]]),
            "test": _split([(c, s, -2) for c, s in everything[3:]]),
            "test_variants": _split([(c, s, 2) for c, s in everything[2:5]]),
        }
    )


def extra_caption_corpus(size: int = 32) -> datasets.DatasetDict:
    """A second captioning corpus at a larger size, with its own words ("drawing of ...") and a test split of
    unseen pairs (train: circles; validation and test: squares)."""
    features = datasets.Features(
        {
            "image": datasets.Image(),
            "caption": datasets.Value("string"),
            "captions": datasets.List(datasets.Value("string")),
            "source": datasets.Value("string"),
        }
    )

    def split(rows):
        names = [f"drawing of a {c} {s}" for c, s, _ in rows]
        return datasets.Dataset.from_dict(
            {
                "image": [
                    {"bytes": png_bytes(shape_image(c, s, o, size=size)), "path": None} for c, s, o in rows
                ],
                "caption": names,
                "captions": [[n] for n in names],
                "source": ["fixture"] * len(rows),
            },
            features=features,
        )

    colours = list(COLOURS)
    return datasets.DatasetDict(
        {
            "train": split([(c, "circle", o) for c in colours for o in (0, 2)]),
            "validation": split([(colours[0], "square", 1)]),
            "test": split([(c, "square", 0) for c in colours[1:]]),
        }
    )


SHAPE_CAPTIONS = [f"a {c} {s}" for c in COLOURS for s in SHAPES]
EMOJI_CAPTIONS = ["grinning face", "green heart", "weary cat", "thought balloon", "flexed biceps"]


def tiny_captioner(
    captions=SHAPE_CAPTIONS,
    *,
    embedding_size: int = 8,
    hidden_size: int = 12,
    attention_size: int = 6,
    encoder_channels=(4, 6),
    max_length: int = 32,
):
    """(model, image processor, tokenizer): a random captioner over ``captions``: a CNN on 16x16 pictures
    (a 4x4 feature grid after two blocks) and an LSTM decoder, in eval mode, 6 new tokens at most."""
    from rnnhub.captioning.data import make_image_processor, train_caption_tokenizer

    tokenizer = train_caption_tokenizer(captions, max_length=max_length)
    config = RnnHubCaptioningConfig(
        vocab_size=len(tokenizer),
        cell_type="lstm",
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        attention_size=attention_size,
        image_size=IMAGE_SIZE,
        encoder_channels=list(encoder_channels),
        architectures=["RnnHubForImageCaptioning"],
    )
    torch.manual_seed(0)
    model = RnnHubForImageCaptioning(config).eval()
    model.generation_config.max_new_tokens = 6
    model.generation_config.max_length = None
    return model, make_image_processor(IMAGE_SIZE), tokenizer


def save_tiny_captioner(folder: Path) -> Path:
    """A saved :func:`tiny_captioner` over emoji-style captions (model, tokenizer, image processor)."""
    model, image_processor, tokenizer = tiny_captioner(
        EMOJI_CAPTIONS,
        embedding_size=6,
        hidden_size=10,
        attention_size=7,
        encoder_channels=(4, 8),
        max_length=16,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    image_processor.save_pretrained(folder)
    return folder


def noise_png(size: tuple[int, int] = (20, 12)) -> bytes:
    rng = np.random.default_rng(1)
    return png_bytes(Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)))


# ---------------------------------------------------------------------------------------------------------------
# A complete publishable folder (rnnhub publish / verify)

WORDS = ["<pad>", "<bos>", "<eos>", "<unk>", "good", "bad", "movie", "great", "awful"]


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(
        tokenizer_models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="<unk>")
    )
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", bos_token="<bos>", eos_token="<eos>", unk_token="<unk>"
    )


def save_tiny_model(folder: Path) -> Path:
    """A complete published folder: weights + modeling files, tokenizer, generated card."""
    from rnnhub.publish.cards import make_model_card, save_card

    config = RnnHubConfig(
        vocab_size=len(WORDS),
        cell_type="gru",
        embedding_size=4,
        hidden_size=8,
        num_labels=2,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
    )
    model = RnnHubForSequenceClassification(config)
    model.save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    card = make_model_card(
        model_id="rnnhub/tiny-sentiment",
        config=model.config,
        task="text-classification",
        license="apache-2.0",
        language="en",
        datasets=["rnnhub/sentiment-en"],
        metrics=[{"name": "Accuracy", "type": "accuracy", "value": 0.75, "split": "test"}],
        baselines=[{"baseline": "majority class", "type": "accuracy", "value": 0.5, "split": "test"}],
        num_parameters=model.num_parameters(),
    )
    save_card(card, folder)
    return folder
