"""rnnhub caption: image files in, JSON lines out, an unreadable image reported and marked."""

from __future__ import annotations

import json

import pytest
from transformers import pipeline

from builders import save_tiny_captioner, shape_image
from rnnhub import cli
from rnnhub.captioning.pipeline import TASK


@pytest.fixture(scope="module")
def captioner(tmp_path_factory):
    return save_tiny_captioner(tmp_path_factory.mktemp("captioner"))


def test_images_in_json_lines_out(captioner, tmp_path, capsys):
    paths = []
    for name, (colour, shape) in {"a.png": ("red", "square"), "b.png": ("blue", "circle")}.items():
        shape_image(colour, shape).save(tmp_path / name)
        paths.append(str(tmp_path / name))
    (tmp_path / "notes.png").write_text("not an image", encoding="utf-8")
    images = [paths[0], str(tmp_path / "notes.png"), str(tmp_path / "missing.png"), paths[1]]
    out = tmp_path / "captions.jsonl"
    assert cli.main(["caption", str(captioner), *images, "--output", str(out), "--batch-size", "1"]) == 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    captions = [r[0]["generated_text"] for r in pipeline(TASK, model=str(captioner))(paths)]
    assert [r["image"] for r in records] == images
    assert [r.get("caption") for r in records] == [captions[0], None, None, captions[1]]
    assert records[1]["error"].startswith(f"The file {images[1]!r} is not an image PIL can read")
    assert records[2]["error"] == f"No image file at {images[2]!r} (not found or not a file)."
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rnnhub caption:")]
    assert errors[0] == f"rnnhub caption: image 2 ({images[1]}): {records[1]['error']}"
    assert errors[1] == f"rnnhub caption: image 3 ({images[2]}): {records[2]['error']}"
    assert errors[2] == "rnnhub caption: 2 of 4 images failed; their records carry an 'error'."


def test_to_standard_output_and_the_beam_limit(captioner, tmp_path, capsys):
    shape_image("green", "square").save(tmp_path / "g.png")
    assert cli.main(["caption", str(captioner), str(tmp_path / "g.png"), "--num-beams", "2"]) == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["image"] == str(tmp_path / "g.png") and isinstance(record["caption"], str)
    assert cli.main(["caption", str(captioner), str(tmp_path / "g.png"), "--num-beams", "99"]) == 2
    assert "num_beams=99 is above the limit" in capsys.readouterr().err
