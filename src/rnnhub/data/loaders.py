"""Load users' own data (CSV/TSV, JSON lines, parquet files, or a Hub dataset id) with canonical columns.

Canonical columns, by task:

* text classification: ``text``, ``label``
* translation: ``source``, ``target``; data in the standard layout of Hub translation datasets (one
  ``translation`` column of ``{language: text}`` dicts) gives them from the two ``languages`` named
* captioning: ``image``, ``captions`` (a list of strings; one row per image)
* language modelling: ``text``

``columns`` maps canonical names to the user's column names, e.g. ``{"text": "review", "label":
"stars"}``; only those columns are kept, renamed. Several captions per image come either as a list
column or as repeated rows with the same image (as in Flickr8k/COCO caption files): both become one
row per image with a ``captions`` list.

>>> load_user_data("reviews.csv", columns={"text": "review", "label": "stars"})
>>> load_user_data("pairs.jsonl", columns={"source": "de", "target": "en"}, split="train")
>>> load_user_data("wmt16", columns={"source": "source", "target": "target"}, languages=("de", "en"), name="de-en")
>>> load_user_data("captions.csv", columns={"image": "image", "captions": "caption"})
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnhub.data.translation_layout import TRANSLATION_COLUMN, to_source_target

if TYPE_CHECKING:
    import datasets

logger = logging.getLogger(__name__)

CANONICAL_COLUMNS = ("text", "label", "source", "target", "image", "captions")
# Below this many validation rows, validation metrics (and the best checkpoint and early stopping they drive) are
# too noisy to trust: one row is several points of accuracy.
MIN_VALIDATION_ROWS = 30
TEXT_COLUMNS = ("text", "source", "target")
# File suffix -> the `datasets` builder that reads it.
_FORMATS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}
SUPPORTED_EXTENSIONS = tuple(_FORMATS)
_SPLIT_ALIASES = {"valid": "validation", "val": "validation", "dev": "validation", "eval": "validation"}


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"Unsupported file type {suffix or '(no extension)'!r} for {path}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    return _FORMATS[suffix]


def _data_files(path: Path) -> tuple[str, dict[str, list[str]]]:
    """The builder name and ``{split: [files]}`` for a file, or for a folder of ``<split>.<ext>`` files."""
    if path.is_file():
        return _file_format(path), {"train": [str(path)]}
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _FORMATS)
    if not files:
        raise ValueError(
            f"No data files in {path}; expected files ending in {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    formats = {_file_format(p) for p in files}
    if len(formats) > 1:
        raise ValueError(f"{path} mixes file types ({', '.join(sorted(formats))}); keep one type per folder")
    by_split: dict[str, list[str]] = {}
    for file in files:
        stem = file.stem.lower()
        split = _SPLIT_ALIASES.get(stem, stem)
        if split not in ("train", "validation", "test"):
            split = "train"  # other names (e.g. "reviews.csv", "part-0001.csv") are training data
        by_split.setdefault(split, []).append(str(file))
    return formats.pop(), by_split


def _check_not_empty(path: Path) -> None:
    files = [path] if path.is_file() else [p for p in path.iterdir() if p.suffix.lower() in _FORMATS]
    for file in files:
        if file.stat().st_size == 0:
            raise ValueError(f"{file} is empty")


def _load_raw(path_or_hub_id: str | os.PathLike[str], **load_kwargs: Any) -> datasets.DatasetDict:
    import datasets

    path = Path(path_or_hub_id).expanduser()
    if path.exists() and load_kwargs.get("name") is not None:
        return _load_config(path, **load_kwargs)
    if path.exists():
        builder, data_files = _data_files(path)
        _check_not_empty(path)
        extra: dict[str, Any] = {}
        if builder == "csv" and all(
            f.lower().endswith(".tsv") for files in data_files.values() for f in files
        ):
            extra["delimiter"] = "\t"
        try:
            return datasets.load_dataset(builder, data_files=data_files, **extra, **load_kwargs)
        except datasets.exceptions.DatasetGenerationError as error:
            raise ValueError(f"Could not read {path} as {builder}: {error.__cause__ or error}") from error
        except ValueError as error:
            # A header-only CSV or an empty JSON-lines split makes `datasets` fail with "corresponds to no data".
            raise ValueError(f"{path} has no rows, or could not be read as {builder}: {error}") from error
    if isinstance(path_or_hub_id, os.PathLike) or str(path_or_hub_id).startswith((".", "/", "~")):
        raise FileNotFoundError(f"No such file or folder: {path}")
    # Anything else is a Hub dataset id ("user/name" or "name"), loaded the ordinary way.
    loaded = datasets.load_dataset(str(path_or_hub_id), **load_kwargs)
    if isinstance(loaded, datasets.Dataset):
        loaded = datasets.DatasetDict({"train": loaded})
    return loaded


def _load_config(path: Path, **load_kwargs: Any) -> datasets.DatasetDict:
    """A local dataset folder laid out like a Hub dataset repository, one of whose configs ``name=`` picks (its
    README.md lists them under ``configs:``)."""
    import datasets

    if not path.is_dir():
        raise ValueError(
            f"--dataset-config-name ({load_kwargs['name']!r}) picks a config of a Hub dataset or of a dataset "
            f"folder whose README.md lists configs; {path} is a file. Leave the option out for a file."
        )
    loaded = datasets.load_dataset(str(path), **load_kwargs)
    return loaded if isinstance(loaded, datasets.DatasetDict) else datasets.DatasetDict({"train": loaded})


def _standard_pairs(
    dataset: datasets.Dataset, columns: Mapping[str, str], languages: tuple[str | None, str | None]
) -> tuple[datasets.Dataset, Mapping[str, str]]:
    """Translation data in the standard layout, asked for by ``source``/``target`` columns it lacks, as those
    columns (from the two ``languages``), and ``columns`` now naming them; anything else as it is."""
    wanted = columns.get("source"), columns.get("target")
    available = dataset.column_names
    if None in wanted or TRANSLATION_COLUMN not in available or set(wanted) <= set(available):
        return dataset, columns
    return to_source_target(dataset, *languages), {**columns, "source": "source", "target": "target"}


def select_columns(
    dataset: datasets.Dataset,
    columns: Mapping[str, str],
    where: str,
    languages: tuple[str | None, str | None] = (None, None),
) -> datasets.Dataset:
    """Keep ``columns`` ({canonical name: your column}) renamed to their canonical names; ValueError if missing.

    Translation data in the standard layout (a ``translation`` column of ``{language: text}`` dicts) gives
    ``source`` and ``target`` from ``languages`` (source, target)."""
    unknown = [name for name in columns if name not in CANONICAL_COLUMNS]
    if unknown:
        raise ValueError(f"Unknown canonical column(s) {unknown}; allowed: {', '.join(CANONICAL_COLUMNS)}")
    dataset, columns = _standard_pairs(dataset, columns, languages)
    available = dataset.column_names
    for canonical, actual in columns.items():
        if actual not in available:
            raise ValueError(
                f"Column {actual!r} (for {canonical!r}) not found in {where}; available columns: {', '.join(available)}"
            )
    wanted = list(dict.fromkeys(columns.values()))
    dataset = dataset.select_columns(wanted)
    if len(wanted) != len(columns):
        raise ValueError(f"Two canonical columns map to the same column in {columns}")
    renames = {actual: canonical for canonical, actual in columns.items() if actual != canonical}
    return dataset.rename_columns(renames) if renames else dataset


def check_texts(dataset: datasets.Dataset, where: str) -> None:
    """ValueError naming the rows whose text column is empty or missing."""
    for column in TEXT_COLUMNS:
        if column not in dataset.column_names:
            continue
        empty = [i for i, value in enumerate(dataset[column]) if value is None or not str(value).strip()]
        if empty:
            shown = ", ".join(str(i) for i in empty[:10]) + (", ..." if len(empty) > 10 else "")
            raise ValueError(
                f"{len(empty)} of {len(dataset)} rows in {where} have an empty {column!r} (row indices: {shown}); "
                "drop or fill them first"
            )


def group_captions(dataset: datasets.Dataset) -> datasets.Dataset:
    """One row per image with a ``captions`` list, whether captions came as a list column or repeated rows.

    Images are compared by their value (a path, URL or id string); rows keep the order in which each
    image first appears.
    """
    import datasets

    if "image" not in dataset.column_names or "captions" not in dataset.column_names:
        raise ValueError("group_captions needs the columns 'image' and 'captions'")
    grouped: dict[str, tuple[Any, list[str]]] = {}  # key -> (image, captions), in first-seen order
    for image, caption in zip(dataset["image"], dataset["captions"]):
        # Paths and ids compare as they are; decoded images (dicts of bytes/path) by their repr.
        key = image if isinstance(image, str) else repr(image)
        values = caption if isinstance(caption, list) else [caption]
        grouped.setdefault(key, (image, []))[1].extend(
            str(value).strip() for value in values if value is not None and str(value).strip()
        )
    empty = [image for image, texts in grouped.values() if not texts]
    if empty:
        raise ValueError(f"{len(empty)} image(s) have no non-empty caption, e.g. {empty[:3]}")
    image_feature = dataset.features["image"]
    return datasets.Dataset.from_dict(
        {
            "image": [image for image, _ in grouped.values()],
            "captions": [texts for _, texts in grouped.values()],
        },
        features=datasets.Features(
            {"image": image_feature, "captions": datasets.List(datasets.Value("string"))}
        ),
    )


def load_user_data(
    path_or_hub_id: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    split: str | None = None,
    languages: tuple[str | None, str | None] = (None, None),
    **load_kwargs: Any,
) -> datasets.DatasetDict:
    """Load a file, a folder of ``train/validation/test`` files, or a Hub dataset id as a DatasetDict.

    path_or_hub_id: a ``.csv``/``.tsv``/``.json``/``.jsonl``/``.parquet`` file (becomes the ``train``
        split), a folder holding ``train.csv``, ``validation.csv`` (or ``valid``/``dev``), ``test.csv``
        (any one supported type), or a Hub dataset id passed to ``datasets.load_dataset``.
    columns: ``{canonical name: your column}``; canonical names are ``text``, ``label``, ``source``,
        ``target``, ``image``, ``captions``. Only these columns are kept. None keeps every column.
    split: keep only this split (still returned as a DatasetDict).
    languages: ``(source, target)`` language codes, for translation data in the standard layout (a
        ``translation`` column of ``{language: text}`` dicts, as Hub translation datasets have): ``source`` and
        ``target`` come from them.
    load_kwargs: passed on to ``datasets.load_dataset`` (e.g. ``name=`` for a Hub config; for a local folder,
        ``name=`` reads it as a dataset repository whose README.md lists its configs).

    Raises ``ValueError`` naming the available columns when a column is missing, for an empty file,
    an unsupported extension, or rows with an empty text.
    """
    import datasets

    loaded = _load_raw(path_or_hub_id, **load_kwargs)
    if split is not None:
        split = _SPLIT_ALIASES.get(split, split)
        if split not in loaded:
            raise ValueError(f"No split {split!r} in {path_or_hub_id}; available splits: {', '.join(loaded)}")
        loaded = datasets.DatasetDict({split: loaded[split]})
    result = {}
    for name, dataset in loaded.items():
        where = f"{path_or_hub_id} [{name}]"
        if len(dataset) == 0:
            raise ValueError(f"{where} has no rows")
        if columns is not None:
            dataset = select_columns(dataset, columns, where, languages)
            if "captions" in columns and "image" in columns:
                dataset = group_captions(dataset)
        check_texts(dataset, where)
        result[name] = dataset
    return datasets.DatasetDict(result)


def _note_validation_size(rows: int, origin: str) -> None:
    logger.info("validation: %d rows, %s", rows, origin)
    if rows < MIN_VALIDATION_ROWS:
        logger.warning(
            "the validation split has only %d rows: its metrics, and the best checkpoint and early stopping they "
            "pick, are noisy. Give more data, a larger validation fraction, or a validation file.",
            rows,
        )


def train_validation_split(
    dataset_dict: datasets.DatasetDict, fraction: float = 0.1, seed: int = 0
) -> datasets.DatasetDict:
    """Carve a ``validation`` split out of ``train`` when there is none; otherwise return the input unchanged.

    fraction: the share of train rows moved to validation, in (0, 1). The same seed gives the same split.
    Logs the validation split's size (INFO) and warns when it has fewer than ``MIN_VALIDATION_ROWS`` rows.
    """
    import datasets

    if "validation" in dataset_dict:
        _note_validation_size(len(dataset_dict["validation"]), "the data's own validation split")
        return dataset_dict
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1 (exclusive), got {fraction}")
    if "train" not in dataset_dict:
        raise ValueError(f"Need a 'train' split to split; available splits: {', '.join(dataset_dict)}")
    train = dataset_dict["train"]
    if len(train) < 2:
        raise ValueError(f"The train split has {len(train)} row(s): too few to split off a validation set")
    parts = train.train_test_split(test_size=fraction, seed=seed, shuffle=True)
    _note_validation_size(
        len(parts["test"]),
        f"held out from the {len(train)} training rows (the data has no validation split; validation "
        f"fraction {fraction:g}, --validation-fraction on the command line)",
    )
    result = dict(dataset_dict)
    result["train"], result["validation"] = parts["train"], parts["test"]
    ordered = {name: result[name] for name in ("train", "validation", "test") if name in result}
    ordered.update({name: split for name, split in result.items() if name not in ordered})
    return datasets.DatasetDict(ordered)
