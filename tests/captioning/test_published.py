"""The published emoji captioner works the way its card says (fast: no training)."""

import hashlib
import io
import json
from pathlib import Path

import pytest
import torch
from huggingface_hub import ModelCard
from PIL import Image
from transformers import AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer, pipeline

import rnnhub  # noqa: F401  (registers the rnnhub architectures with the Auto classes)
from rnnhub import data
from rnnhub.captioning.pipeline import TASK, ImageCaptioningPipeline, register
from rnnhub.captioning.view import caption_with_attention, load_captioner
from rnnhub.publish.hub import resolve
from rnnhub.publish.verify import PICKLE_SUFFIXES, folder_mb, verify

MODEL_ID = "lstm-captioning-emoji"
FOLDER = Path(__file__).resolve().parents[2] / "model_cards" / MODEL_ID
MAX_MB = 20.0


@pytest.fixture(scope="module")
def report():
    return json.loads((FOLDER / "eval_report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus():
    return data.load("emoji-captions")


@pytest.fixture(scope="module")
def captioner():
    register()
    # The folder names its pipeline in custom_pipelines, so transformers wants an opt-in: rnnhub's class.
    return pipeline(TASK, model=resolve(MODEL_ID), pipeline_class=ImageCaptioningPipeline)


def test_the_folder_is_complete_small_and_pickle_free():
    for name in (
        "config.json",
        "model.safetensors",
        "generation_config.json",
        "tokenizer.json",
        "preprocessor_config.json",
        "README.md",
        "eval_report.json",
        "samples.png",
        "attention.png",
        "modeling_rnnhub.py",
    ):
        assert (FOLDER / name).is_file(), name
    assert folder_mb(FOLDER) < MAX_MB
    assert not [p for p in FOLDER.rglob("*") if p.suffix in PICKLE_SUFFIXES]
    assert resolve(MODEL_ID) == str(FOLDER)


def test_loads_with_stock_auto_classes():
    model = AutoModelForImageTextToText.from_pretrained(FOLDER)
    processor = AutoImageProcessor.from_pretrained(FOLDER)
    tokenizer = AutoTokenizer.from_pretrained(FOLDER)
    assert model.config.model_type == "rnnhub-captioning" and model.config.cell_type == "lstm"
    assert model.config.attention_type == "bahdanau"
    assert type(processor).__module__.startswith("transformers.")  # a stock class, no remote code
    assert len(tokenizer) <= model.config.vocab_size


def test_verify_passes_without_the_remote_code_subprocess():
    result = verify(FOLDER, remote_code=False)
    assert result.ok, str(result)


def test_the_card_numbers_are_the_measured_ones_and_beat_the_baseline_on_variants(report):
    card = ModelCard.load(FOLDER / "README.md")
    assert card.data.pipeline_tag == "image-to-text" and card.data.datasets == ["<org>/emoji-captions"]
    results = {
        (r.dataset_type, r.dataset_split, r.metric_name): r.metric_value for r in card.data.eval_results
    }
    names = {"bleu": "BLEU-4", "chrf": "chrF", "cider": "CIDEr-D", "content_hit": "Content-word hit rate"}
    for dataset, split, key in (
        ("emoji-captions", "test", "test"),
        ("emoji-captions", "test_variants", "test_variants"),
        ("clipart-captions", "test", "clipart-captions/test"),  # rescored: never trained on
    ):
        for mode, label in (("greedy", "greedy"), ("beam3", "beam 3")):
            measured = report["metrics"][key][mode]
            assert results[(f"<org>/{dataset}", split, f"Exact match ({label})")] == measured["exact_match"]
            for kind, name in names.items():
                assert results[(f"<org>/{dataset}", split, f"{name} ({label})")] == measured[kind]
    baseline = report["baseline"]["metrics"]
    assert report["metrics"]["test_variants"]["greedy"]["bleu"] > baseline["test_variants"]["bleu"]
    assert set(baseline) == {"test", "test_variants", "clipart-captions/test"}
    assert "Baseline: nearest neighbour" in card.text and "![samples](samples.png)" in card.text
    assert "## Every test split next to retrieval" in card.text and "Not met" in card.text
    assert report["total_time_s"] < 30 * 60  # "trains on this CPU within 30 minutes"


def test_the_rescore_kept_the_weights_and_the_samples_cover_both_test_sets(report):
    rescored = report["recipe"]["rescored"]
    assert (
        hashlib.sha256((FOLDER / "model.safetensors").read_bytes()).hexdigest()
        == (rescored["model_safetensors_sha256"])
    )
    assert rescored["command"].startswith("rnnhub train captioning-rescore model_cards/lstm-captioning-emoji")
    splits = [s["split"] for s in report["samples"]]
    assert set(splits) == {"test", "test_variants", "clipart-captions/test"}
    assert all(splits.count(split) == 6 for split in set(splits))  # 2 best, 2 median, 2 worst


def test_the_pipeline_reproduces_the_reported_test_variants_captions(captioner, corpus, report):
    samples = [s for s in report["samples"] if s["split"] == "test_variants"][:4]
    images = [corpus["test_variants"][s["index"]]["image"] for s in samples]
    outputs = captioner(images, batch_size=4)
    assert [o[0]["generated_text"] for o in outputs] == [s["greedy"] for s in samples]
    beams = captioner(images[0], num_beams=3)
    assert beams == [{"generated_text": samples[0]["beam"]}]


def test_the_pipeline_takes_paths_file_objects_and_odd_modes(captioner, corpus, tmp_path):
    image = corpus["test"][0]["image"]
    expected = captioner(image)
    path = tmp_path / "emoji.png"
    image.save(path)
    assert captioner(str(path)) == expected
    with open(path, "rb") as handle:
        assert captioner(handle) == expected
    for odd in (image.convert("L"), image.convert("P"), image.convert("RGBA"), image.resize((300, 300))):
        assert captioner(odd)[0]["generated_text"]
    with pytest.raises(ValueError, match="not an image"):
        captioner(io.BytesIO(b"GIF89a broken"))


def test_attention_maps_per_word(corpus):
    model, processor, tokenizer = load_captioner(MODEL_ID)
    view = caption_with_attention(model, processor, tokenizer, corpus["test_variants"][0]["image"])
    grid = model.config.feature_grid_size
    assert view["grid_size"] == [grid, grid] and len(view["words"]) == len(view["attention"]) > 0
    assert view["caption"] == " ".join(view["words"]).replace(" ,", ",")
    for weights in view["attention"]:
        assert torch.tensor(weights).sum().item() == pytest.approx(1.0, abs=1e-4)
    assert isinstance(view["image"], Image.Image) and view["image"].size == (64, 64)
