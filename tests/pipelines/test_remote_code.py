"""The two pipelines as remote code: from a folder, in a Python where rnnhub cannot be imported, with
``trust_remote_code=True``; the task inferred from config.json's ``custom_pipelines``; the same outputs as rnnhub's
installed pipeline; the folder written by ``rnnhub.auto.save_pipeline_code`` or by ``Pipeline.save_pretrained``
(the same config entry and files)."""

import json
from pathlib import Path

import pytest
from transformers import pipeline

from builders import (
    absolute_import_roots,
    png_bytes,
    run_without_rnnhub,
    save_tiny_translator,
    shape_image,
    tiny_captioner,
)
from rnnhub.auto import custom_pipelines_entry, pipeline_code_files, save_pipeline_code
from rnnhub.captioning.pipeline import ImageCaptioningPipeline
from rnnhub.models import RnnHubCaptioningConfig, RnnHubSeq2SeqConfig
from rnnhub.publish.hub import HIDE_RNNHUB
from rnnhub.translation.pipeline import TranslationPipeline

PIPELINES = Path(__file__).resolve().parents[2] / "src" / "rnnhub" / "pipelines"
TEXTS = ["das Haus ist gross", "", "der Hund", "das ist ein sehr langes Haus und der Hund ist klein"]

SCRIPT = """
import base64, json

import transformers

folder, task, inputs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
kwargs = {"batch_size": 2} if task == "rnnhub-translation" else {}
if task == "rnnhub-image-captioning":
    inputs = [base64.b64decode(item) for item in inputs]
named = transformers.pipeline(task, model=folder, trust_remote_code=True)
inferred = transformers.pipeline(model=folder, trust_remote_code=True)  # no task: from custom_pipelines
print(json.dumps({
    "outputs": named(inputs, **kwargs),
    "inferred": [inferred.task, type(inferred).__name__, type(inferred).__module__],
    "model": type(named.model).__module__,
    "leaked": sorted(m for m in sys.modules if m.split(".")[0] == "rnnhub"),
}))
"""


def _translator_folder(path: Path) -> Path:
    save_tiny_translator(path)
    save_pipeline_code(path)
    return path


def _captioner_folder(path: Path) -> Path:
    model, processor, tokenizer = tiny_captioner()
    for part in (model, processor, tokenizer):
        part.save_pretrained(path)
    save_pipeline_code(path)
    return path


IMAGES = [
    shape_image("red", "circle"),
    shape_image("blue", "square"),
    shape_image("green", "circle", offset=2),
]


def _run(folder: Path, task: str, inputs: list, tmp_path: Path) -> dict:
    if task == "rnnhub-image-captioning":
        import base64

        inputs = [base64.b64encode(png_bytes(image)).decode("ascii") for image in inputs]
    result = run_without_rnnhub(HIDE_RNNHUB + SCRIPT, [str(folder), task, json.dumps(inputs)], tmp_path)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_translation_without_rnnhub_matches_the_installed_pipeline(tmp_path):
    folder = _translator_folder(tmp_path / "translator")
    installed = pipeline("rnnhub-translation", model=str(folder), pipeline_class=TranslationPipeline)
    expected = installed(TEXTS, batch_size=2)
    result = _run(folder, "rnnhub-translation", TEXTS, tmp_path)
    assert result["leaked"] == []
    assert (
        result["outputs"] == expected
        and len(expected) == len(TEXTS)
        and expected[1] == {"translation_text": ""}
    )
    task, name, module = result["inferred"]
    assert (task, name) == ("rnnhub-translation", "TranslationPipeline")
    assert module.startswith("transformers_modules") and result["model"].startswith("transformers_modules")
    # With rnnhub imported, transformers still wants an opt-in for a folder that names its pipeline.
    with pytest.raises(ValueError, match="trust_remote_code=True"):
        pipeline("rnnhub-translation", model=str(folder))


def test_captioning_without_rnnhub_matches_the_installed_pipeline(tmp_path):
    folder = _captioner_folder(tmp_path / "captioner")
    installed = pipeline("rnnhub-image-captioning", model=str(folder), pipeline_class=ImageCaptioningPipeline)
    expected = installed([png_bytes(image) for image in IMAGES])
    result = _run(folder, "rnnhub-image-captioning", IMAGES, tmp_path)
    assert result["leaked"] == []
    assert result["outputs"] == expected and len(expected) == len(IMAGES)
    assert all(isinstance(item[0]["generated_text"], str) for item in expected)
    task, name, module = result["inferred"]
    assert (task, name) == ("rnnhub-image-captioning", "ImageCaptioningPipeline")
    assert module.startswith("transformers_modules") and result["model"].startswith("transformers_modules")


@pytest.mark.parametrize("kind", ["translation", "captioning"])
def test_pipeline_save_pretrained_writes_what_save_pipeline_code_writes(kind, tmp_path):
    """A pipeline saved with transformers' own ``save_pretrained`` gets the same custom_pipelines entry and code
    files (registered with the Auto class, so the entry names one transformers has)."""
    make, pipeline_class = {
        "translation": (_translator_folder, TranslationPipeline),
        "captioning": (_captioner_folder, ImageCaptioningPipeline),
    }[kind]
    ours = make(tmp_path / "ours")
    task = next(iter(pipeline_class._registered_impl))
    saved = tmp_path / "saved"
    pipeline(task, model=str(ours), pipeline_class=pipeline_class).save_pretrained(saved)
    config = json.loads((saved / "config.json").read_text(encoding="utf-8"))
    assert config["custom_pipelines"] == json.loads((ours / "config.json").read_text())["custom_pipelines"]
    assert config["custom_pipelines"] == custom_pipelines_entry(pipeline_class)
    assert {p.name for p in saved.glob("*.py")} == {p.name for p in ours.glob("*.py")}
    if kind == "translation":
        result = _run(saved, task, TEXTS[:2], tmp_path)
        assert result["inferred"][0] == task and result["outputs"][1] == {"translation_text": ""}


def test_the_entries_name_auto_classes_and_the_pipeline_files():
    translation = custom_pipelines_entry(TranslationPipeline)
    captioning = custom_pipelines_entry(ImageCaptioningPipeline)
    assert translation == {
        "rnnhub-translation": {
            "impl": "pipeline_translation.TranslationPipeline",
            "pt": ["AutoModelForSeq2SeqLM"],
            "type": "text",
        }
    }
    assert captioning["rnnhub-image-captioning"]["pt"] == ["AutoModelForImageTextToText"]
    assert [p.name for p in pipeline_code_files(TranslationPipeline)] == [
        "pipeline_translation.py",
        "generation_limits.py",
        "pipeline_rnnhub.py",
        "source_text.py",
    ]
    assert "image_loading.py" in {p.name for p in pipeline_code_files(ImageCaptioningPipeline)}


def test_the_pipelines_check_the_model_types_the_configs_define():
    assert TranslationPipeline.model_type == RnnHubSeq2SeqConfig.model_type
    assert ImageCaptioningPipeline.model_type == RnnHubCaptioningConfig.model_type


def test_save_pipeline_code_refuses_other_folders(tmp_path):
    with pytest.raises(ValueError, match="no config.json"):
        save_pipeline_code(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "rnnhub-recurrent"}))
    with pytest.raises(ValueError, match="stock pipelines"):
        save_pipeline_code(tmp_path)


ALLOWED_IMPORTS = {"__future__", "collections", "io", "logging", "os", "pathlib", "typing", "warnings"}
ALLOWED_IMPORTS |= {"numpy", "PIL", "torch", "transformers"}


@pytest.mark.parametrize("path", sorted(PIPELINES.glob("*.py")), ids=lambda p: p.name)
def test_pipeline_files_import_only_torch_transformers_pil_and_siblings(path):
    roots = absolute_import_roots(path)
    assert roots <= ALLOWED_IMPORTS, f"{path.name} imports {roots - ALLOWED_IMPORTS} (it is remote code)"
