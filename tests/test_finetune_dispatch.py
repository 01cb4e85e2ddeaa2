"""`rnnhub finetune` picks the task from the model's config type: classifier, translation or captioning."""

import csv

import pytest

from builders import COLOURS, SHAPES, shape_image, tiny_captioner
from rnnhub.cli import main
from rnnhub.finetune_cli import task_of


@pytest.fixture(scope="module")
def captioner(tmp_path_factory):
    model, processor, tokenizer = tiny_captioner()
    path = tmp_path_factory.mktemp("captioner")
    for part in (model, processor, tokenizer):
        part.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    rows = []
    for index, (colour, shape) in enumerate((c, s) for c in COLOURS for s in SHAPES):
        shape_image(colour, shape).save(root / f"img{index}.png")
        rows.append((f"img{index}.png", f"{colour} {shape}"))
    with open(root / "captions.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("file_name", "text"), *rows])
    return root


def test_the_task_comes_from_the_config_type(captioner):
    assert task_of(str(captioner)) == "captioning"
    assert task_of("lstm-sentiment-rt-en") == "classification"


def test_a_captioner_is_finetuned_on_a_folder_with_captions_csv(captioner, image_folder, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "finetune",
            "--model",
            str(captioner),
            "--data",
            str(image_folder),
            "--output",
            str(out),
            "--image-column",
            "file_name",
            "--caption-column",
            "text",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--patience",
            "0",
            "--validation-fraction",
            "0.34",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "bleu" in printed and "validation" in printed
    assert (out / "model.safetensors").is_file() and (out / "preprocessor_config.json").is_file()


def test_a_classification_metric_is_refused_for_a_captioner(captioner, image_folder, tmp_path, capsys):
    code = main(
        ["finetune", "--model", str(captioner), "--data", str(image_folder), "--output", str(tmp_path / "o")]
        + ["--metric", "accuracy"]
    )
    assert code == 2
    assert "--metric accuracy is a classification metric" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_teachers_are_refused_for_a_captioner(captioner, image_folder, tmp_path, capsys):
    argv = [
        "finetune",
        "--model",
        str(captioner),
        "--data",
        str(image_folder),
        "--output",
        str(tmp_path / "o"),
    ]
    assert main([*argv, "--teachers", str(captioner)]) == 2
    assert (
        "--teachers / --tfidf-teacher (distillation) are for classification; this is a captioning model"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "o").exists()
