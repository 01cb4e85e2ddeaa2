"""finetune_captioning on users' own images: a folder with captions.csv, Flickr/COCO-style files, resume, errors."""

import csv
import json
from pathlib import Path

import datasets
import pytest
from huggingface_hub import ModelCard
from transformers import AutoImageProcessor, AutoModelForImageTextToText

from builders import COLOURS, SHAPES, png_bytes, shape_image, tiny_captioner
from rnnhub.captioning.train import finetune_captioning, load_caption_data
from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME

FAST = {"epochs": 1.0, "batch_size": 4, "max_length": 6, "early_stopping_patience": None}


@pytest.fixture(scope="module")
def base_model(tmp_path_factory):
    model, processor, tokenizer = tiny_captioner()
    path = tmp_path_factory.mktemp("base")
    model.save_pretrained(path)
    processor.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _image_folder(root, with_csv=True):
    """Six images; captions.csv names each one twice (two captions per image)."""
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, (colour, shape) in enumerate((c, s) for c in COLOURS for s in SHAPES):
        name = f"img{index}.png"
        # Different sizes and modes on purpose: the image processor resizes, load_image converts.
        shape_image(colour, shape, size=24 + index, mode="RGBA" if index % 2 else "RGB").save(root / name)
        rows += [(name, f"{colour} {shape}"), (name, f"a {colour} {shape}")]
    if with_csv:
        with open(root / "captions.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file_name", "text"])
            writer.writerows(rows)
    return root


def test_a_folder_with_captions_csv(base_model, tmp_path):
    data = _image_folder(tmp_path / "mine")
    splits, name = load_caption_data(
        data, image_column="file_name", caption_column="text", validation_fraction=0.34
    )
    assert name == "mine" and set(splits) == {"train", "validation"}
    images, captions = splits["train"]
    assert len(images) + len(splits["validation"][0]) == 6
    assert all(len(texts) == 2 for texts in captions)  # repeated rows grouped into one image
    assert all(str(data) in image for image in images)  # paths resolved against the folder

    out = tmp_path / "out"
    result = finetune_captioning(
        base_model,
        data,
        output_dir=out,
        image_column="file_name",
        caption_column="text",
        validation_fraction=0.34,
        model_id="me/mine",
        **FAST,
    )
    assert set(result.metrics) == {"validation"} and 0 <= result.metrics["validation"]["bleu"] <= 100
    assert result.global_step == 2 and result.source_architecture == "RnnHubForImageCaptioning"
    for file in ("model.safetensors", "tokenizer.json", "preprocessor_config.json", "generation_config.json"):
        assert (out / file).is_file(), file
    assert not (out / CHECKPOINTS_DIRNAME).exists()
    AutoModelForImageTextToText.from_pretrained(out)
    AutoImageProcessor.from_pretrained(out)
    report = json.loads((out / "eval_report.json").read_text())
    assert report["metrics"] == result.metrics and report["rows"]["train"] == len(images)
    card = ModelCard.load(out / "README.md")
    assert card.data.pipeline_tag == "image-to-text" and card.data.eval_results[0].metric_type == "bleu"


@pytest.mark.parametrize("where", ["absolute", "dotdot"])
def test_image_paths_outside_the_data_folder_need_an_explicit_flag(tmp_path, where):
    data = _image_folder(tmp_path / "mine")
    secret = tmp_path / "secret.png"
    shape_image("red", "square").save(secret)
    name = str(secret) if where == "absolute" else "../secret.png"
    with open(data / "captions.csv", "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow([name, "a secret"])
    options = {"image_column": "file_name", "caption_column": "text", "validation_fraction": 0.34}
    with pytest.raises(ValueError, match="points outside the data folder.*--allow-images-outside-data"):
        load_caption_data(data, **options)
    splits, _ = load_caption_data(data, allow_images_outside=True, **options)
    every = [image for images, _ in splits.values() for image in images]
    assert any(Path(image).resolve() == secret for image in every)


def test_a_jsonl_file_with_caption_lists_and_a_test_split(base_model, tmp_path):
    folder = _image_folder(tmp_path / "data", with_csv=False)
    for split, indices in (("train", range(4)), ("validation", [4]), ("test", [5])):
        with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as handle:
            for index in indices:
                colour, shape = [(c, s) for c in COLOURS for s in SHAPES][index]
                row = {"picture": f"img{index}.png", "names": [f"{colour} {shape}", f"the {colour} {shape}"]}
                handle.write(json.dumps(row) + "\n")
    result = finetune_captioning(
        base_model,
        folder,
        output_dir=tmp_path / "out",
        image_column="picture",
        caption_column="names",
        num_beams=2,
        **FAST,
    )
    assert set(result.metrics) == {"validation", "test"}
    assert json.loads((tmp_path / "out" / "eval_report.json").read_text())["decoding"] == "beam2"


def test_a_datasets_dict_with_an_image_feature(base_model, tmp_path):
    rows = [(c, s) for c in COLOURS for s in SHAPES]
    data = datasets.Dataset.from_dict(
        {
            "image": [{"bytes": png_bytes(shape_image(c, s)), "path": None} for c, s in rows],
            "caption": [f"{c} {s}" for c, s in rows],
        },
        features=datasets.Features({"image": datasets.Image(), "caption": datasets.Value("string")}),
    )
    fast = {**FAST, "epochs": 2.0}
    result = finetune_captioning(
        base_model, datasets.DatasetDict({"train": data}), output_dir=tmp_path / "o", eval_steps=1, **fast
    )
    # 5 train images, batch 4: 2 steps per epoch
    assert result.epochs_trained == 2.0 and result.global_step == 4
    report = json.loads((tmp_path / "o" / "eval_report.json").read_text())
    assert report["best_step"] in (1, 2, 3, 4)  # evaluated (and checkpointed) every step


def test_resume_continues_from_the_last_checkpoint(base_model, tmp_path):
    data = _image_folder(tmp_path / "mine")
    common = {
        "image_column": "file_name",
        "caption_column": "text",
        "validation_fraction": 0.34,
        "batch_size": 4,
        "max_length": 6,
        "early_stopping_patience": None,
    }
    out = tmp_path / "out"
    finetune_captioning(base_model, data, output_dir=out, epochs=1.0, keep_checkpoints=True, **common)
    assert list((out / CHECKPOINTS_DIRNAME).glob("checkpoint-*"))
    with pytest.raises(ValueError, match="resume"):
        finetune_captioning(base_model, data, output_dir=out, epochs=2.0, **common)
    resumed = finetune_captioning(base_model, data, output_dir=out, epochs=2.0, resume=True, **common)
    assert resumed.global_step == 4 and resumed.epochs_trained == 2.0


def test_bad_data_and_models_are_refused(base_model, tmp_path):
    data = _image_folder(tmp_path / "mine")
    with pytest.raises(ValueError, match="available columns"):
        finetune_captioning(base_model, data, output_dir=tmp_path / "a", **FAST)  # default columns absent
    (data / "img0.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Image of row .*not an image"):
        finetune_captioning(
            base_model,
            data,
            output_dir=tmp_path / "b",
            image_column="file_name",
            caption_column="text",
            **FAST,
        )
    with pytest.raises(ValueError, match="Nothing to resume"):
        finetune_captioning(base_model, data, output_dir=tmp_path / "c", resume=True, **FAST)


def test_a_classifier_is_not_a_captioner(tmp_path):
    from rnnhub.models import RnnHubConfig, RnnHubForSequenceClassification

    RnnHubForSequenceClassification(
        RnnHubConfig(vocab_size=10, embedding_size=4, hidden_size=4)
    ).save_pretrained(tmp_path / "clf")
    with pytest.raises(ValueError, match="captioning model"):
        finetune_captioning(tmp_path / "clf", _image_folder(tmp_path / "d"), output_dir=tmp_path / "o")
