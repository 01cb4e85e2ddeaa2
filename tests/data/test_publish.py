"""`rnnhub data publish`: a built corpus is checked like a model card (licence, Hub ids, data files, split sizes),
its card read with DatasetCard, and uploaded as a dataset repository (the Hub calls mocked)."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest
from huggingface_hub import HfApi

from rnnhub.cli import main
from rnnhub.data.common import read_card_metadata, write_dataset
from rnnhub.data.publish import publish_dataset

BODY = "# Tiny\n\nA test corpus.\n\n## Licence\n\nMade up for the test."


def _build(root: Path, name: str = "tiny-corpus", license: str = "gpl-2.0-or-later") -> Path:
    rows = {"text": ["a", "b", "c"], "label": [0, 1, 0]}
    splits = {"train": datasets.Dataset.from_dict(rows), "test": datasets.Dataset.from_dict(rows).select([0])}
    metadata = {"license": license, "language": ["en"], "task_categories": ["text-classification"]}
    return write_dataset(root / name, splits, metadata, BODY)


def test_written_cards_carry_licences_the_hub_takes(tmp_path):
    card = read_card_metadata(_build(tmp_path))
    assert (card["license"], card["license_name"]) == ("other", "gpl-2.0-or-later")
    card = read_card_metadata(_build(tmp_path, "own-terms", license="other"))
    assert (card["license_name"], card["license_link"]) == ("own-terms-licence", "README.md#licence")
    with pytest.raises(ValueError, match="'made-up' is not a Hub licence id"):
        _build(tmp_path, "bad", license="made-up")


def test_dry_run_checks_and_shows_the_card(tmp_path, no_network, capsys):
    _build(tmp_path)
    args = ["data", "publish", "tiny-corpus", "--repo-id", "me/tiny-corpus", "--root", str(tmp_path)]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "license_name: gpl-2.0-or-later" in out
    assert "would upload tiny-corpus to https://huggingface.co/datasets/me/tiny-corpus" in out


def test_upload_is_a_dataset_repository(tmp_path, monkeypatch):
    folder = _build(tmp_path)
    calls = []
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kw: calls.append((repo_id, kw)))

    def upload_folder(self, **kw):
        calls.append(kw)
        staged = Path(kw["folder_path"])
        calls.append(sorted(p.name for p in staged.iterdir()))

    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    publish_dataset("tiny-corpus", "me/tiny-corpus", root=tmp_path, private=True)
    (repo_id, create), upload, files = calls
    assert repo_id == "me/tiny-corpus" and create["repo_type"] == "dataset" and create["private"] is True
    assert upload["repo_type"] == "dataset" and upload["repo_id"] == "me/tiny-corpus"
    assert files == sorted(p.name for p in folder.iterdir())


def test_a_corpus_that_is_not_built_is_named_with_the_fix(tmp_path, no_network):
    _build(tmp_path)
    with pytest.raises(ValueError, match=r"rnnhub data build missing.*Built corpora there: tiny-corpus"):
        publish_dataset("missing", "me/missing", root=tmp_path, dry_run=True)


def test_a_card_the_hub_would_reject_or_show_wrongly_is_refused(tmp_path, no_network):
    folder = _build(tmp_path)
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("license: other", "license: gpl-2.0-or-later"), encoding="utf-8")
    with pytest.raises(ValueError, match="license 'gpl-2.0-or-later' is not a Hub licence id"):
        publish_dataset("tiny-corpus", "me/tiny-corpus", root=tmp_path, dry_run=True)
    card.write_text(text, encoding="utf-8")
    (folder / "test.parquet").unlink()
    with pytest.raises(ValueError, match="configs lists test.parquet, which the folder does not hold"):
        publish_dataset("tiny-corpus", "me/tiny-corpus", root=tmp_path, dry_run=True)


def test_split_sizes_must_match_the_card(tmp_path, no_network):
    folder = _build(tmp_path)
    card = folder / "README.md"
    card.write_text(
        card.read_text(encoding="utf-8").replace("num_examples: 3", "num_examples: 4"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="states splits .'train': 4, 'test': 1. but its parquet files hold"):
        publish_dataset("tiny-corpus", "me/tiny-corpus", root=tmp_path, dry_run=True)


@pytest.mark.parametrize("repo_id", ["tiny", "a/b/c"])
def test_the_repo_id_must_be_org_and_name(tmp_path, repo_id, no_network):
    _build(tmp_path)
    with pytest.raises(ValueError, match="must look like ORG/NAME"):
        publish_dataset("tiny-corpus", repo_id, root=tmp_path, dry_run=True)
