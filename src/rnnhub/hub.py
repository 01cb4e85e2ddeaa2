"""The local registry of published models, their verification, and their upload to the Hugging Face Hub.

Every folder under ``model_cards/`` is a complete Hub model repository (config.json, model.safetensors, the
modeling files for ``trust_remote_code``, tokenizer files, README.md card). Together they form a registry:

* :func:`list_models` reads each folder's card metadata and config (``rnnhub models``);
* :func:`resolve` turns a short name (the folder name) into its path, so ``from_pretrained(resolve("name"))``
  works anywhere rnnhub is installed;
* :func:`verify` checks that a folder would work for someone downloading it from the Hub, including a
  ``trust_remote_code`` load in a clean Python where rnnhub cannot be imported;
* :func:`publish` verifies, then uploads with ``huggingface_hub`` (``dry_run=True`` does everything but upload).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, ModelCard

MODELS_DIR_ENV = "RNNHUB_MODELS_DIR"
MAX_FOLDER_MB = 20.0
# Extensions of pickle-based checkpoints: loading one can run arbitrary code, so none may be published.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
REMOTE_CODE_TIMEOUT_S = 300


# ---------------------------------------------------------------------------------------------------------------
# Where the registry lives


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


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


def model_info(folder: str | os.PathLike[str]) -> ModelInfo:
    """Read one folder's card metadata and config into a :class:`ModelInfo`."""
    folder = Path(folder)
    config = _read_json(folder / "config.json")
    info = ModelInfo(
        name=folder.name,
        path=folder,
        has_card=(folder / "README.md").is_file(),
        architecture=(config.get("architectures") or [None])[0],
        cell_type=config.get("cell_type"),
        size_mb=_folder_mb(folder),
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
    info.datasets = [datasets] if isinstance(datasets, str) else list(datasets)
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
# Verification


@dataclass
class Check:
    """One verification step. A warning passes but deserves a look."""

    name: str
    passed: bool
    message: str
    warning: bool = False

    def __str__(self) -> str:
        mark = "WARN" if self.passed and self.warning else ("ok" if self.passed else "FAIL")
        return f"[{mark:>4}] {self.name}: {self.message}"


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: every check, in the order they ran."""

    folder: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def get(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    def add(self, name: str, passed: bool, message: str, *, warning: bool = False) -> bool:
        self.checks.append(Check(name, passed, message, warning))
        return passed

    def __str__(self) -> str:
        return "\n".join(str(check) for check in self.checks)


def verify(folder: str | os.PathLike[str], *, remote_code: bool = True) -> VerifyReport:
    """Check that ``folder`` is a complete, safe Hub model folder that loads the way its card says.

    Checks, in order: files (no pickles, size), card (parses; model-index with at least one result; license and
    pipeline_tag), config (AutoConfig), weights (the Auto class matching ``architectures``, no missing or
    mismatched weights), tokenizer (AutoTokenizer; required, as every rnnhub model reads or writes token ids),
    image processor (when the folder has one, required for captioning), and, unless ``remote_code=False``,
    the ``trust_remote_code`` load in a clean subprocess where rnnhub cannot be imported (only once every other
    check passed: it is the slow one).
    """
    folder = Path(folder)
    report = VerifyReport(folder)
    if not (folder / "config.json").is_file():
        report.add(
            "folder", False, f"{folder} has no config.json; save the model there with save_pretrained."
        )
        return report
    _check_files(folder, report)
    _check_card(folder, report)
    config = _check_config(folder, report)
    loaded = _check_weights(folder, config, report) if config is not None else None
    _check_tokenizer(folder, config, report)
    _check_image_processor(folder, config, report)
    if not remote_code:
        return report
    if loaded is None or not report.ok:
        # The clean subprocess takes seconds; a folder that already failed gets its answer without waiting.
        report.add("remote code", False, "not run: fix the failures above first.")
    else:
        _check_remote_code(folder, *loaded, report)
    return report


def _check_files(folder: Path, report: VerifyReport) -> None:
    pickles = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES)
    report.add(
        "no pickles",
        not pickles,
        f"pickle files {', '.join(pickles)}: unpickling runs arbitrary code; delete them (weights belong in "
        "model.safetensors)."
        if pickles
        else "no pickle files",
    )
    size = _folder_mb(folder)
    big = size > MAX_FOLDER_MB
    report.add(
        "size",
        True,
        f"{size:.1f} MB"
        + (f", over {MAX_FOLDER_MB:.0f} MB: is this the small model you meant to publish?" if big else ""),
        warning=big,
    )


def _check_card(folder: Path, report: VerifyReport) -> None:
    card_path = folder / "README.md"
    if not card_path.is_file():
        report.add(
            "card", False, "README.md is missing; generate it with rnnhub.cards.make_model_card + save_card."
        )
        return
    try:
        card = ModelCard.load(card_path)
    except Exception as error:
        report.add("card", False, f"README.md metadata does not parse ({error}); regenerate the card.")
        return
    data = card.data
    missing = [key for key in ("license", "pipeline_tag") if not getattr(data, key, None)]
    if not data.eval_results:
        missing.insert(0, "model-index results")
    if missing:
        report.add(
            "card", False, f"card metadata lacks {', '.join(missing)}; regenerate it with make_model_card."
        )
        return
    report.add(
        "card", True, f"{data.pipeline_tag}, {data.license}, {len(data.eval_results)} model-index result(s)"
    )


def _check_config(folder: Path, report: VerifyReport):
    # Importing rnnhub.hub already imported rnnhub, which registered its configs with AutoConfig.
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(folder)
    except Exception as error:
        report.add("config", False, f"AutoConfig cannot load config.json: {type(error).__name__}: {error}")
        return None
    report.add("config", True, f"{type(config).__name__} ({config.model_type})")
    return config


def _auto_class_for(config) -> type | None:
    from rnnhub.auto import AUTO_MODELS

    architecture = (getattr(config, "architectures", None) or [None])[0]
    return next((auto for _, model, auto in AUTO_MODELS if model.__name__ == architecture), None)


def _check_weights(folder: Path, config, report: VerifyReport) -> tuple[str, int] | None:
    """Load the weights with the Auto class of the config's architecture; if they load, return that class's name
    and the parameter count (which the clean remote-code load must reproduce)."""
    auto_class = _auto_class_for(config)
    if auto_class is None:
        report.add(
            "weights", False, f"config.json architectures={config.architectures!r} is not an rnnhub model."
        )
        return None
    try:
        model, loading = auto_class.from_pretrained(folder, output_loading_info=True)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        if "ignore_mismatched_sizes" in str(error):  # transformers points at a log table; say what it means
            reason = (
                "size mismatch: the tensors in model.safetensors have other shapes than config.json describes"
            )
        report.add(
            "weights",
            False,
            f"{auto_class.__name__} cannot load them: {reason}; save model and config again.",
        )
        return None
    # transformers only warns about missing weights and initialises them randomly; a published model must not.
    problems = {key: loading.get(key) for key in ("missing_keys", "mismatched_keys") if loading.get(key)}
    if problems:
        report.add(
            "weights",
            False,
            f"model.safetensors does not match the config: {problems}; save the model again.",
        )
        return None
    parameters = model.num_parameters()
    report.add("weights", True, f"{auto_class.__name__} -> {type(model).__name__}, {parameters:,} parameters")
    return auto_class.__name__, parameters


def _check_tokenizer(folder: Path, config, report: VerifyReport) -> None:
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        report.add(
            "tokenizer",
            False,
            "no tokenizer files (tokenizer.json): every rnnhub model reads or writes token ids and the card tells "
            "users to load AutoTokenizer from this folder; save it with tokenizer.save_pretrained(folder).",
        )
        return
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except Exception as error:
        report.add("tokenizer", False, f"AutoTokenizer cannot load it: {type(error).__name__}: {error}")
        return
    vocab = getattr(config, "vocab_size", None)
    if vocab is not None and len(tokenizer) > vocab:
        report.add(
            "tokenizer",
            False,
            f"{len(tokenizer)} tokens but the model's vocab_size is {vocab}; ids would overflow.",
        )
        return
    report.add("tokenizer", True, f"{type(tokenizer).__name__}, {len(tokenizer)} tokens")


def _check_image_processor(folder: Path, config, report: VerifyReport) -> None:
    has_file = (folder / "preprocessor_config.json").is_file()
    needs_one = getattr(config, "model_type", None) == "rnnhub-captioning"
    if not has_file:
        if needs_one:
            report.add(
                "image processor",
                False,
                "a captioning model needs preprocessor_config.json; save its image processor into the folder.",
            )
        return
    from transformers import AutoImageProcessor

    try:
        processor = AutoImageProcessor.from_pretrained(folder)
    except Exception as error:
        report.add(
            "image processor", False, f"AutoImageProcessor cannot load it: {type(error).__name__}: {error}"
        )
        return
    report.add("image processor", True, type(processor).__name__)


# The clean-subprocess check. Hiding rnnhub must work however rnnhub is installed:
# * PYTHONPATH=src (tests, development): cleared from the child's environment, and cwd is a temp dir;
# * an editable install: a .pth file in site-packages adds src/ to sys.path or a finder to sys.meta_path;
# * a regular install: rnnhub sits in site-packages right next to transformers.
# `python -S` would drop site-packages (and transformers with it), and `-I` still runs the .pth files, and no
# sys.path edit can remove a regular install without removing transformers. So the child wraps every finder on
# sys.meta_path (PathFinder, which serves sys.path, and any editable-install finder) in one that answers "not
# found" for rnnhub and its submodules and delegates everything else. After that `find_spec("rnnhub")` really is
# None, which the child asserts before importing transformers; afterwards it asserts that no rnnhub module was
# imported. HF_MODULES_CACHE points at a fresh temp dir so the modeling files are copied from this folder, not
# reused from an earlier run.
HIDE_RNNHUB = """
import importlib, importlib.util, sys

class _HideRnnhub:
    def __init__(self, finder):
        self._finder = finder

    def find_spec(self, name, path=None, target=None):
        if name == "rnnhub" or name.startswith("rnnhub."):
            return None
        find_spec = getattr(self._finder, "find_spec", None)
        return None if find_spec is None else find_spec(name, path, target)

    def __getattr__(self, attribute):
        return getattr(self._finder, attribute)

sys.meta_path[:] = [_HideRnnhub(finder) for finder in sys.meta_path]
importlib.invalidate_caches()
assert "rnnhub" not in sys.modules, "rnnhub was imported at startup"
assert importlib.util.find_spec("rnnhub") is None, "rnnhub is still importable"
"""

_REMOTE_LOAD = """
import json, os
try:
    import rnnhub
except ImportError:
    pass
else:
    raise SystemExit("import rnnhub succeeded although it was hidden")

import transformers

folder, auto_name = sys.argv[1], sys.argv[2]
model = getattr(transformers, auto_name).from_pretrained(folder, trust_remote_code=True)
result = {"class": type(model).__name__, "module": type(model).__module__, "parameters": model.num_parameters()}
if os.path.isfile(os.path.join(folder, "tokenizer.json")):
    # As the card says: without rnnhub, AutoTokenizer needs trust_remote_code too (it reads config.json first).
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
    result["tokenizer"] = type(tokenizer).__name__
result["leaked"] = sorted(m for m in sys.modules if m == "rnnhub" or m.startswith("rnnhub."))
print("RESULT " + json.dumps(result))
"""


def _clean_env(modules_cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME")}
    env.update(
        HF_MODULES_CACHE=modules_cache,
        HF_HUB_OFFLINE="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TRANSFORMERS_VERBOSITY="error",
    )
    return env


def _check_remote_code(folder: Path, auto_name: str, parameters: int, report: VerifyReport) -> None:
    with tempfile.TemporaryDirectory(prefix="rnnhub-remote-") as tmp:
        command = [sys.executable, "-c", HIDE_RNNHUB + _REMOTE_LOAD, str(folder.resolve()), auto_name]
        try:
            done = subprocess.run(
                command,
                cwd=tmp,
                env=_clean_env(os.path.join(tmp, "modules")),
                stdin=subprocess.DEVNULL,  # a trust_remote_code prompt must fail, not wait for an answer
                capture_output=True,
                text=True,
                timeout=REMOTE_CODE_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            report.add("remote code", False, f"the clean subprocess took over {REMOTE_CODE_TIMEOUT_S} s")
            return
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        report.add("remote code", False, f"trust_remote_code load without rnnhub failed: {' | '.join(tail)}")
        return
    result = json.loads(lines[-1][len("RESULT ") :])
    if result["leaked"] or not result["module"].startswith("transformers_modules"):
        report.add("remote code", False, f"the clean load used rnnhub, not the folder's files: {result}")
        return
    if result["parameters"] != parameters:
        report.add(
            "remote code",
            False,
            f"the folder's modeling files build {result['parameters']:,} parameters, rnnhub builds {parameters:,}: "
            "the copied files are stale; save the model again with the current rnnhub.",
        )
        return
    tokenizer = f", {result['tokenizer']}" if "tokenizer" in result else ""
    report.add(
        "remote code",
        True,
        f"{auto_name}(trust_remote_code=True) without rnnhub -> {result['module']}.{result['class']}, "
        f"{result['parameters']:,} parameters{tokenizer}",
    )


# ---------------------------------------------------------------------------------------------------------------
# Publishing


def publish(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    dry_run: bool = False,
    token: str | None = None,
    private: bool = False,
) -> VerifyReport:
    """Verify ``folder`` and upload it to the Hub repository ``repo_id`` (``ORG/NAME``).

    ``dry_run=True`` runs every check and makes no network call. Returns the verification report.

    Raises:
        ValueError: ``repo_id`` is not ``ORG/NAME``, or verification failed (the message lists the failures).
    """
    _check_repo_id(repo_id)
    report = verify(folder)
    require_ok(report)
    if not dry_run:
        upload(folder, repo_id, token=token, private=private)
    return report


def require_ok(report: VerifyReport) -> None:
    """Raise ValueError listing the failed checks, if any."""
    if not report.ok:
        failures = "; ".join(f"{check.name}: {check.message.rstrip('.')}" for check in report.failures)
        raise ValueError(f"{report.folder} is not ready to publish: {failures}")


def upload(
    folder: str | os.PathLike[str], repo_id: str, *, token: str | None = None, private: bool = False
) -> str:
    """Create ``repo_id`` if needed and upload the folder as one commit; returns the commit URL.
    Does not verify: call :func:`publish` unless the folder was just verified."""
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        folder_path=str(folder),
        repo_type="model",
        commit_message=f"Publish {Path(folder).name} with rnnhub",
        ignore_patterns=["*.pyc", "__pycache__/*", ".*"],
    )
    return str(getattr(commit, "commit_url", commit))


def _check_repo_id(repo_id: str) -> None:
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"repo id {repo_id!r} must look like ORG/NAME (e.g. rnnhub/lstm-sentiment-en).")


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


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
    publish_parser.add_argument("--repo-id", required=True, help="the Hub repository, ORG/NAME")
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
            "tokenizer and a card (rnnhub.cards), into model_cards/<name>/, or point $RNNHUB_MODELS_DIR at a folder."
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
    _check_repo_id(args.repo_id)
    folder = Path(resolve(args.folder))
    print(f"verifying {folder}")
    report = verify(folder)
    print(report)
    require_ok(report)
    if args.dry_run:
        print(f"dry run: all checks passed; would upload {folder} to https://huggingface.co/{args.repo_id}")
        return 0
    url = upload(folder, args.repo_id, token=args.token, private=args.private)
    print(f"uploaded {folder} -> {url}")
    return 0
