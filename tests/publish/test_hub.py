"""The local model registry, folder verification, publishing (never over the network) and their CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from safetensors.torch import load_file, save_file

from builders import save_tiny_model
from rnnhub.cli import main
from rnnhub.publish import hub
from rnnhub.publish import verify as rnnhub_verify

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def good_folder(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("models") / "tiny-sentiment")


@pytest.fixture
def folder(good_folder, tmp_path) -> Path:
    """A private copy of the good folder, for tests that break it."""
    return Path(shutil.copytree(good_folder, tmp_path / "tiny-sentiment"))


@pytest.fixture
def registry(tmp_path, monkeypatch) -> Path:
    """An isolated registry: only $RNNHUB_MODELS_DIR, not the checkout's model_cards/ or a packaged copy."""
    root = tmp_path / "registry"
    root.mkdir()
    monkeypatch.setenv(hub.MODELS_DIR_ENV, str(root))
    monkeypatch.setattr(hub, "_checkout_models_dir", lambda: None)
    monkeypatch.setattr(hub, "_packaged_models_dir", lambda: tmp_path / "not-installed")
    return root


# ---------------------------------------------------------------------------------------------------------------
# Where the registry lives


def test_search_order_is_env_then_checkout_then_packaged(tmp_path, monkeypatch):
    package = tmp_path / "repo" / "src" / "rnnhub"
    (package / "model_cards").mkdir(parents=True)
    (tmp_path / "repo" / "model_cards").mkdir()
    (tmp_path / "mine").mkdir()
    monkeypatch.setattr(hub, "_package_dir", lambda: package)
    monkeypatch.setenv(hub.MODELS_DIR_ENV, str(tmp_path / "mine"))

    assert hub.model_dirs() == [tmp_path / "mine", tmp_path / "repo" / "model_cards", package / "model_cards"]
    assert hub.models_dir() == tmp_path / "mine"
    monkeypatch.delenv(hub.MODELS_DIR_ENV)
    assert hub.models_dir() == tmp_path / "repo" / "model_cards"


def test_packaged_copy_is_found_in_site_packages(tmp_path, monkeypatch):
    # After `pip install .`, setup.py has copied model_cards/ to site-packages/rnnhub/model_cards.
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    package = site / "rnnhub"
    (package / "model_cards" / "tiny").mkdir(parents=True)
    (package / "model_cards" / "tiny" / "config.json").write_text("{}")
    (tmp_path / "lib" / "model_cards").mkdir()  # parents[2] of an installed rnnhub/hub.py is not a checkout
    monkeypatch.setattr(hub, "_package_dir", lambda: package)
    monkeypatch.delenv(hub.MODELS_DIR_ENV, raising=False)

    assert hub.model_dirs() == [package / "model_cards"]
    assert hub.resolve("tiny") == str(package / "model_cards" / "tiny")


def test_real_checkout_layout_points_at_the_repo_model_cards():
    assert hub._checkout_models_dir() == SRC.parent / "model_cards"


def test_earlier_registry_folder_wins(tmp_path, monkeypatch):
    for root in ("first", "second"):
        (tmp_path / root / "same").mkdir(parents=True)
        (tmp_path / root / "same" / "config.json").write_text("{}")
    monkeypatch.setattr(hub, "_candidate_dirs", lambda: [tmp_path / "first", tmp_path / "second"])
    assert hub.resolve("same") == str(tmp_path / "first" / "same")


# ---------------------------------------------------------------------------------------------------------------
# Listing and resolving


def test_list_models_reads_card_and_config(registry, good_folder):
    shutil.copytree(good_folder, registry / "tiny-sentiment")
    (registry / "notes").mkdir()  # no config.json: not a model

    [info] = hub.list_models()
    assert info.name == "tiny-sentiment"
    assert info.path == registry / "tiny-sentiment"
    assert info.has_card and info.card_error is None
    assert info.task == "text-classification"
    assert info.datasets == ["rnnhub/sentiment-en"]
    assert (info.metric_name, info.metric_value, info.metric_split) == ("Accuracy", 0.75, "test")
    assert info.architecture == "RnnHubForSequenceClassification"
    assert info.cell_type == "gru"
    assert info.license == "apache-2.0"
    assert 0 < info.size_mb < 1
    assert info.headline == "Accuracy 0.75 (test)"


def test_folders_without_or_with_broken_cards_are_still_listed(registry, good_folder):
    shutil.copytree(good_folder, registry / "no-card")
    (registry / "no-card" / "README.md").unlink()
    shutil.copytree(good_folder, registry / "broken-card")
    (registry / "broken-card" / "README.md").write_text("---\nmodel-index: [{results: 3}]\n---\n")

    infos = {info.name: info for info in hub.list_models()}
    assert not infos["no-card"].has_card and infos["no-card"].task is None
    assert infos["broken-card"].has_card and "model_index" in infos["broken-card"].card_error


def test_model_info_reads_a_folder_again_only_when_one_of_its_files_changes(
    registry, good_folder, monkeypatch
):
    folder = Path(shutil.copytree(good_folder, registry / "tiny-sentiment"))
    reads = []
    read = hub._read_model_info
    monkeypatch.setattr(hub, "_read_model_info", lambda *a, **k: reads.append(a[0]) or read(*a, **k))

    first, second = hub.model_info(folder), hub.model_info(folder)
    assert len(reads) == 1 and first == second
    first.datasets.append("changed by a caller")  # every call gets its own copy
    assert hub.model_info(folder).datasets == ["rnnhub/sentiment-en"]

    card = folder / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("0.75", "0.50"), encoding="utf-8")  # same size
    status = card.stat()
    os.utime(card, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
    assert hub.model_info(folder).metric_value == 0.5 and len(reads) == 2

    size = hub.model_info(folder).size_mb
    (folder / "extra.bin").write_bytes(b"x" * 100_000)
    assert hub.model_info(folder).size_mb == pytest.approx(size + 0.1) and len(reads) == 3
    assert [info.metric_value for info in hub.list_models()] == [0.5] and len(reads) == 3


def test_resolve(registry, good_folder, tmp_path):
    shutil.copytree(good_folder, registry / "tiny-sentiment")
    assert hub.resolve("tiny-sentiment") == str(registry / "tiny-sentiment")
    assert hub.resolve(str(good_folder)) == str(good_folder)
    assert hub.resolve(tmp_path) == str(tmp_path)
    assert hub.resolve("some-org/some-model") == "some-org/some-model"


def test_unknown_short_name_lists_the_available_ones(registry, good_folder):
    shutil.copytree(good_folder, registry / "tiny-sentiment")
    with pytest.raises(
        ValueError, match="'nope' is not a published rnnhub model.*Available short names: tiny-sentiment"
    ):
        hub.resolve("nope")


def test_cli_models_table_and_json(registry, good_folder, capsys):
    shutil.copytree(good_folder, registry / "tiny-sentiment")

    assert main(["models"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[:4] == ["name", "task", "data", "headline"]
    assert row.split()[:5] == [
        "tiny-sentiment",
        "text-classification",
        "rnnhub/sentiment-en",
        "Accuracy",
        "0.75",
    ]

    assert main(["models", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["name"] == "tiny-sentiment"
    assert entry["path"] == str(registry / "tiny-sentiment")
    assert entry["task"] == "text-classification"
    assert entry["headline"] == "Accuracy 0.75 (test)"


def test_cli_models_with_empty_registry(registry, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "No models published yet" in out and "model_cards/<name>/" in out
    assert main(["models", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_info(registry, good_folder, capsys):
    shutil.copytree(good_folder, registry / "tiny-sentiment")
    assert main(["info", "tiny-sentiment"]) == 0
    out = capsys.readouterr().out
    assert "pipeline_tag: text-classification" in out and "model-index:" in out
    assert "cell_type: gru" in out and "model.safetensors" in out

    assert main(["info", "nope"]) == 2
    assert "Available short names: tiny-sentiment" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# Verification


@pytest.fixture(scope="module")
def good_report(good_folder) -> hub.VerifyReport:
    return hub.verify(good_folder)


def test_verify_passes_on_a_good_folder(good_report):
    assert good_report.ok, str(good_report)
    names = [check.name for check in good_report.checks]
    assert names == [
        "code",
        "no pickles",
        "links",
        "size",
        "card",
        "config",
        "leftovers",
        "weights",
        "tokenizer",
        "remote code",
    ]


def test_remote_code_load_runs_without_rnnhub(good_report):
    # The child asserted find_spec("rnnhub") is None before importing transformers, and that no rnnhub module was
    # imported afterwards; the class must come from the folder's own files, copied into transformers_modules.
    message = good_report.get("remote code").message
    assert "without rnnhub -> transformers_modules." in message
    assert "modeling_rnnhub.RnnHubForSequenceClassification" in message
    assert "TokenizersBackend" in message


def _child_finds_rnnhub(prelude: str) -> str:
    """Run a child Python in which rnnhub IS importable (PYTHONPATH=src plus an editable-install-style
    meta-path finder), apply `prelude`, and report what find_spec says (and import, when it says None)."""
    script = f"""
import importlib.machinery, importlib.util, sys
class EditableFinder:  # what setuptools' editable installs put on sys.meta_path
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name == "rnnhub":
            return importlib.util.spec_from_file_location(name, {str(SRC / "rnnhub" / "__init__.py")!r})
sys.meta_path.insert(0, EditableFinder)
{prelude}
spec = importlib.util.find_spec("rnnhub")
outcome = "findable"
if spec is None:
    try:
        import rnnhub
        outcome = "imported"
    except ImportError:
        outcome = "ImportError"
print(spec is None, outcome)
"""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-2:]


def test_hiding_really_hides_an_importable_rnnhub():
    # Without the prelude the child can import rnnhub (so the test below is meaningful) ...
    assert _child_finds_rnnhub("pass") == ["False", "findable"]
    # ... and with verify's prelude it cannot, neither through sys.path nor through the editable finder.
    assert _child_finds_rnnhub(hub.HIDE_RNNHUB) == ["True", "ImportError"]


def failures(folder: Path) -> dict[str, str]:
    report = hub.verify(folder, remote_code=False)
    return {check.name: check.message for check in report.failures}


def test_verify_fails_without_card(folder):
    (folder / "README.md").unlink()
    assert "README.md is missing" in failures(folder)["card"]


def test_verify_fails_on_card_without_model_index(folder):
    (folder / "README.md").write_text(
        "---\nlicense: apache-2.0\npipeline_tag: text-classification\n---\n# tiny\n"
    )
    assert "lacks model-index results" in failures(folder)["card"]


def test_verify_fails_on_card_without_license(folder):
    card = (folder / "README.md").read_text()
    (folder / "README.md").write_text(card.replace("license: apache-2.0\n", ""))
    assert failures(folder) == {"card": "card metadata lacks license; regenerate it with make_model_card."}


def test_verify_fails_on_a_pickle_file(folder):
    (folder / "training_args.bin").write_bytes(b"\x80\x04K\x01.")
    assert "training_args.bin" in failures(folder)["no pickles"]


def test_verify_fails_on_truncated_weights(folder):
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    report = hub.verify(folder)  # the remote-code check is skipped, not run on a broken folder
    assert not report.ok
    assert "truncated or corrupt" in report.get("weights").message
    assert report.get("remote code").message.startswith("not run")


def test_verify_fails_on_weights_of_another_shape(folder):
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": 16}))
    assert "size mismatch" in failures(folder)["weights"]


def test_verify_fails_on_missing_weights(folder):
    # transformers would only warn and initialise the missing tensor randomly.
    weights = load_file(folder / "model.safetensors")
    del weights["classifier.weight"]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    assert "classifier.weight" in failures(folder)["weights"]


def test_verify_fails_without_tokenizer(folder):
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).unlink()
    assert "no tokenizer files" in failures(folder)["tokenizer"]


def test_verify_fails_on_a_tokenizer_larger_than_the_vocabulary(folder):
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "vocab_size": 5}))
    found = failures(folder)
    assert "vocab_size is 5" in found["tokenizer"]


def test_verify_fails_on_a_folder_without_config(tmp_path):
    assert "no config.json" in failures(tmp_path)["folder"]


def test_verify_warns_about_a_big_folder(folder, monkeypatch):
    monkeypatch.setattr(rnnhub_verify, "MAX_FOLDER_MB", 0.001)
    report = hub.verify(folder, remote_code=False)
    size = report.get("size")
    assert report.ok and size.warning and "over" in size.message


# ---------------------------------------------------------------------------------------------------------------
# Publishing


def test_cli_publish_dry_run_verifies_everything_and_uploads_nothing(
    registry, good_folder, no_network, capsys
):
    shutil.copytree(good_folder, registry / "tiny-sentiment")
    assert main(["publish", "tiny-sentiment", "--repo-id", "someone/tiny", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "[  ok] remote code" in out and "FAIL" not in out
    assert "dry run: all checks passed; would upload" in out


def test_publish_uploads_with_huggingface_hub(folder, monkeypatch):
    calls = []
    monkeypatch.setattr(
        HfApi, "create_repo", lambda self, repo_id, **kw: calls.append(("create", repo_id, kw))
    )
    uploaded = {}

    def upload_folder(self, **kw):
        calls.append(("upload", kw))
        staged = Path(kw["folder_path"])  # read while it exists: the staged copy is removed after the upload
        uploaded["card"] = (staged / "README.md").read_text(encoding="utf-8")
        uploaded["files"] = sorted(p.name for p in staged.iterdir())

    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    # The clean-subprocess load is covered above; skipping it here keeps this test fast.
    monkeypatch.setattr(
        rnnhub_verify, "_check_remote_code", lambda f, a, p, report: report.add("remote code", True, "stub")
    )
    committed = _with_placeholder(folder)

    report = hub.publish(folder, "someone/tiny", private=True)

    assert report.ok
    (kind, repo_id, create_kwargs), (_, upload_kwargs) = calls
    assert (kind, repo_id) == ("create", "someone/tiny")
    assert create_kwargs["exist_ok"] is True and create_kwargs["private"] is True
    assert upload_kwargs["repo_id"] == "someone/tiny"
    assert upload_kwargs["repo_type"] == "model"
    # The card is uploaded with the organisation filled in; the folder itself keeps the placeholder.
    assert uploaded["card"] == committed.replace("<org>/", "someone/")
    assert uploaded["files"] == sorted(p.name for p in folder.iterdir())
    assert (folder / "README.md").read_text(encoding="utf-8") == committed


def _with_placeholder(folder: Path) -> str:
    """Give the folder's card the `<org>/` ids committed cards carry; returns the card."""
    path = folder / "README.md"
    text = path.read_text(encoding="utf-8").replace("rnnhub/", "<org>/")
    path.write_text(text, encoding="utf-8")
    return text


def test_cli_publish_org_dry_run_shows_the_final_card(registry, good_folder, no_network, capsys, monkeypatch):
    _with_placeholder(Path(shutil.copytree(good_folder, registry / "tiny-sentiment")))
    monkeypatch.setattr(
        rnnhub_verify, "_check_remote_code", lambda f, a, p, report: report.add("remote code", True, "stub")
    )
    assert main(["publish", "tiny-sentiment", "--org", "someone", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "- someone/sentiment-en" in out and "<org>" not in out
    assert "would upload" in out and "https://huggingface.co/someone/tiny-sentiment" in out


def test_publish_refuses_a_card_the_hub_would_reject(folder, no_network, monkeypatch):
    monkeypatch.setattr(
        rnnhub_verify, "_check_remote_code", lambda f, a, p, report: report.add("remote code", True, "stub")
    )
    path = folder / "README.md"
    text = path.read_text(encoding="utf-8").replace("license: apache-2.0", "license: gpl-2.0-or-later")
    path.write_text(text.replace("rnnhub/sentiment-en", "sentiment-en"), encoding="utf-8")
    with pytest.raises(
        ValueError, match="not ready for the Hub: license 'gpl-2.0-or-later' is not a Hub licence id"
    ):
        hub.publish(folder, "someone/tiny", dry_run=True)
    with pytest.raises(ValueError, match="datasets entry 'sentiment-en' must look like ORG/NAME"):
        hub.publish(folder, "someone/tiny", dry_run=True)


def test_publish_needs_a_repo_id_or_an_org(folder, no_network):
    with pytest.raises(ValueError, match="give --repo-id ORG/NAME or --org ORG"):
        hub.publish(folder, dry_run=True)


def test_publish_refuses_a_failing_folder(folder, no_network, capsys):
    (folder / "README.md").unlink()
    with pytest.raises(ValueError, match="not ready to publish: card: README.md is missing"):
        hub.publish(folder, "someone/tiny")

    assert main(["publish", str(folder), "--repo-id", "someone/tiny"]) == 2
    captured = capsys.readouterr()
    assert "[FAIL] card" in captured.out
    assert "not ready to publish" in captured.err


@pytest.mark.parametrize("repo_id", ["tiny", "a/b/c", "/tiny"])
def test_publish_needs_org_and_name(folder, repo_id, no_network):
    with pytest.raises(ValueError, match="must look like ORG/NAME"):
        hub.publish(folder, repo_id, dry_run=True)
