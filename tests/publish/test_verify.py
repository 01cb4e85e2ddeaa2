"""rnnhub.publish.verify on tampered folders: each one refused, and none of its code run (a marker file that the
tampered code would write must not appear)."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from builders import save_tiny_model
from rnnhub.cli import main
from rnnhub.publish.verify import verify


@pytest.fixture
def folder(tmp_path) -> Path:
    """A good publishable folder of this test's own, to tamper with."""
    return save_tiny_model(tmp_path / "tiny-sentiment")


def marker_code(marker: Path) -> str:
    return f"\nopen({str(marker)!r}, 'w').write('the folder code ran')\n"


def dry_run(folder: Path, capsys) -> tuple[int, str]:
    code = main(["publish", str(folder), "--repo-id", "me/tiny", "--dry-run"])
    return code, capsys.readouterr().out


def test_an_added_line_in_the_modeling_file_is_refused_before_it_runs(folder, tmp_path, capsys):
    marker = tmp_path / "ran.txt"
    with open(folder / "modeling_rnnhub.py", "a", encoding="utf-8") as handle:
        handle.write(marker_code(marker))
    code, out = dry_run(folder, capsys)
    assert code != 0
    assert "modeling_rnnhub.py differs from the installed rnnhub's (sha256)" in out
    assert "remote code: not run" in out
    assert not marker.exists(), "the tampered code ran during the dry run"


def test_an_auto_map_to_an_extra_module_is_refused_before_it_runs(folder, tmp_path, capsys):
    marker = tmp_path / "ran.txt"
    (folder / "extra.py").write_text(
        "from .modeling_rnnhub import RnnHubForSequenceClassification as Base\n"
        + marker_code(marker)
        + "class Evil(Base):\n    pass\n"
    )
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"]["AutoModelForSequenceClassification"] = "extra.Evil"
    (folder / "config.json").write_text(json.dumps(config))
    code, out = dry_run(folder, capsys)
    assert code != 0
    assert "unknown Python file extra.py" in out and "auto_map names 'extra.Evil'" in out
    assert not marker.exists(), "the extra module ran during the dry run"


def test_an_auto_map_to_another_repository_is_refused(folder):
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"]["AutoConfig"] = "someone/else--configuration_rnnhub.RnnHubConfig"
    (folder / "config.json").write_text(json.dumps(config))
    report = verify(folder, remote_code=False)
    assert "not a class of rnnhub's code files" in report.get("code").message and not report.ok


def test_a_missing_code_file_is_refused(folder):
    (folder / "recurrent.py").unlink()
    assert "missing recurrent.py" in verify(folder, remote_code=False).get("code").message


@pytest.mark.parametrize("kind", ["joblib", "torch-zip", "npy-objects", "renamed-pickle"])
def test_pickles_under_other_names_are_refused(folder, kind):
    if kind == "joblib":
        path = folder / "scaler.joblib"
        path.write_bytes(b"not even read: the name is enough")
    elif kind == "torch-zip":
        path = folder / "extra_weights.safe"  # torch.save writes a zip holding data.pkl
        torch.save({"w": torch.zeros(2)}, path)
    elif kind == "npy-objects":
        path = folder / "table.npy"
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    else:
        path = folder / "notes.txt"
        path.write_bytes(pickle.dumps({"a": 1}))
    report = verify(folder, remote_code=False)
    assert not report.get("no pickles").passed and path.name in report.get("no pickles").message
    plain = folder / "plain.npy"
    path.unlink()
    np.save(plain, np.zeros(3))
    assert verify(folder, remote_code=False).get("no pickles").passed  # a numeric array is not a pickle


def test_nan_weights_are_refused(folder):
    state = load_file(folder / "model.safetensors")
    state["classifier.bias"] = torch.full_like(state["classifier.bias"], float("nan"))
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})
    report = verify(folder, remote_code=False)
    assert "NaN or infinite" in report.get("weights").message and not report.ok


def test_a_symlink_out_of_the_folder_is_refused(folder, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("private")
    (folder / "notes.txt").symlink_to(outside)
    report = verify(folder, remote_code=False)
    assert "symbolic links out of the folder: notes.txt" in report.get("links").message and not report.ok
    (folder / "notes.txt").unlink()
    (folder / "card.md").symlink_to(folder / "README.md")  # inside the folder: fine
    assert verify(folder, remote_code=False).get("links").passed


def test_a_stale_generation_config_from_another_model_type_is_refused(folder):
    (folder / "generation_config.json").write_text(json.dumps({"num_beams": 5, "max_new_tokens": 64}))
    report = verify(folder, remote_code=False)
    assert "generation_config.json belong to another model type" in report.get("leftovers").message


def test_card_numbers_must_be_those_of_the_eval_report(folder):
    (folder / "eval_report.json").write_text(json.dumps({"metrics": {"test": {"accuracy": 0.75}}}))
    assert verify(folder, remote_code=False).get("card numbers").passed
    (folder / "eval_report.json").write_text(json.dumps({"metrics": {"test": {"accuracy": 0.61}}}))
    report = verify(folder, remote_code=False)
    assert "eval_report.json does not: accuracy test = 0.75" in report.get("card numbers").message


def test_the_published_folders_pass_the_local_checks():
    root = Path(__file__).resolve().parents[2] / "model_cards"
    for folder in sorted(p for p in root.iterdir() if (p / "config.json").is_file()):
        report = verify(folder, remote_code=False)
        assert report.ok, f"{folder.name}:\n{report}"


def test_a_zip_of_pickles_is_found_inside_any_file_name(tmp_path, folder):
    with zipfile.ZipFile(folder / "bundle.dat", "w") as zipped:
        zipped.writestr("archive/data.pkl", pickle.dumps([1, 2]))
    assert "bundle.dat" in verify(folder, remote_code=False).get("no pickles").message
