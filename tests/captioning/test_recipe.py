"""The captioning recipe end to end on tiny synthetic data: train, save the whole folder, load, generate, card."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard
from transformers import AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

import rnnhub  # noqa: F401
from builders import TINY_SETTINGS, caption_splits, shape_image
from rnnhub.captioning.baseline import NearestNeighbourCaptioner, run_nearest_neighbour_baseline
from rnnhub.captioning.card import write_card
from rnnhub.captioning.cli import add_cli, command_line
from rnnhub.captioning.data import (
    CaptionPairs,
    collate_captions,
    make_image_processor,
    train_caption_tokenizer,
)
from rnnhub.captioning.evaluate import caption_scores
from rnnhub.captioning.recipe import settings_with, train_captioning


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recipe") / "tiny-captioner"
    report = train_captioning(
        output_dir=folder, data=caption_splits(), seed=0, model_id="me/tiny", **TINY_SETTINGS
    )
    return folder, report


def test_the_folder_is_complete_and_loads_with_stock_auto_classes(trained):
    folder, report = trained
    for name in (
        "config.json",
        "model.safetensors",
        "generation_config.json",
        "tokenizer.json",
        "preprocessor_config.json",
        "eval_report.json",
        "README.md",
        "samples.png",
        "attention.png",
        "modeling_rnnhub.py",
    ):
        assert (folder / name).is_file(), name
    assert not list(folder.glob("*.bin")) and not (folder / "checkpoints").exists()
    model = AutoModelForImageTextToText.from_pretrained(folder)
    processor = AutoImageProcessor.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(processor).__name__.startswith("ViTImageProcessor")
    assert (processor.size.height, processor.size.width) == (16, 16)
    assert list(processor.image_mean) == [0.5, 0.5, 0.5] and processor.resample == 3  # bicubic
    pixel_values = processor(shape_image("red", "circle"), return_tensors="pt")["pixel_values"]
    ids = model.generate(pixel_values)
    assert ids.shape[0] == 1 and ids.shape[1] <= TINY_SETTINGS["max_length"] + 1
    # The saved folder (processor + model + generation config) writes the captions the recipe recorded, with the
    # decoding chosen on the selection splits.
    splits = caption_splits()
    mode = "greedy" if report["decoding"]["saved"] == "greedy" else "beam"
    for sample in report["samples"][:3]:
        image = splits[sample["split"]][sample["index"]]["image"]
        pixel_values = processor(image.convert("RGB"), return_tensors="pt")["pixel_values"]
        caption = tokenizer.decode(model.generate(pixel_values)[0], skip_special_tokens=True).strip()
        assert caption == sample[mode], (caption, sample)
    assert model.generation_config.max_new_tokens == TINY_SETTINGS["max_length"]


def test_the_processor_does_exactly_what_training_did(trained):
    folder, _ = trained
    processor = AutoImageProcessor.from_pretrained(folder)
    image = shape_image("green", "square")
    pixels = processor(image, return_tensors="pt")["pixel_values"][0]
    expected = (torch.tensor(np.asarray(image), dtype=torch.float32).permute(2, 0, 1) / 255 - 0.5) / 0.5
    torch.testing.assert_close(pixels, expected)


def test_the_report_has_both_test_splits_greedy_and_beam_and_the_baseline(trained):
    folder, report = trained
    saved = json.loads((folder / "eval_report.json").read_text())
    assert saved["metrics"] == report["metrics"]
    for split in ("validation", "test", "test_variants"):
        assert set(saved["metrics"][split]) == {"greedy", "beam3"}
        for scores in saved["metrics"][split].values():
            assert 0 <= scores["bleu"] <= 100 and 0 <= scores["exact_match"] <= 1
    assert set(saved["baseline"]["metrics"]) == {"test", "test_variants"}
    assert saved["recipe"]["grid_size"] == [4, 4] and saved["recipe"]["model_id"] == "me/tiny"
    assert saved["rows"]["train"] == 18 and saved["training_pairs"] == 36  # two captions per image
    assert saved["samples"] and {"reference", "greedy", "beam"} <= set(saved["samples"][0])


def test_the_card_carries_the_measured_numbers_next_to_the_baseline(trained):
    folder, report = trained
    card = ModelCard.load(folder / "README.md")
    assert card.data.pipeline_tag == "image-to-text" and card.data.datasets == ["<org>/emoji-captions"]
    results = {(r.dataset_split, r.metric_name): r.metric_value for r in card.data.eval_results}
    assert results[("test", "BLEU-4 (greedy)")] == report["metrics"]["test"]["greedy"]["bleu"]
    assert (
        results[("test_variants", "Exact match (beam 3)")]
        == report["metrics"]["test_variants"]["beam3"]["exact_match"]
    )
    assert (
        "Baseline: nearest neighbour" in card.text
        and "samples.png" in card.text
        and "attention.png" in card.text
    )
    before = (folder / "README.md").read_text()
    write_card(folder)  # regenerating from eval_report.json gives the same card
    assert (folder / "README.md").read_text() == before


def test_a_second_run_refuses_to_overwrite(trained):
    folder, _ = trained
    with pytest.raises(ValueError, match="already holds a model"):
        train_captioning(output_dir=folder, data=caption_splits(), **TINY_SETTINGS)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cell_type"):
        train_captioning(output_dir=tmp_path / "x", cell_type="transformer", data=caption_splits())
    with pytest.raises(ValueError, match="Unknown setting"):
        settings_with(hidden=3)
    splits = caption_splits()
    del splits["test_variants"]
    with pytest.raises(ValueError, match="test_variants"):
        train_captioning(output_dir=tmp_path / "y", data=splits)


def test_the_tokenizer_keeps_hyphenated_words_and_decodes_captions_exactly():
    tokenizer = train_caption_tokenizer(
        ["smiling face with heart-eyes", "flag of cote d'ivoire", "family with man, woman"]
    )
    for text in ("smiling face with heart-eyes", "flag of cote d'ivoire", "family with man, woman"):
        ids = tokenizer(text)["input_ids"]
        assert ids[-1] == tokenizer.eos_token_id and tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids, skip_special_tokens=True) == text
    assert "heart-eyes" in tokenizer.get_vocab()
    assert [
        tokenizer.pad_token_id,
        tokenizer.bos_token_id,
        tokenizer.eos_token_id,
        tokenizer.unk_token_id,
    ] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="empty"):
        train_caption_tokenizer(["", "  "])


def test_pairs_expand_every_caption_and_shift_fills_with_white():
    tokenizer = train_caption_tokenizer(["red square", "a red square"])
    processor = make_image_processor(16)
    pixels = processor([shape_image("red", "square")] * 2, return_tensors="pt")["pixel_values"]
    pairs = CaptionPairs(pixels, [["red square", "a red square"], ["red square"]], tokenizer, 8)
    assert len(pairs) == 3 and [image for image, _ in pairs.pairs] == [0, 0, 1]
    batch = collate_captions([pairs[0], pairs[1]])
    assert batch["pixel_values"].shape == (2, 3, 16, 16)
    assert batch["labels"].tolist()[0][-1] == -100 and batch["labels"][1, -1] == tokenizer.eos_token_id
    shifting = CaptionPairs(
        pixels, [["red square"]] * 2, tokenizer, 8, max_shift=3, image_processor=processor, seed=1
    )
    shifted = [shifting[0]["pixel_values"] for _ in range(8)]
    assert any(not torch.equal(image, pixels[0]) for image in shifted)
    for image in shifted:  # the drawing moved, the border is white (1.0 after normalisation), nothing else
        assert set(torch.unique(image).tolist()) <= set(torch.unique(pixels[0]).tolist()) | {1.0}


def test_scores_use_every_reference():
    scores = caption_scores(
        ["a big red square shape", "the blue circle over here"],
        [["big red square", "a big red square shape"], ["the green circle over here"]],
    )
    assert scores["exact_match"] == 0.5 and 0 < scores["bleu"] < 100
    assert caption_scores(["x y z w"], [["x y z w"]])["bleu"] == 100.0


def test_nearest_neighbour_baseline_retrieves_the_most_similar_training_image():
    images = [shape_image("red", "square"), shape_image("blue", "circle")]
    model = NearestNeighbourCaptioner.fit(images, ["red square", "blue circle"], size=8)
    assert model.predict([shape_image("blue", "circle", 1), shape_image("red", "square", -1)]) == [
        "blue circle",
        "red square",
    ]
    result = run_nearest_neighbour_baseline(caption_splits())
    assert set(result["metrics"]) == {"test", "test_variants"} and result["settings"]["size"] in (
        8,
        16,
        32,
        64,
    )
    with pytest.raises(ValueError, match="as many captions"):
        NearestNeighbourCaptioner.fit(images, ["one"])


def test_the_cli_records_a_reproducible_command():
    import argparse

    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(["captioning", "--output", "out", "--epochs", "3", "--encoder-channels", "8,16"])
    assert command_line(args) == "rnnhub train captioning --output out --epochs 3 --encoder-channels 8,16"
    with pytest.raises(SystemExit):
        parser.parse_args(["captioning", "--output", "out", "--encoder-channels", "a,b"])


def test_bf16_trains_under_autocast_and_the_card_says_so(tmp_path, bf16_trainable):
    """--bf16: Trainer's bfloat16 autocast; the weights stay float32, the settings, command and card record it."""
    import argparse

    folder = tmp_path / "bf16"
    report = train_captioning(output_dir=folder, data=caption_splits(), seed=0, bf16=True, **TINY_SETTINGS)
    assert report["recipe"]["settings"]["bf16"] is True
    model = AutoModelForImageTextToText.from_pretrained(folder)
    assert {str(p.dtype) for p in model.parameters()} == {"torch.float32"}
    assert "bfloat16 autocast (float32 weights and optimizer)" in (folder / "README.md").read_text()
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(["captioning", "--output", "out", "--bf16"])
    assert command_line(args) == "rnnhub train captioning --output out --bf16"


def test_rnnhub_train_captioning_is_registered():
    result = subprocess.run(
        [sys.executable, "-m", "rnnhub_cli", "train", "captioning", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "--encoder-channels" in result.stdout


def test_a_stable_share_of_training_variants_is_held_out_for_selection():
    from rnnhub.captioning.recipe import VARIANT_VALIDATION, _hold_out_variants

    splits = caption_splits()
    train = splits["train"]
    codes = [f"code-{i}" for i in range(len(train))]
    splits["train"] = train.add_column("code", codes).add_column(
        "is_variant", [i % 2 == 1 for i in range(len(train))]
    )
    held = _hold_out_variants(splits, 0.5)
    moved = held[VARIANT_VALIDATION]
    assert len(moved) + len(held["train"]) == len(train) and len(moved) > 0
    assert all(moved["is_variant"]) and not set(moved["code"]) & set(held["train"]["code"])
    assert _hold_out_variants(splits, 0.5)[VARIANT_VALIDATION]["code"] == moved["code"]  # same rows every run
    assert VARIANT_VALIDATION not in _hold_out_variants(splits, 0.0)
    assert VARIANT_VALIDATION not in _hold_out_variants(caption_splits(), 0.5)  # no is_variant column
