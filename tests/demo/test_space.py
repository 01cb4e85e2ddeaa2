"""`rnnhub demo --export-space DIR`: the folder is a Gradio Space (front matter, app.py at the root, requirements,
the model folders), and its app.py, run in a subprocess on a loopback port, serves the page and answers the API from
the exported model folders alone."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from huggingface_hub import metadata_load

from builders import free_port, wait_for_page
from rnnhub import __version__
from rnnhub.cli import build_parser
from rnnhub.demo import catalog
from rnnhub.demo.cli import _cli_demo
from rnnhub.demo.soak import stop_server
from rnnhub.demo.space import SPACE_MODELS, demo_models, export_space, requirements

ROOT = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    folder = tmp_path_factory.mktemp("space") / "rnnhub-demo"
    return export_space(folder, rnnhub_requirement="rnnhub @ git+https://github.com/ORG/rnnhub@v0.1.0")


def test_the_folder_is_a_gradio_space(space):
    import gradio

    folder = space.folder
    meta = metadata_load(folder / "README.md")
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py" and (folder / meta["app_file"]).is_file()
    assert meta["sdk_version"] == gradio.__version__
    assert meta["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert (folder / "packages.txt").read_text().split() == ["fonts-wqy-microhei"]
    assert "*.safetensors filter=lfs" in (folder / ".gitattributes").read_text()
    lines = (folder / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "rnnhub @ git+https://github.com/ORG/rnnhub@v0.1.0" in lines
    assert not any(line.startswith("gradio") for line in lines)  # the Space installs sdk_version
    assert any(line.startswith("torch==") and "+" not in line for line in lines)


def test_requirements_pin_this_rnnhub_by_default():
    lines = requirements().splitlines()
    assert lines[-1] == f"rnnhub=={__version__}"
    assert {line.split("==")[0] for line in lines if "==" in line} == {
        "torch",
        "transformers",
        "tokenizers",
        "rnnhub",
    }


def test_every_served_model_folder_is_copied_whole(space):
    entries = demo_models()
    assert list(space.models) == [entry.name for entry in entries]
    names = set(space.models)
    assert {
        "lstm-sentiment-rt-en",
        "gru-sentiment-rt-en",
        "rnn-sentiment-rt-en",
        "lstm-sentiment-zh",
    } <= names
    assert {entry.name for entry in catalog.captioning_models()[:1]} <= names
    assert set(catalog.writer_models()) and {e.name for e in catalog.writer_models().values()} <= names
    for entry in entries:
        source, copy = Path(entry.path), space.folder / SPACE_MODELS / entry.name
        files = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file())
        assert digest(source / "model.safetensors") == digest(copy / "model.safetensors")
    readme = (space.folder / "README.md").read_text()
    assert all(f"| `{name}` |" in readme for name in names)


def test_export_refuses_a_folder_in_use(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="the folder is not empty"):
        export_space(tmp_path)
    with pytest.raises(ValueError, match="that is a file"):
        export_space(tmp_path / "notes.txt")
    monkeypatch.setattr("rnnhub.demo.space.demo_models", lambda: [])
    with pytest.raises(ValueError, match="No published model for any tab"):
        export_space(tmp_path / "empty")


def test_the_command_line(tmp_path, capsys, monkeypatch):
    args = build_parser().parse_args(
        ["demo", "--export-space", str(tmp_path / "s"), "--rnnhub-requirement", "rnnhub==9"]
    )
    assert (args.export_space, args.rnnhub_requirement) == (str(tmp_path / "s"), "rnnhub==9")
    monkeypatch.setattr(
        "rnnhub.demo.space.demo_models", lambda: list(catalog.sentiment_models("Chinese").values())
    )
    assert _cli_demo(args) == 0
    printed = capsys.readouterr().out
    assert (
        f"wrote a Gradio Space to {tmp_path / 's'} with 1 model folders" in printed
        and "upload_folder" in printed
    )
    assert (tmp_path / "s" / "requirements.txt").read_text().splitlines()[-1] == "rnnhub==9"
    with pytest.raises(ValueError, match="only applies with --export-space"):
        _cli_demo(build_parser().parse_args(["demo", "--rnnhub-requirement", "rnnhub==9"]))


def installed_rnnhub(site: Path) -> Path:
    """rnnhub as a wheel installs it, outside any checkout: the package, plus the lab results setup.py puts in
    (rnnhub/demo/lab_results), without its model_cards copy, so only the Space's model folders can be found."""
    package = site / "rnnhub"
    shutil.copytree(
        ROOT / "src" / "rnnhub", package, ignore=shutil.ignore_patterns("__pycache__", "model_cards")
    )
    results = package / "demo" / "lab_results"
    results.mkdir()
    for path in [
        *(ROOT / "docs" / "lab").glob("*.json"),
        *(ROOT / "docs" / "lab").glob("*.md"),
    ]:  # as setup.py
        shutil.copy2(path, results / path.name)
    return site


def test_the_exported_app_serves_the_page_and_the_api(space, tmp_path):
    port = free_port()
    site = installed_rnnhub(tmp_path / "site")
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("RNNHUB_MODELS_DIR", "PYTHONPATH")},
        "PYTHONPATH": str(site),
        "GRADIO_SERVER_NAME": "127.0.0.1",  # as a Space sets them (there 0.0.0.0 and 7860)
        "GRADIO_SERVER_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=space.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        page = wait_for_page(url, process, process.stdout.read)
        assert page.status_code == 200
        assert httpx.get(f"{url}config", timeout=30).json()["title"] == "rnnhub demo"
        client = Client(url, verbose=False)
        table = client.predict(api_name="/models")
        assert sorted(row[0] for row in table["data"]) == sorted(
            space.models
        )  # the Space's folders, only those
        label, details, *_ = client.predict(
            "A wonderful, moving film.", "English", "lstm", api_name="/sentiment"
        )
        assert label["label"] == "positive" and "lstm-sentiment-rt-en" in details
        _, memory_table = client.predict(api_name="/lab_memory_table")
        assert "| lstm |" in memory_table
    finally:
        stop_server(process)
