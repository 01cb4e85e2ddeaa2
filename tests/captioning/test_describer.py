"""Issue 18's describer settings: augmentation, the residual CNN, the vocabulary, beam length penalty, extra corpora."""

import json
import random

import datasets
import pytest
import torch
from huggingface_hub import ModelCard
from transformers import AutoModelForImageTextToText, GenerationConfig

import rnnhub  # noqa: F401
from builders import TINY_SETTINGS, caption_splits, extra_caption_corpus, shape_image
from rnnhub.captioning.augment import Augmentation, augment, may_flip
from rnnhub.captioning.corpora import combine_corpora, load_extra_corpora
from rnnhub.captioning.data import CaptionPairs, make_image_processor, train_caption_tokenizer
from rnnhub.captioning.recipe import settings_with, train_captioning
from rnnhub.models import RnnHubCaptioningConfig, RnnHubForImageCaptioning

EXTRA = "tiny-clipart"


def _half_white(size: int = 8) -> torch.Tensor:
    """A (3, size, size) image in [0, 1]: left half a dark red drawing, right half white background."""
    image = torch.ones(3, size, size)
    image[:, :, : size // 2] = torch.tensor([0.6, 0.1, 0.1])[:, None, None]
    return image


# ------------------------------------------------------------------------------------------------ augmentation


def test_no_augmentation_leaves_the_image_alone_and_bad_strengths_are_refused():
    image = _half_white()
    assert not Augmentation().active
    assert torch.equal(augment(image, Augmentation(), random.Random(0)), image)
    for bad in ({"scale": 1.5}, {"flip": -0.1}, {"max_shift": -1}, {"colour_jitter": 1.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Augmentation(**bad)


def test_background_repaints_only_the_white_pixels():
    image = _half_white()
    out = augment(image, Augmentation(background=0.999), random.Random(3))
    assert torch.equal(out[:, :, :4], image[:, :, :4])  # the drawing is untouched
    colours = out[:, :, 4:].reshape(3, -1).T.unique(dim=0)
    assert len(colours) == 1 and not torch.allclose(colours[0], torch.ones(3))  # one new, non-white colour


def test_flips_only_where_the_captions_allow():
    assert may_flip(["grinning face", "a cat"]) and not may_flip(["a cat", "right arrow"])
    assert not may_flip(["flag: France"]) and not may_flip(["arrows in a COUNTERCLOCKWISE circle"])
    assert may_flip(["bright star"])  # "right" inside a word is no direction
    image = _half_white()
    flipped = augment(image, Augmentation(flip=0.999), random.Random(0))
    assert torch.equal(flipped, image.flip(-1))
    kept = augment(image, Augmentation(flip=0.999), random.Random(0), flippable=False)
    assert torch.equal(kept, image)


def test_zoom_and_jitter_change_the_image_within_range():
    image = _half_white(16)
    rng = random.Random(1)
    zoomed = augment(image, Augmentation(scale=0.5), rng)
    jittered = augment(image, Augmentation(colour_jitter=0.5), rng)
    for out in (zoomed, jittered):
        assert out.shape == image.shape and not torch.equal(out, image)
        assert out.min() >= 0.0 and out.max() <= 1.0
    # Zooming about the centre keeps a white corner white (the fill is the background).
    assert torch.allclose(zoomed[:, 0, -1], torch.ones(3))


def test_caption_pairs_augment_per_example_and_never_flip_a_direction():
    tokenizer = train_caption_tokenizer(["red square", "left arrow"])
    processor = make_image_processor(16)
    pixels = processor([shape_image("red", "square", 2)] * 2, return_tensors="pt")["pixel_values"]
    pairs = CaptionPairs(
        pixels,
        [["red square"], ["left arrow"]],
        tokenizer,
        8,
        augmentation=Augmentation(flip=0.999),
        image_processor=processor,
        seed=0,
    )
    assert pairs.flippable == [True, False]
    torch.testing.assert_close(pairs[0]["pixel_values"], pixels[0].flip(-1))
    torch.testing.assert_close(pairs[1]["pixel_values"], pixels[1])


# ------------------------------------------------------------------------------------------------ the encoder


@pytest.mark.parametrize("norm", ["batch", "group"])
def test_residual_encoder_gives_the_grid_and_trains(norm):
    config = RnnHubCaptioningConfig(
        vocab_size=11,
        image_size=32,
        encoder_channels=[4, 6, 12],
        encoder_block="residual",
        encoder_norm=norm,
        encoder_dropout=0.2,
        hidden_size=10,
        embedding_size=6,
        attention_size=5,
    )
    model = RnnHubForImageCaptioning(config)
    pixels = torch.randn(3, 3, 32, 32)
    grid = model.encoder(pixels).last_hidden_state
    assert grid.shape == (3, config.feature_grid_size**2, 12) and config.feature_grid_size == 4
    loss = model(pixel_values=pixels, labels=torch.tensor([[5, 6, 2], [7, 2, -100], [8, 9, 2]])).loss
    loss.backward()
    assert all(p.grad is not None for p in model.encoder.parameters())
    model.eval()  # no dropout; a caption does not depend on the rest of the batch
    with torch.no_grad():
        alone, together = model.encoder(pixels[:1]).last_hidden_state, model.encoder(pixels).last_hidden_state
    torch.testing.assert_close(alone, together[:1])


def test_a_config_without_the_new_fields_builds_the_first_published_cnn():
    old = RnnHubCaptioningConfig(vocab_size=9, image_size=16, encoder_channels=[4, 8])
    assert (old.encoder_block, old.encoder_norm, old.encoder_dropout) == ("plain", "batch", 0.0)
    keys = {k for k in RnnHubForImageCaptioning(old).state_dict() if k.startswith("encoder.")}
    assert keys == {f"encoder.cnn.blocks.{i}.{p}" for i in (0, 4) for p in ("weight", "bias")} | {
        f"encoder.cnn.blocks.{i}.{p}"
        for i in (1, 5)
        for p in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    }
    with pytest.raises(ValueError, match="encoder_block"):
        RnnHubCaptioningConfig(encoder_block="dense")
    with pytest.raises(ValueError, match="encoder_norm"):
        RnnHubCaptioningConfig(encoder_norm="layer")
    with pytest.raises(ValueError, match="encoder_dropout"):
        RnnHubCaptioningConfig(encoder_dropout=1.0)


# ------------------------------------------------------------------------------------------------ settings


def test_bad_settings_are_refused_with_what_is_allowed():
    with pytest.raises(ValueError, match="tokenizer"):
        settings_with(tokenizer="char")
    with pytest.raises(ValueError, match="length_penalties"):
        settings_with(length_penalties=())
    with pytest.raises(ValueError, match="divisible"):
        settings_with(image_size=100, encoder_channels=(8, 16, 32))
    with pytest.raises(ValueError, match="flip"):
        settings_with(flip=2.0)
    assert settings_with(extra_train="clipart-captions").extra_train == ("clipart-captions",)
    assert settings_with(length_penalties=[0, 1]).length_penalties == (0, 1)


def test_the_bpe_vocabulary_spells_unseen_words_from_pieces():
    texts = ["smiling face with heart-eyes", "grinning face", "cat face with tears of joy"]
    word = train_caption_tokenizer(texts, min_frequency=2)
    assert word.unk_token_id in word("smiling cat")["input_ids"]  # seen once: <unk>
    bpe = train_caption_tokenizer(texts, kind="bpe", bpe_vocab_size=60)
    ids = bpe("smiling cat")["input_ids"]
    assert bpe.unk_token_id not in ids and bpe.decode(ids, skip_special_tokens=True) == "smiling cat"
    with pytest.raises(ValueError, match="kind"):
        train_caption_tokenizer(texts, kind="char")


# ------------------------------------------------------------------------------------------------ extra corpora


def test_extra_corpora_are_checked():
    with pytest.raises(ValueError, match="needs train, validation and test"):
        load_extra_corpora([EXTRA], {EXTRA: datasets.DatasetDict({"train": extra_caption_corpus()["train"]})})
    broken = extra_caption_corpus()
    broken["test"] = broken["test"].remove_columns("captions")
    with pytest.raises(ValueError, match="lacks the column"):
        load_extra_corpora([EXTRA], {EXTRA: broken})
    with pytest.raises(ValueError, match="twice"):
        load_extra_corpora([EXTRA, EXTRA], {EXTRA: extra_caption_corpus()})


def test_combining_joins_train_and_names_the_extra_splits():
    splits, counts = combine_corpora(caption_splits(), {EXTRA: extra_caption_corpus()})
    assert counts == {"main": 18, EXTRA: 6} and len(splits["train"]) == 24
    assert {f"{EXTRA}/validation", f"{EXTRA}/test"} <= set(splits) and "test_variants" in splits
    assert splits["train"].column_names == ["image", "caption", "captions"]


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    folder = tmp_path_factory.mktemp("describer") / "tiny-describer"
    settings = {
        **TINY_SETTINGS,
        "encoder_block": "residual",
        "encoder_dropout": 0.1,
        "scale": 0.1,
        "colour_jitter": 0.2,
        "background": 0.3,
        "flip": 0.5,
        "min_frequency": 2,
    }
    report = train_captioning(
        output_dir=folder,
        data=caption_splits(),
        extra_data={EXTRA: extra_caption_corpus()},
        extra_train=[EXTRA],
        length_penalties=(0.0, 2.0),
        max_train_minutes=5.0,
        seed=0,
        **settings,
    )
    return folder, report


def test_extra_corpus_test_splits_are_scored_on_their_own_next_to_the_baseline(combined):
    folder, report = combined
    saved = json.loads((folder / "eval_report.json").read_text())
    for split in ("test", "test_variants", f"{EXTRA}/test", f"{EXTRA}/validation"):
        assert set(saved["metrics"][split]) == {"greedy", "beam3"}
    assert set(saved["baseline"]["metrics"]) == {"test", "test_variants", f"{EXTRA}/test"}
    assert saved["training_images"] == {"main": 18, EXTRA: 6} and saved["rows"]["train"] == 24
    assert saved["recipe"]["extra_corpora"] == [EXTRA]
    assert {s["split"] for s in saved["samples"]} == {"test", "test_variants", f"{EXTRA}/test"}
    card = ModelCard.load(folder / "README.md")
    assert card.data.datasets == ["<org>/emoji-captions", f"<org>/{EXTRA}"]
    # The extra corpus' scores are filed under its own dataset in the model-index, as its "test" split.
    splits = {(r.dataset_type, r.dataset_split) for r in card.data.eval_results}
    assert (f"<org>/{EXTRA}", "test") in splits and "zoomed by a factor in [0.9, 1.1]" in card.text


def test_the_length_penalty_and_the_default_decoding_are_chosen_on_selection(combined):
    folder, report = combined
    decoding = report["decoding"]
    scores = decoding["selection_bleu"]
    assert set(scores) == {"0", "2"} and scores[f"{decoding['length_penalty']:g}"] == max(scores.values())
    beam_won = max(scores.values()) > decoding["greedy_selection_bleu"]
    assert decoding["saved"] == ("beam3" if beam_won else "greedy")
    generation = GenerationConfig.from_pretrained(folder)
    assert generation.num_beams == (3 if beam_won else 1) and generation.suppress_tokens == [3]  # <unk>
    assert generation.length_penalty == (decoding["length_penalty"] if beam_won else 1.0)
    model = AutoModelForImageTextToText.from_pretrained(folder)
    assert (
        model.config.image_size == 16
    )  # the emoji (first) corpus' size; the 32 px extra images were resized
    assert model.config.encoder_block == "residual"


def test_the_cli_takes_the_describer_options_and_records_them():
    import argparse

    from rnnhub.captioning.cli import add_cli, command_line
    from rnnhub.captioning.settings import CaptioningSettings
    from rnnhub.engine.command_line import recipe_arguments

    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    argv = (
        "captioning --output out --encoder-block residual --image-size 96 --flip 0.5 --length-penalties 0,0.5"
    )
    args = parser.parse_args([*argv.split(), "--extra-train", "clipart-captions"])
    assert command_line(args) == (
        "rnnhub train captioning --output out --encoder-block residual --image-size 96 --flip 0.5 "
        "--length-penalties 0,0.5 --extra-train clipart-captions"
    )
    overrides = recipe_arguments(args, command_line(args), CaptioningSettings)
    assert settings_with(
        **{k: v for k, v in overrides.items() if k in CaptioningSettings.__dataclass_fields__}
    ) == (
        CaptioningSettings(
            encoder_block="residual",
            image_size=96,
            flip=0.5,
            length_penalties=(0.0, 0.5),
            extra_train=("clipart-captions",),
        )
    )
    for bad in (["--encoder-block", "dense"], ["--length-penalties", "a,b"], ["--extra-train", ","]):
        with pytest.raises(SystemExit):
            parser.parse_args(["captioning", "--output", "out", *bad])


# ------------------------------------------------------------------------------------------------ word vectors


def _glove_text(path):
    """A tiny GloVe text table (8 dimensions): three caption words and one that no caption has."""
    words = ["red", "square", "circle", "zebra"]
    rows = [[(i * 8 + j) / 8 - 2 for j in range(8)] for i in range(len(words))]
    path.write_text("".join(" ".join([w, *(f"{v:g}" for v in r)]) + "\n" for w, r in zip(words, rows)))
    return path, dict(zip(words, rows))


def test_decoder_embeddings_start_from_the_vectors_and_the_card_says_so(tmp_path):
    table, rows = _glove_text(tmp_path / "tiny-glove.txt")
    settings = {k: v for k, v in TINY_SETTINGS.items() if k != "embedding_size"}
    folder = tmp_path / "tiny-vectors"
    report = train_captioning(
        output_dir=folder,
        data=caption_splits(),
        vectors=str(table),
        freeze_vectors=True,
        seed=0,
        **{**settings, "epochs": 1},
    )
    facts = report["recipe"]["vectors"]
    # Found: red, square, circle; the vocabulary also has a, blue and green (and "zebra" is no caption word).
    assert facts["found"] == 3 and facts["vocabulary"] == 6 and facts["frozen"] and facts["dimension"] == 8
    model = AutoModelForImageTextToText.from_pretrained(folder)
    assert model.config.embedding_size == 8  # the table's size, since embedding_size was not given
    tokenizer = __import__("transformers").AutoTokenizer.from_pretrained(folder)
    embeddings = model.get_input_embeddings().weight
    for word in ("red", "square", "circle"):  # frozen: still the table's rows after training
        assert torch.equal(embeddings[tokenizer.convert_tokens_to_ids(word)], torch.tensor(rows[word]))
    card = (folder / "README.md").read_text()
    assert "Decoder word vectors" in card and "3 of 6 vocabulary words found" in card
    assert "decoder's word embeddings starting from tiny-glove.txt" in card
    # How shared the machine was while it trained (1, 5, 15-minute load averages at the start and the end).
    load = report["recipe"]["load_average"]
    assert len(load["start"]) == 3 and len(load["end"]) == 3 and "- Load: load average " in card


def test_vector_settings_are_checked_before_anything_is_built(tmp_path):
    table, _ = _glove_text(tmp_path / "tiny-glove.txt")
    with pytest.raises(ValueError, match="freeze_vectors needs vectors"):
        settings_with(freeze_vectors=True)
    with pytest.raises(FileNotFoundError, match="No word vectors"):
        train_captioning(
            output_dir=tmp_path / "a", data=caption_splits(), vectors="no-such-table", **TINY_SETTINGS
        )
    # An embedding size that differs from the table's is refused with the size to use; nothing is written.
    with pytest.raises(ValueError, match="embedding size of 8"):
        train_captioning(
            output_dir=tmp_path / "b",
            data=caption_splits(),
            vectors=str(table),
            **{**TINY_SETTINGS, "embedding_size": 6},
        )
    assert not (tmp_path / "b" / "model.safetensors").exists()
    assert not (tmp_path / "a").exists()
