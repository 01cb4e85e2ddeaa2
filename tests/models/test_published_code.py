"""The code in every published folder is byte for byte the code in ``src/rnnhub/``: the modeling files of
``models/`` everywhere, and in a translation or captioning folder the pipeline files of ``pipelines/`` that its
config.json's ``custom_pipelines`` names (the pipeline module and its relative imports).

``save_pretrained`` copies ``models/`` next to the weights for ``trust_remote_code`` loading, and
``rnnhub.auto.save_pipeline_code`` (or ``Pipeline.save_pretrained``) the pipeline files; a folder whose copy has
drifted would load (without rnnhub) into different code than the one tested here. After changing ``models/`` or
``pipelines/``, copy the files into the ``model_cards/*/`` folders that hold them (the weights do not change).
"""

import json
from pathlib import Path

import pytest
from transformers.dynamic_module_utils import get_relative_import_files

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "src" / "rnnhub" / "models"
PIPELINES = ROOT / "src" / "rnnhub" / "pipelines"
CODE = sorted(p.name for p in MODELS.glob("*.py") if p.name != "__init__.py")
FOLDERS = sorted(p for p in (ROOT / "model_cards").iterdir() if (p / "config.json").is_file())
# The model types that come with an rnnhub pipeline, and the folders published with one.
PIPELINE_TYPES = {"rnnhub-seq2seq": "rnnhub-translation", "rnnhub-captioning": "rnnhub-image-captioning"}
WITH_PIPELINES = {"lstm-translation-de-en", "lstm-translation-en-zh", "lstm-captioning-emoji"}


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))


def pipeline_code(folder: Path) -> list[str]:
    """The pipeline files ``folder``'s custom_pipelines needs, as transformers resolves them: each named module
    and every file it imports relatively (found in ``src/rnnhub/pipelines``)."""
    names = set()
    for info in (_config(folder).get("custom_pipelines") or {}).values():
        module = PIPELINES / f"{info['impl'].rsplit('.', 1)[0]}.py"
        names |= {module.name} | {Path(p).name for p in get_relative_import_files(str(module))}
    return sorted(names)


def test_there_are_published_folders_and_model_files():
    assert len(FOLDERS) >= 9 and "modeling_rnnhub.py" in CODE and "configuration_rnnhub.py" in CODE


def test_pipeline_files_never_share_a_name_with_model_files():
    pipeline_files = {p.name for p in PIPELINES.glob("*.py")} - {"__init__.py"}
    assert pipeline_files and not pipeline_files & set(CODE)


def test_the_translation_and_captioning_folders_name_their_pipeline():
    typed = {p.name: _config(p)["model_type"] for p in FOLDERS}
    assert {name for name, kind in typed.items() if kind in PIPELINE_TYPES} == WITH_PIPELINES
    for name in WITH_PIPELINES:
        tasks = _config(ROOT / "model_cards" / name)["custom_pipelines"]
        assert list(tasks) == [PIPELINE_TYPES[typed[name]]], name
    assert all("custom_pipelines" not in _config(p) for p in FOLDERS if p.name not in WITH_PIPELINES)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_published_code_is_the_package_code(folder):
    pipelines = pipeline_code(folder)
    assert bool(pipelines) == (folder.name in WITH_PIPELINES)
    published = sorted(p.name for p in folder.glob("*.py"))
    assert published == sorted(CODE + pipelines), f"{folder.name}: code files differ from src/rnnhub"
    sources = {**{name: MODELS / name for name in CODE}, **{name: PIPELINES / name for name in pipelines}}
    drifted = [
        name for name, source in sources.items() if (folder / name).read_bytes() != source.read_bytes()
    ]
    assert not drifted, f"{folder.name}: {', '.join(drifted)} differ from src/rnnhub (copy them over)"


def test_save_pretrained_copies_exactly_these_files(tmp_path):
    from rnnhub import RnnHubConfig, RnnHubForSequenceClassification

    RnnHubForSequenceClassification(
        RnnHubConfig(vocab_size=8, embedding_size=3, hidden_size=2)
    ).save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.py")) == CODE
