"""Verification of a model folder before it is published: would it work for someone who downloads it?

:func:`verify` runs every check and returns a :class:`VerifyReport`; ``rnnhub publish`` (in :mod:`rnnhub.publish.hub`)
refuses to upload a folder whose report is not ok. Nothing in the folder runs until its code files are known to
be the installed rnnhub's own (``code``: same names, same sha256, ``auto_map`` and ``custom_pipelines`` naming only
their classes); only then, as the last checks, is the folder loaded with ``trust_remote_code=True`` in a fresh Python
in which rnnhub cannot be imported (:data:`HIDE_RNNHUB`): the model, and for a translation or captioning model its
pipeline (:mod:`rnnhub.publish.remote_pipeline`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import ModelCard

MAX_FOLDER_MB = 20.0
# Extensions of pickle-based checkpoints: loading one can run arbitrary code, so none may be published.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib")
# Files only some model types have; in a folder of another type they are leftovers of an earlier model.
TYPE_FILES = {
    "generation_config.json": ("RnnHubForCausalLM", "RnnHubForSeq2SeqLM", "RnnHubForImageCaptioning"),
    "preprocessor_config.json": ("RnnHubForImageCaptioning",),
}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
REMOTE_CODE_TIMEOUT_S = 300


def folder_mb(folder: Path) -> float:
    """Total size of the files under ``folder``, in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


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
    check passed), then for a translation or captioning model ``pipeline(model=folder, trust_remote_code=True)``
    there, whose task must be inferred and whose output must equal rnnhub's installed pipeline's. Before that nothing of the folder runs: ``code`` compares its Python files and ``auto_map``
    with the installed rnnhub's by content, every other load uses rnnhub's own classes with
    ``trust_remote_code=False``. Also refused: pickles under any name (``.joblib``, a ``torch.save`` zip, a NumPy
    array of objects), NaN/Inf or missing/unexpected weights, symbolic links out of the folder, files of another
    model type (``leftovers``), and model-index numbers that ``eval_report.json`` does not hold.
    """
    folder = Path(folder)
    report = VerifyReport(folder)
    if not (folder / "config.json").is_file():
        report.add(
            "folder", False, f"{folder} has no config.json; save the model there with save_pretrained."
        )
        return report
    _check_code(folder, report)  # first: nothing of the folder runs before its code is known to be rnnhub's
    _check_files(folder, report)
    _check_card(folder, report)
    config = _check_config(folder, report)
    if config is not None:
        _check_type_files(folder, config, report)
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
        if config.model_type in pipeline_types() and report.ok:
            _check_remote_pipeline(folder, config.model_type, report)
    return report


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rnnhub_code_files() -> dict[str, Path]:
    """The files ``save_pretrained`` copies next to the weights: the installed ``rnnhub.models`` sources."""
    import rnnhub.models

    package = Path(rnnhub.models.__file__).parent
    return {p.name: p for p in sorted(package.glob("*.py")) if p.name != "__init__.py"}


def pipeline_types() -> tuple[str, ...]:
    """The model types that come with an rnnhub pipeline (translation, captioning)."""
    from rnnhub.auto import pipeline_classes

    return tuple(pipeline_classes())


def rnnhub_pipeline_files(model_type: str | None) -> dict[str, Path]:
    """The pipeline files a folder of ``model_type`` holds next to the modeling files (none for other types)."""
    from rnnhub.auto import pipeline_classes, pipeline_code_files

    pipeline_class = pipeline_classes().get(model_type)
    return {} if pipeline_class is None else {p.name: p for p in pipeline_code_files(pipeline_class)}


def _read_config_json(folder: Path) -> dict:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except ValueError:
        return {}  # an unreadable config fails its own check
    return config if isinstance(config, dict) else {}


def _custom_pipeline_problems(config: dict) -> list[str]:
    """``custom_pipelines`` must be exactly what rnnhub writes for the model type (none for other types)."""
    from rnnhub.auto import custom_pipelines_entry, pipeline_classes

    pipeline_class = pipeline_classes().get(config.get("model_type"))
    found = config.get("custom_pipelines")
    if pipeline_class is None:
        return [] if not found else [f"config.json custom_pipelines {found!r} is not an rnnhub pipeline"]
    expected = custom_pipelines_entry(pipeline_class)
    if found == expected:
        return []
    return [
        f"config.json custom_pipelines is {found!r}, expected {expected!r} (without it, pipeline(..., "
        "trust_remote_code=True) fails where rnnhub is not installed); add it with "
        "rnnhub.auto.save_pipeline_code(folder)"
    ]


def _auto_map_targets(folder: Path) -> list[tuple[str, str]]:
    """``(file, reference)`` for every ``auto_map`` entry of the folder's JSON configs."""
    targets = []
    for name in ("config.json", "tokenizer_config.json", "preprocessor_config.json"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            auto_map = json.loads(path.read_text(encoding="utf-8")).get("auto_map") or {}
        except (ValueError, AttributeError):
            continue  # an unreadable config fails its own check
        for value in auto_map.values():
            for reference in value if isinstance(value, list) else [value]:
                if reference is not None:
                    targets.append((name, str(reference)))
    return targets


def _check_code(folder: Path, report: VerifyReport) -> None:
    """The folder's Python files must be exactly the installed rnnhub's ``models/`` files (names and sha256),
    and every ``auto_map`` entry must name a class of one of them. Reads files only; runs nothing."""
    import importlib

    models = rnnhub_code_files()
    config = _read_config_json(folder)
    own = {**models, **rnnhub_pipeline_files(config.get("model_type"))}
    problems = _custom_pipeline_problems(config)
    python = sorted(p for p in folder.rglob("*.py") if p.is_file() or p.is_symlink())
    for path in python:
        name = str(path.relative_to(folder))
        if name not in own:
            problems.append(f"unknown Python file {name}")
        elif path.is_symlink() or _sha256(path) != _sha256(own[name]):
            problems.append(f"{name} differs from the installed rnnhub's (sha256)")
    missing = sorted(set(own) - {str(p.relative_to(folder)) for p in python})
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    for source, reference in _auto_map_targets(folder):
        module, _, attribute = reference.rpartition(".")
        known = (
            "--" not in reference
            and f"{module}.py" in models
            and hasattr(importlib.import_module(f"rnnhub.models.{module}"), attribute)
        )
        if not known:
            problems.append(f"{source} auto_map names {reference!r}, not a class of rnnhub's code files")
    report.add(
        "code",
        not problems,
        f"{'; '.join(problems)}. Save the model again with the installed rnnhub (save_pretrained copies its "
        "code files); nothing of this folder was run."
        if problems
        else f"{len(own)} code files identical to the installed rnnhub's, auto_map names only their classes"
        + (", custom_pipelines names its pipeline" if len(own) > len(models) else ""),
    )


def _looks_like_pickle(path: Path) -> bool:
    """A pickle whatever its name: the pickle protocol header, a zip with a ``.pkl`` inside (torch.save), or a
    NumPy array of Python objects."""
    with open(path, "rb") as handle:
        head = handle.read(2)
    if len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zipped:
                if any(
                    name.endswith((".pkl", ".npy")) and _zip_member_is_pickle(zipped, name)
                    for name in zipped.namelist()
                ):
                    return True
        except zipfile.BadZipFile:
            return False
    if path.suffix == ".npy":
        return _npy_holds_objects(path)
    return False


def _zip_member_is_pickle(zipped: zipfile.ZipFile, name: str) -> bool:
    if name.endswith(".pkl"):
        return True
    with zipped.open(name) as member:
        return _npy_header_holds_objects(member)


def _npy_holds_objects(path: Path) -> bool:
    with open(path, "rb") as handle:
        return _npy_header_holds_objects(handle)


def _npy_header_holds_objects(handle) -> bool:
    import numpy as np

    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    try:
        version = np.lib.format.read_magic(handle)
        if version not in readers:
            return True  # a header this code cannot read is not published on trust
        _, _, dtype = readers[version](handle)  # shape, order, dtype: the header only, no data read
    except (ValueError, OSError, EOFError):
        return False
    return bool(dtype.hasobject)


def _check_files(folder: Path, report: VerifyReport) -> None:
    pickles = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and (p.suffix in PICKLE_SUFFIXES or _looks_like_pickle(p))
    )
    report.add(
        "no pickles",
        not pickles,
        f"pickle files {', '.join(pickles)}: unpickling runs arbitrary code; delete them (weights belong in "
        "model.safetensors)."
        if pickles
        else "no pickle files",
    )
    root = folder.resolve()
    leaving = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_symlink() and not p.resolve().is_relative_to(root)
    )
    report.add(
        "links",
        not leaving,
        f"symbolic links out of the folder: {', '.join(leaving)}; the upload would carry (or miss) files from "
        "elsewhere. Replace them with the files themselves."
        if leaving
        else "no links out of the folder",
    )
    size = folder_mb(folder)
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
            "card",
            False,
            "README.md is missing; generate it with rnnhub.publish.cards.make_model_card + save_card.",
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
    _check_card_numbers(folder, data.eval_results, report)


def _numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [number for item in value for number in _numbers(item)]
    return []


def _check_card_numbers(folder: Path, results, report: VerifyReport) -> None:
    """Every model-index value must be a number of ``eval_report.json`` (as rounded on the card)."""
    path = folder / "eval_report.json"
    if not path.is_file():
        return
    try:
        measured = _numbers(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as error:
        report.add("card numbers", False, f"eval_report.json does not parse ({error}); regenerate it.")
        return
    differing = []
    for result in results:
        value = float(result.metric_value)
        text = repr(value)
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 12
        tolerance = 0.5 * 10.0**-decimals + 1e-12
        if not any(abs(value - number) <= tolerance for number in measured):
            differing.append(f"{result.metric_type} {result.dataset_split} = {value:g}")
    report.add(
        "card numbers",
        not differing,
        f"the card's model-index has numbers that eval_report.json does not: {', '.join(differing)}; regenerate "
        "the card from the report."
        if differing
        else f"all {len(results)} model-index value(s) are in eval_report.json",
    )


def _check_config(folder: Path, report: VerifyReport):
    # Importing rnnhub.publish.hub already imported rnnhub, which registered its configs with AutoConfig.
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    except Exception as error:
        report.add("config", False, f"AutoConfig cannot load config.json: {type(error).__name__}: {error}")
        return None
    report.add("config", True, f"{type(config).__name__} ({config.model_type})")
    return config


def _check_type_files(folder: Path, config, report: VerifyReport) -> None:
    architecture = (getattr(config, "architectures", None) or [None])[0]
    stale = sorted(
        name for name, owners in TYPE_FILES.items() if (folder / name).exists() and architecture not in owners
    )
    report.add(
        "leftovers",
        not stale,
        f"{', '.join(stale)} belong to another model type than {architecture}: left from an earlier model in this "
        "folder? Delete them, or save into an empty folder."
        if stale
        else "no files of another model type",
    )


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
        model, loading = auto_class.from_pretrained(folder, output_loading_info=True, trust_remote_code=False)
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
        tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
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
        processor = AutoImageProcessor.from_pretrained(folder, trust_remote_code=False)
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


def run_clean(script: str, args: list[str]) -> tuple[dict | None, str]:
    """Run ``script`` (after :data:`HIDE_RNNHUB`) in a fresh Python where rnnhub cannot be imported; return the
    JSON of its last ``RESULT`` line (None if it failed) and, on failure, why."""
    with tempfile.TemporaryDirectory(prefix="rnnhub-remote-") as tmp:
        try:
            done = subprocess.run(
                [sys.executable, "-c", HIDE_RNNHUB + script, *args],
                cwd=tmp,
                env=_clean_env(os.path.join(tmp, "modules")),
                stdin=subprocess.DEVNULL,  # a trust_remote_code prompt must fail, not wait for an answer
                capture_output=True,
                text=True,
                timeout=REMOTE_CODE_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return None, f"the clean subprocess took over {REMOTE_CODE_TIMEOUT_S} s"
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        return None, " | ".join(tail)
    return json.loads(lines[-1][len("RESULT ") :]), ""


def _check_remote_code(folder: Path, auto_name: str, parameters: int, report: VerifyReport) -> None:
    result, failure = run_clean(_REMOTE_LOAD, [str(folder.resolve()), auto_name])
    if result is None:
        report.add("remote code", False, f"trust_remote_code load without rnnhub failed: {failure}")
        return
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


def _check_remote_pipeline(folder: Path, model_type: str, report: VerifyReport) -> None:
    from rnnhub.publish.remote_pipeline import check_remote_pipeline

    passed, message = check_remote_pipeline(folder, model_type, run_clean)
    report.add("remote pipeline", passed, message)
