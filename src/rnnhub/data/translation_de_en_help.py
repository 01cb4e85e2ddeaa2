"""`libreoffice-de-en`: German -> English paragraphs from the LibreOffice help (a second de-en corpus).

Source: the HTML help pages of the Debian packages ``libreoffice-help-de`` and ``libreoffice-help-en-us`` (same
version), paired by file and element ``id`` exactly as ``libreoffice-en-zh`` pairs English with Chinese (see
:mod:`rnnhub.data.translation_en_zh`). Software-help text, so another domain than Ding's dictionary examples: a
de-en model trained on both reports each corpus' own test split; Ding's stays the headline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rnnhub.data import translation_en_zh as help_pages
from rnnhub.data.common import (
    BuildContext,
    fetch_debian,
    source_info,
    split_pairs,
    split_table,
    stats_table,
    text_key,
    write_dataset,
)
from rnnhub.data.registry import Corpus
from rnnhub.data.translation_layout import as_standard

NAME = "libreoffice-de-en"
PACKAGES = ("libreoffice-help-en-us", "libreoffice-help-de")
VERSION = help_pages.VERSION
LANG_DIRS = ("en-US", "de")
MIN_WORDS, MAX_WORDS = help_pages.MIN_WORDS, help_pages.MAX_WORDS
VALIDATION, TEST = 1000, 1000

# The card's paragraph on the columns (also what `rnnhub data convert` writes into a card of the old layout).
COLUMNS = 'Columns: `translation`, each pair as `{"de": German, "en": English}` (the layout of Hub translation datasets).'

_REASONS = (
    "empty side dropped",
    f"English outside {MIN_WORDS}-{MAX_WORDS} words dropped",
    "a side without letters dropped",
    "untranslated (German equals English) dropped",
    "duplicate pairs dropped",
)


def keep_pair(german: str, english: str) -> str | None:
    """None when the pair is usable, else the reason it is dropped (one of the cleaning table's keys)."""
    if not german or not english:
        return _REASONS[0]
    if not MIN_WORDS <= len(english.split()) <= MAX_WORDS:
        return _REASONS[1]
    if not (any(c.isalpha() for c in german) and any(c.isalpha() for c in english)):
        return _REASONS[2]
    if text_key(german) == text_key(english):
        return _REASONS[3]
    return None


def clean_pairs(pairs: Iterable[tuple[str, str]], stats: dict[str, int]) -> list[tuple[str, str]]:
    """(German, English) pairs from (English, German) ones: unusable pairs and duplicates dropped (first copy
    kept), counts per reason in `stats`."""
    stats.update(dict.fromkeys(_REASONS, 0))
    kept, seen = [], set()
    for english, german in pairs:
        key = (text_key(german), text_key(english))
        reason = keep_pair(german, english) or (_REASONS[4] if key in seen else None)
        if reason is not None:
            stats[reason] += 1
            continue
        seen.add(key)
        kept.append((german, english))
    stats["pairs kept"] = len(kept)
    return kept


def make_splits(
    pages: Iterable[tuple[str, str, str]], salt: str = NAME
) -> tuple[dict[str, Any], dict[str, int]]:
    """Pair, clean and split ``(relative path, English html, German html)`` pages: ``({split: Dataset}, counts)``."""
    stats: dict[str, int] = {}
    pairs = clean_pairs(help_pages.pair_pages(pages, stats), stats)
    return split_pairs(pairs, validation=VALIDATION, test=TEST, salt=salt), stats


def build(ctx: BuildContext) -> None:
    roots = [fetch_debian(package, VERSION, ctx.cache_dir) for package in PACKAGES]
    infos = [source_info(root) for root in roots]
    english_root, german_root = (
        root / help_pages.HELP_DIR / lang / "text" for root, lang in zip(roots, LANG_DIRS)
    )
    page_stats: dict[str, int] = {}
    pages = list(
        ctx.progress(
            help_pages.iter_pages(english_root, german_root, page_stats, other_language="German"),
            desc="read pages",
            unit="page",
        )
    )
    splits, stats = make_splits(pages)
    stats = {**page_stats, **stats}
    sizes = {name: len(split) for name, split in splits.items()}
    metadata = {
        "pretty_name": "LibreOffice help paragraphs (German to English)",
        "license": "mpl-2.0",
        "language": ["de", "en"],
        "multilinguality": "translation",
        "task_categories": ["translation"],
        "source_language": "de",
        "target_language": "en",
        "source": [
            {**info, "path": f"/{help_pages.HELP_DIR}/{lang}/text"} for info, lang in zip(infos, LANG_DIRS)
        ],
    }
    body = f"""
# LibreOffice help, German to English

Paragraphs and headings of the LibreOffice 7.4 help, paired across German (`de`) and English (`en-US`), from the
Debian packages {", ".join(f"`{i['package']}` {i['version']}" for i in infos)} (sha256 of the .debs:
{", ".join(f"`{i['sha256']}`" for i in infos)}). Software-help text: another domain than `ding-de-en`'s
dictionary examples.

{COLUMNS}

## Splits

{split_table(sizes)}

Pairs that share a German or an English text (after case-folding and whitespace normalisation) form a group;
groups are assigned to splits by sha256 (`"{NAME}" + group`): {TEST} groups to test, {VALIDATION} to validation.
So no text, on either side, is in two splits. Rows are in a fixed pseudo-random order.

## Cleaning

- Both languages' help pages are generated from the same .xhp sources, so a `<p id=...>` or `<h1-6 id=...>`
  element pairs with the element of the same `id` in the same file (`text/.../*.html`) of the other language
  (the first element with a given id in a page). Markup is stripped as for `libreoffice-en-zh`.
- Kept: English of {MIN_WORDS}-{MAX_WORDS} words, letters on both sides, German different from the English
  (untranslated strings are dropped); duplicate pairs dropped.

{stats_table(stats)}

## Licence

MPL-2.0, the licence of the LibreOffice help: "Copyright 2000, 2010 Oracle and/or its affiliates. Copyright (c)
2000, 2010 LibreOffice contributors and/or their affiliates." Some help files incorporate Apache-2.0 material
licensed to the Apache Software Foundation. The source form of this data is the LibreOffice help
(https://www.libreoffice.org/); keep this notice when redistributing.
"""
    write_dataset(ctx.out_dir, as_standard(splits, "de", "en"), metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="translation",
    languages=("de", "en"),
    description="German->English paragraphs of the LibreOffice help, paired by element id",
    source=f"Debian {' + '.join(PACKAGES)} {VERSION}",
    license="mpl-2.0",
    build=build,
)
