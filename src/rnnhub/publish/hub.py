"""The local registry of published models and their upload to the Hugging Face Hub.

Every folder under ``model_cards/`` is a complete Hub model repository (config.json, model.safetensors, the
modeling files for ``trust_remote_code``, tokenizer files, README.md card). Together they form a registry:

* :func:`list_models` reads each folder's card metadata and config (``rnnhub models``);
* :func:`resolve` turns a short name (the folder name) into its path, so ``from_pretrained(resolve("name"))``
  works anywhere rnnhub is installed;
* :func:`rnnhub.publish.verify.verify` (re-exported here) checks that a folder would work for someone downloading it
  from the Hub, including a ``trust_remote_code`` load in a clean Python where rnnhub cannot be imported;
* :func:`publish` verifies, then uploads with ``huggingface_hub`` (``dry_run=True`` does everything but upload).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, ModelCard

from rnnhub.publish.hub_metadata import card_problems, check_repo_id, fill_org, front_matter, short_name
from rnnhub.publish.verify import HIDE_RNNHUB, Check, VerifyReport, verify

MODELS_DIR_ENV = "RNNHUB_MODELS_DIR"


# ---------------------------------------------------------------------------------------------------------------
# Where the registry lives


def _package_dir() -> Path:
    """The ``rnnhub`` package folder (this module lives in ``rnnhub/publish``)."""
    return Path(__file__).resolve().parents[1]


def _checkout_models_dir() -> Path | None:
    """``<repo>/model_cards`` when rnnhub runs from a source checkout (``<repo>/src/rnnhub``), else None."""
    package = _package_dir()
    # Only the src layout counts: in site-packages, parents[2] is lib/pythonX.Y, which is not a checkout.
    if package.parent.name != "src":
        return None
    return package.parents[1] / "model_cards"


def _packaged_models_dir() -> Path:
    """The copy setup.py puts into the wheel as ``rnnhub/model_cards`` (non-editable installs)."""
    return _package_dir() / "model_cards"


def _candidate_dirs() -> list[Path]:
    candidates = []
    if os.environ.get(MODELS_DIR_ENV):
        candidates.append(Path(os.environ[MODELS_DIR_ENV]).expanduser())
    checkout = _checkout_models_dir()
    if checkout is not None:
        candidates.append(checkout)
    candidates.append(_packaged_models_dir())
    return candidates


def model_dirs() -> list[Path]:
    """The existing registry folders, searched in this order: ``$RNNHUB_MODELS_DIR``, the checkout's
    ``model_cards/`` (source checkouts and editable installs), the copy packaged inside rnnhub (wheels)."""
    found: list[Path] = []
    for path in _candidate_dirs():
        if path.is_dir() and path.resolve() not in {p.resolve() for p in found}:
            found.append(path)
    return found


def models_dir() -> Path:
    """The primary registry folder (the first of :func:`model_dirs`' search order, whether it exists or not):
    where newly published model folders belong."""
    return _candidate_dirs()[0]


def _registry() -> dict[str, Path]:
    """Short name -> folder; a name found in an earlier registry folder hides later ones."""
    entries: dict[str, Path] = {}
    for root in model_dirs():
        for folder in sorted(root.iterdir()):
            if (folder / "config.json").is_file():
                entries.setdefault(folder.name, folder)
    return entries


# ---------------------------------------------------------------------------------------------------------------
# Listing and resolving


@dataclass
class ModelInfo:
    """What ``rnnhub models`` shows about one published folder (from its card metadata and config.json)."""

    name: str
    path: Path
    has_card: bool
    task: str | None = None
    datasets: list[str] = field(default_factory=list)
    metric_name: str | None = None
    metric_value: float | None = None
    metric_split: str | None = None
    metric_dataset: str | None = None
    architecture: str | None = None
    cell_type: str | None = None
    license: str | None = None
    size_mb: float = 0.0
    card_error: str | None = None

    @property
    def headline(self) -> str:
        """The headline metric as text, e.g. ``"accuracy 0.874 (test)"``; ``"-"`` when there is none."""
        if self.metric_name is None:
            return "-"
        value = f"{self.metric_value:.4g}" if isinstance(self.metric_value, float) else str(self.metric_value)
        return f"{self.metric_name} {value}" + (f" ({self.metric_split})" if self.metric_split else "")

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path), "headline": self.headline}


def list_models() -> list[ModelInfo]:
    """Every model folder in the registry (see :func:`model_dirs`), sorted by name.

    A folder without README.md is listed with ``has_card=False``; one whose card does not parse is listed with
    the parse error in ``card_error``, so one broken folder does not hide the others.
    """
    return [model_info(folder) for _, folder in sorted(_registry().items())]


def _folder_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(relative path, size, mtime) of every file under ``folder``: it changes when any file does."""
    stamp = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            status = path.stat()
            stamp.append((path.relative_to(folder).as_posix(), status.st_size, status.st_mtime_ns))
    return tuple(stamp)


# folder -> (stamp, info). Parsing a card's YAML costs ~20 ms, and the demo lists every folder on each request.
_INFO_CACHE: dict[Path, tuple[tuple, ModelInfo]] = {}
_INFO_CACHE_SIZE = 256
_INFO_LOCK = threading.Lock()


def model_info(folder: str | os.PathLike[str]) -> ModelInfo:
    """Read one folder's card metadata and config into a :class:`ModelInfo`.

    The result is cached until a file of the folder changes (added, removed, resized or touched), so listing
    the registry again re-reads only the folders that changed; each call returns its own copy.
    """
    folder = Path(folder)
    stamp = _folder_stamp(folder)
    with _INFO_LOCK:
        cached = _INFO_CACHE.get(folder)
    if cached is None or cached[0] != stamp:
        cached = (stamp, _read_model_info(folder, size_mb=sum(size for _, size, _ in stamp) / 1e6))
        with _INFO_LOCK:
            if len(_INFO_CACHE) >= _INFO_CACHE_SIZE:
                _INFO_CACHE.clear()
            _INFO_CACHE[folder] = cached
    return copy.deepcopy(cached[1])


def _read_model_info(folder: Path, size_mb: float) -> ModelInfo:
    config = _read_json(folder / "config.json")
    info = ModelInfo(
        name=folder.name,
        path=folder,
        has_card=(folder / "README.md").is_file(),
        architecture=(config.get("architectures") or [None])[0],
        cell_type=config.get("cell_type"),
        size_mb=size_mb,
    )
    if info.has_card:
        try:
            _fill_from_card(info, ModelCard.load(folder / "README.md"))
        except Exception as error:  # a broken card is reported in the listing, never fatal to it
            info.card_error = f"{type(error).__name__}: {error}"
    return info


def _fill_from_card(info: ModelInfo, card: ModelCard) -> None:
    data = card.data
    datasets = data.datasets or []
    info.datasets = [short_name(d) for d in ([datasets] if isinstance(datasets, str) else datasets)]
    info.task = data.pipeline_tag
    info.license = data.license
    if data.eval_results:
        # make_model_card puts the headline metric first.
        headline = data.eval_results[0]
        info.metric_name = headline.metric_name or headline.metric_type
        info.metric_value = headline.metric_value
        info.metric_split = headline.dataset_split
        info.metric_dataset = headline.dataset_name


def resolve(name_or_path: str | os.PathLike[str]) -> str:
    """What to pass to ``from_pretrained``: an existing path as is, a registry short name as its folder, and
    anything with a slash unchanged (a Hub id such as ``ORG/NAME``).

    Raises:
        ValueError: a bare name (no slash) that is neither an existing path nor in the registry; the message
            lists the registered names.
    """
    text = os.fspath(name_or_path)
    if Path(text).exists():
        return text
    registry = _registry()
    if text in registry:
        return str(registry[text])
    if "/" in text:
        return text
    available = ", ".join(registry) or "none (no published models yet)"
    raise ValueError(
        f"{text!r} is not a published rnnhub model, a local folder or a Hub id (ORG/NAME). "
        f"Available short names: {available}. See `rnnhub models`."
    )


# ---------------------------------------------------------------------------------------------------------------
# Publishing


def publish(
    folder: str | os.PathLike[str],
    repo_id: str | None = None,
    *,
    org: str | None = None,
    dry_run: bool = False,
    token: str | None = None,
    private: bool = False,
) -> VerifyReport:
    """Verify ``folder``, fill its card's ``<org>`` placeholder, check the card's Hub metadata and upload it to
    ``repo_id`` (``ORG/NAME``; default ``ORG/<folder name>`` with ``org``; ``org`` defaults to repo_id's).

    ``dry_run=True`` runs every check and makes no network call. Returns the verification report.

    Raises:
        ValueError: no valid repo id or organisation, verification failed, or the card has metadata the Hub
            would reject or show wrongly (the message lists them).
    """
    repo_id, org = target(folder, repo_id, org)
    report = verify(folder)
    require_ok(report)
    card = final_card(folder, org, repo_type="model")
    if not dry_run:
        upload(folder, repo_id, token=token, private=private, card_text=card)
    return report


def target(folder: str | os.PathLike[str], repo_id: str | None, org: str | None) -> tuple[str, str]:
    """The repository and organisation to publish to: ``(repo_id, org)``, either derived from the other."""
    if repo_id is None:
        if org is None:
            raise ValueError(
                "give --repo-id ORG/NAME or --org ORG (the repository is then ORG/<folder name>)."
            )
        repo_id = f"{org}/{Path(folder).name}"
    check_repo_id(repo_id)
    return repo_id, org or repo_id.split("/")[0]


def final_card(folder: str | os.PathLike[str], org: str, *, repo_type: str) -> str:
    """``folder``'s README.md with ``<org>`` filled in, as it would be uploaded.

    Raises:
        ValueError: the card is missing or has metadata the Hub would reject or show wrongly.
    """
    folder = Path(folder)
    path = folder / "README.md"
    if not path.is_file():
        raise ValueError(f"{folder} has no README.md card; generate it before publishing.")
    card = fill_org(path.read_text(encoding="utf-8"), org)
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    problems = card_problems(card, repo_type=repo_type, files=files)
    if problems:
        raise ValueError(
            f"{path}'s card is not ready for the Hub: " + "; ".join(problems) + ". Regenerate the card "
            "(its generator, or `python -m rnnhub.publish.refresh` for the committed folders)."
        )
    return card


def require_ok(report: VerifyReport) -> None:
    """Raise ValueError listing the failed checks, if any."""
    if not report.ok:
        failures = "; ".join(f"{check.name}: {check.message.rstrip('.')}" for check in report.failures)
        raise ValueError(f"{report.folder} is not ready to publish: {failures}")


def upload(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    repo_type: str = "model",
    card_text: str | None = None,
) -> str:
    """Create ``repo_id`` if needed and upload the folder as one commit; returns the commit URL.

    ``card_text`` replaces README.md in the upload (the card with its organisation filled in); the folder itself is
    left as it is. Does not verify: call :func:`publish` unless the folder was just verified."""
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnnhub-upload-") as staging:
        source = Path(folder)
        if card_text is not None:
            source = Path(staging) / Path(folder).name
            shutil.copytree(folder, source, ignore=shutil.ignore_patterns(*_IGNORED))
            (source / "README.md").write_text(card_text, encoding="utf-8")
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(source),
            repo_type=repo_type,
            commit_message=f"Publish {Path(folder).name} with rnnhub",
            ignore_patterns=[*_IGNORED, "__pycache__/*"],
        )
    return str(getattr(commit, "commit_url", commit))


_IGNORED = ("*.pyc", "__pycache__", ".*")


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# ---------------------------------------------------------------------------------------------------------------
# Command line


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add ``models``, ``info`` and ``publish`` to the top-level ``rnnhub`` parser."""
    models = subparsers.add_parser("models", help="list the published models (task, data, headline metric)")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models.set_defaults(func=_cli_models)

    info = subparsers.add_parser("info", help="show a published model's card metadata and config")
    info.add_argument("name", help="a short name from `rnnhub models`, or a model folder")
    info.set_defaults(func=_cli_info)

    publish_parser = subparsers.add_parser("publish", help="verify a model folder and upload it to the Hub")
    publish_parser.add_argument("folder", help="a model folder or a short name from `rnnhub models`")
    publish_parser.add_argument(
        "--repo-id", default=None, help="the Hub repository, ORG/NAME (default: ORG/<folder name> with --org)"
    )
    publish_parser.add_argument(
        "--org",
        default=None,
        help="the user or organisation the card's <org>/ ids name (default: --repo-id's)",
    )
    publish_parser.add_argument("--dry-run", action="store_true", help="run every check, upload nothing")
    publish_parser.add_argument("--private", action="store_true", help="create the repository as private")
    publish_parser.add_argument(
        "--token", default=None, help="Hub token (default: the logged-in one / $HF_TOKEN)"
    )
    publish_parser.set_defaults(func=_cli_publish)


def _cli_models(args: argparse.Namespace) -> int:
    models = list_models()
    if args.json:
        print(json.dumps([m.to_json() for m in models], indent=2))
        return 0
    if not models:
        searched = ", ".join(str(p) for p in _candidate_dirs())
        print(
            f"No models published yet (searched: {searched}). Train one, save it with save_pretrained plus its "
            "tokenizer and a card (rnnhub.publish.cards), into model_cards/<name>/, or point $RNNHUB_MODELS_DIR at a folder."
        )
        return 0
    rows = [("name", "task", "data", "headline metric", "arch", "MB")]
    for m in models:
        task = m.task or ("(no card)" if not m.has_card else "(card error)" if m.card_error else "-")
        data = ",".join(m.datasets) or "-"
        rows.append((m.name, task, data, m.headline, m.cell_type or "-", f"{m.size_mb:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


_INFO_CONFIG_KEYS = (
    "architectures",
    "model_type",
    "cell_type",
    "num_hidden_layers",
    "bidirectional",
    "embedding_size",
    "hidden_size",
    "vocab_size",
    "attention_type",
    "id2label",
)


def _cli_info(args: argparse.Namespace) -> int:
    folder = Path(resolve(args.name))
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} is not a local model folder (no config.json).")
    print(f"# {folder.name}  ({folder})")
    if (folder / "README.md").is_file():
        print("\n## Card metadata\n")
        print(ModelCard.load(folder / "README.md").data.to_yaml())
    else:
        print("\n(no README.md card)")
    config = _read_json(folder / "config.json")
    keys = [key for key in _INFO_CONFIG_KEYS if key in config]
    print("\n## Config\n")
    for key in keys:
        print(f"{key}: {config[key]}")
    print("\n## Files\n")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        print(f"{path.stat().st_size / 1e3:>10.1f} kB  {path.relative_to(folder)}")
    return 0


def _cli_publish(args: argparse.Namespace) -> int:
    folder = Path(resolve(args.folder))
    repo_id, org = target(folder, args.repo_id, args.org)
    print(f"verifying {folder}")
    report = verify(folder)
    print(report)
    require_ok(report)
    card = final_card(folder, org, repo_type="model")
    if args.dry_run:
        print(f"\nthe card's metadata as it would be uploaded:\n{front_matter(card)}")
        print(f"dry run: all checks passed; would upload {folder} to https://huggingface.co/{repo_id}")
        return 0
    url = upload(folder, repo_id, token=args.token, private=args.private, card_text=card)
    print(f"uploaded {folder} -> {url}")
    return 0


__all__ = [
    "HIDE_RNNHUB",
    "Check",
    "ModelInfo",
    "VerifyReport",
    "final_card",
    "list_models",
    "model_dirs",
    "model_info",
    "models_dir",
    "publish",
    "resolve",
    "target",
    "upload",
    "verify",
]
