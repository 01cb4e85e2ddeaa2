"""The modeling code in every published folder is byte for byte the code in ``src/rnnhub/models/``.

``save_pretrained`` copies ``models/`` next to the weights for ``trust_remote_code`` loading; a folder whose copy
has drifted would load (without rnnhub) into different code than the one tested here. After changing
``models/``, copy its files into every ``model_cards/*/`` folder (the weights do not change).
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "src" / "rnnhub" / "models"
CODE = sorted(p.name for p in MODELS.glob("*.py") if p.name != "__init__.py")
FOLDERS = sorted(p for p in (ROOT / "model_cards").iterdir() if (p / "config.json").is_file())


def test_there_are_published_folders_and_model_files():
    assert len(FOLDERS) >= 9 and "modeling_rnnhub.py" in CODE and "configuration_rnnhub.py" in CODE


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_published_code_is_the_package_code(folder):
    published = sorted(p.name for p in folder.glob("*.py"))
    assert published == CODE, f"{folder.name}: code files differ from src/rnnhub/models"
    drifted = [name for name in CODE if (folder / name).read_bytes() != (MODELS / name).read_bytes()]
    assert not drifted, f"{folder.name}: {', '.join(drifted)} differ from src/rnnhub/models (copy them over)"


def test_save_pretrained_copies_exactly_these_files(tmp_path):
    from rnnhub import RnnHubConfig, RnnHubForSequenceClassification

    RnnHubForSequenceClassification(
        RnnHubConfig(vocab_size=8, embedding_size=3, hidden_size=2)
    ).save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.py")) == CODE
