"""The two layouts of translation data, and the conversions between them.

* The standard layout of Hub translation datasets and of transformers' ``run_translation.py``: one ``translation``
  column of ``{language: text}`` dicts, e.g. ``{"de": "Ich bin müde.", "en": "I am tired."}`` (a
  ``datasets.Translation`` feature). rnnhub's built-in corpora are stored this way.
* The flat layout of a CSV file: a ``source`` and a ``target`` column. The engine trains and scores on it.

Both conversions keep every other column (ding-de-en's ``references``, say) after the text columns.

>>> to_source_target(hub_split, "de", "en")       # translation -> source, target
>>> to_standard(pairs, "de", "en")                # source, target -> translation
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datasets

__all__ = [
    "TRANSLATION_COLUMN",
    "as_source_target",
    "as_standard",
    "is_standard",
    "languages_of",
    "to_source_target",
    "to_standard",
]

TRANSLATION_COLUMN = "translation"
_FLAT = ("source", "target")


def is_standard(dataset: datasets.Dataset) -> bool:
    """Whether ``dataset`` keeps its pairs in a ``translation`` column (and has no ``source``/``target`` of its own)."""
    columns = dataset.column_names
    return TRANSLATION_COLUMN in columns and not set(_FLAT) & set(columns)


def languages_of(dataset: datasets.Dataset) -> tuple[str, ...]:
    """The language codes of ``dataset``'s ``translation`` column, in the order its feature lists them."""
    import datasets

    feature = dataset.features.get(TRANSLATION_COLUMN)
    if isinstance(feature, datasets.Translation):
        return tuple(feature.languages)
    if isinstance(feature, dict):  # a plain struct of strings, e.g. read from JSON lines
        return tuple(feature)
    raise ValueError(
        f"The {TRANSLATION_COLUMN!r} column holds {feature}, not {{language: text}} pairs such as "
        '{"de": "Ich bin müde.", "en": "I am tired."}.'
    )


def _check_languages(source_language: str | None, target_language: str | None, available: tuple[str, ...]):
    shown = ", ".join(available)
    if source_language is None or target_language is None:
        example = f"--source-lang {available[0]} --target-lang {available[-1]}" if available else ""
        raise ValueError(
            f"The data keeps its sentence pairs in a {TRANSLATION_COLUMN!r} column with the languages {shown}; "
            f"say which to translate from and to, e.g. {example} (source_lang= / target_lang= in Python)."
        )
    if source_language == target_language:
        raise ValueError(f"The source and target language are both {source_language!r}; give two languages.")
    missing = [code for code in (source_language, target_language) if code not in available]
    if missing:
        raise ValueError(
            f"The {TRANSLATION_COLUMN!r} column has no language {', '.join(map(repr, missing))}; it has {shown}. "
            "Pass --source-lang / --target-lang from those."
        )


def to_source_target(
    dataset: datasets.Dataset, source_language: str | None, target_language: str | None
) -> datasets.Dataset:
    """``dataset`` with ``source`` and ``target`` columns taken from its ``translation`` column (which goes);
    a dataset already in the flat layout is returned as it is.

    Raises:
        ValueError: a language the column does not have, or a language not given (the message lists those it has).
    """
    if not is_standard(dataset):
        return dataset
    _check_languages(source_language, target_language, languages_of(dataset))
    others = [name for name in dataset.column_names if name != TRANSLATION_COLUMN]
    pairs = dataset[TRANSLATION_COLUMN]
    flat = dataset.add_column("source", [pair[source_language] for pair in pairs])
    flat = flat.add_column("target", [pair[target_language] for pair in pairs])
    return flat.select_columns([*_FLAT, *others])


def to_standard(dataset: datasets.Dataset, source_language: str, target_language: str) -> datasets.Dataset:
    """``dataset``'s ``source``/``target`` columns as one ``translation`` column (a ``datasets.Translation``
    feature listing ``source_language`` first); a dataset already in the standard layout is returned as it is."""
    import datasets

    if is_standard(dataset):
        return dataset
    missing = [name for name in _FLAT if name not in dataset.column_names]
    if missing:
        raise ValueError(
            f"Need the columns source and target to convert; missing {', '.join(missing)} "
            f"(columns: {', '.join(dataset.column_names)})."
        )
    others = [name for name in dataset.column_names if name not in _FLAT]
    features = datasets.Features(
        {
            TRANSLATION_COLUMN: datasets.Translation(languages=[source_language, target_language]),
            **{name: dataset.features[name] for name in others},
        }
    )
    return datasets.Dataset.from_dict(
        {
            TRANSLATION_COLUMN: [
                {source_language: source, target_language: target}
                for source, target in zip(dataset["source"], dataset["target"])
            ],
            **{name: dataset[name] for name in others},
        },
        features=features,
    )


def as_source_target(
    splits: datasets.DatasetDict, source_language: str | None, target_language: str | None
) -> datasets.DatasetDict:
    """Every split of ``splits`` in the flat layout (:func:`to_source_target`)."""
    import datasets

    return datasets.DatasetDict(
        {name: to_source_target(split, source_language, target_language) for name, split in splits.items()}
    )


def as_standard(
    splits: Mapping[str, datasets.Dataset], source_language: str, target_language: str
) -> dict[str, datasets.Dataset]:
    """Every split of ``splits`` in the standard layout (:func:`to_standard`)."""
    return {name: to_standard(split, source_language, target_language) for name, split in splits.items()}
