"""Whole-document corpora for the character-level writers: rows of ``text`` plus a group column, split by group.

The three writer corpora (`shakespeare-plays`, `python-stdlib`, `abc-tunes`) keep each document whole (a scene,
a module, a tune) so a model learns the format, and they split by a group (a play, a module, a tune family) so
that no group is in two splits. :func:`split_documents` does that for all three; :func:`text_facts` gives the
character counts their cards show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rnnhub.data.common import SPLITS, split_groups, stable_fraction


def split_documents(
    rows: Sequence[Mapping[str, str]],
    *,
    group: str,
    validation: float | int,
    test: float | int,
    salt: str,
    keep_order: bool = False,
) -> dict[str, Any]:
    """Split ``rows`` (dicts of string columns, one of them ``text``) by the column ``group``.

    Groups go to splits with :func:`~rnnhub.data.common.split_groups` (salted sha256, so the order of ``rows``
    does not matter). Within a split, rows are ordered by their group's hash, and inside a group they keep the
    order of ``rows`` (``keep_order``: scenes of a play in reading order) or are ordered by their text's hash.
    Returns ``{split: datasets.Dataset}`` with the columns of the first row, all strings.
    """
    import datasets

    if not rows:
        raise ValueError("No documents to split: the source gave none after cleaning.")
    columns = list(rows[0])
    if "text" not in columns or group not in columns:
        raise ValueError(f"Rows need a 'text' and a {group!r} column, got {columns}.")
    assignment = split_groups((row[group] for row in rows), validation=validation, test=test, salt=salt)
    features = datasets.Features({name: datasets.Value("string") for name in columns})
    splits = {}
    for split in SPLITS:
        chosen = [(index, row) for index, row in enumerate(rows) if assignment[row[group]] == split]
        chosen.sort(
            key=lambda item: (
                stable_fraction(item[1][group], salt),
                item[1][group],
                item[0] if keep_order else stable_fraction(item[1]["text"], salt),
            )
        )
        splits[split] = datasets.Dataset.from_dict(
            {name: [row[name] for _, row in chosen] for name in columns}, features=features
        )
    return splits


def text_facts(splits: Mapping[str, Any], group: str) -> dict[str, dict[str, int]]:
    """Per split: rows, distinct groups and characters, for the card."""
    return {
        name: {
            "rows": len(split),
            "groups": len(set(split[group])),
            "characters": sum(len(text) for text in split["text"]),
        }
        for name, split in splits.items()
    }


def facts_table(facts: Mapping[str, Mapping[str, int]], group_label: str) -> str:
    """A Markdown table of :func:`text_facts`."""
    rows = "\n".join(
        f"| {name} | {row['rows']:,} | {row['groups']:,} | {row['characters']:,} |"
        for name, row in facts.items()
    )
    total = {key: sum(row[key] for row in facts.values()) for key in ("rows", "groups", "characters")}
    return (
        f"| split | rows | {group_label} | characters |\n| --- | ---: | ---: | ---: |\n{rows}\n"
        f"| **total** | {total['rows']:,} | {total['groups']:,} | {total['characters']:,} |"
    )
