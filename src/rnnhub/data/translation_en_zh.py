"""`libreoffice-en-zh`: English -> Simplified Chinese paragraphs from the LibreOffice help.

Source: the HTML help pages of the Debian packages ``libreoffice-help-en-us`` and
``libreoffice-help-zh-cn`` (same version), under ``usr/share/libreoffice/help/<lang>/text/``. Both
languages are generated from the same .xhp sources, so a paragraph (``<p id=...>``) or heading
(``<h1 id=...>``) has the same ``id`` in the same file of both languages: that is how pairs are made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rnnhub.data.common import (
    BuildContext,
    fetch_debian,
    source_info,
    split_pairs,
    split_table,
    stats_table,
    strip_markup,
    text_key,
    write_dataset,
)
from rnnhub.data.registry import Corpus
from rnnhub.data.translation_layout import as_standard

NAME = "libreoffice-en-zh"
PACKAGES = ("libreoffice-help-en-us", "libreoffice-help-zh-cn")
VERSION = "4:7.4.7-1+deb12u14"
HELP_DIR = "usr/share/libreoffice/help"
LANG_DIRS = ("en-US", "zh-CN")
MIN_WORDS, MAX_WORDS = 4, 40
VALIDATION, TEST = 1000, 1000
# The card's paragraph on the columns (also what `rnnhub data convert` writes into a card of the old layout).
COLUMNS = (
    'Columns: `translation`, each pair as `{"en": English, "zh": Simplified Chinese}` (the layout of Hub '
    "translation datasets)."
)
# Paragraphs and headings carry the translatable text; they never nest in this generated HTML.
_ELEMENT = re.compile(r'<(p|h[1-6])\b[^>]*?\bid="([^"]+)"[^>]*>(.*?)</\1>', re.DOTALL)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[A-Za-z]")


_CJK_OR_PUNCT = "[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
# Removing inline tags leaves spaces where the page had none: "dialog ." and "当前文档 或".
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,.;:!?)])")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK_OR_PUNCT})\s+(?={_CJK_OR_PUNCT})")


def clean_text(inner_html: str) -> str:
    """Text of an element: markup stripped, spaces left by removed tags closed up."""
    text = _SPACE_BEFORE_PUNCT.sub("", strip_markup(inner_html))
    return _SPACE_BETWEEN_CJK.sub("", text)


def paragraphs(html_text: str) -> dict[str, str]:
    """``{id: text}`` of the page's paragraphs and headings, cleaned; the first of a repeated id wins."""
    found: dict[str, str] = {}
    for _, element_id, inner in _ELEMENT.findall(html_text):
        found.setdefault(element_id, clean_text(inner))
    return found


def pair_pages(pages: Iterable[tuple[str, str, str]], stats: dict[str, int]) -> list[tuple[str, str]]:
    """(English, Chinese) pairs from ``(relative path, English html, Chinese html)`` triples, in order."""
    pairs = []
    for _, english_html, chinese_html in pages:
        english, chinese = paragraphs(english_html), paragraphs(chinese_html)
        stats["English paragraphs read"] = stats.get("English paragraphs read", 0) + len(english)
        pairs.extend((english[key], chinese[key]) for key in english if key in chinese)
    stats["paragraph pairs matched by file and id"] = len(pairs)
    return pairs


def keep_pair(english: str, chinese: str) -> str | None:
    """None when the pair is usable, else the reason it is dropped (a key of the cleaning table)."""
    words = len(english.split())
    if not english or not chinese:
        return "empty side dropped"
    if not MIN_WORDS <= words <= MAX_WORDS:
        return f"English outside {MIN_WORDS}-{MAX_WORDS} words dropped"
    if not _LETTER.search(english):
        return "English without letters dropped"
    if text_key(english) == text_key(chinese) or not _CJK.search(chinese):
        return "untranslated (Chinese side equals English or has no Chinese characters) dropped"
    return None


_REASONS = (
    "empty side dropped",
    f"English outside {MIN_WORDS}-{MAX_WORDS} words dropped",
    "English without letters dropped",
    "untranslated (Chinese side equals English or has no Chinese characters) dropped",
    "duplicate pairs dropped",
)


def clean_pairs(pairs: list[tuple[str, str]], stats: dict[str, int]) -> list[tuple[str, str]]:
    """Drop unusable pairs and duplicates (first copy kept); counts per reason go into `stats`."""
    stats.update(dict.fromkeys(_REASONS, 0))
    kept, seen = [], set()
    for english, chinese in pairs:
        reason = keep_pair(english, chinese)
        if reason is None and (text_key(english), text_key(chinese)) in seen:
            reason = "duplicate pairs dropped"
        if reason is not None:
            stats[reason] += 1
            continue
        seen.add((text_key(english), text_key(chinese)))
        kept.append((english, chinese))
    stats["pairs kept"] = len(kept)
    return kept


def make_splits(
    pages: Iterable[tuple[str, str, str]], salt: str = NAME
) -> tuple[dict[str, Any], dict[str, int]]:
    """Pair, clean and split help pages; return ``({split: Dataset}, cleaning counts)``.

    The splits have ``source``/``target`` columns; :func:`build` stores them in the standard layout (one
    ``translation`` column)."""
    stats: dict[str, int] = {}
    pairs = clean_pairs(pair_pages(pages, stats), stats)
    return split_pairs(pairs, validation=VALIDATION, test=TEST, salt=salt), stats


def iter_pages(
    english_root: Path, other_root: Path, stats: dict[str, int], other_language: str = "Chinese"
) -> Iterable[tuple[str, str, str]]:
    """``(relative path, English html, other html)`` for every page present in both languages, sorted (the
    other language is Chinese here; ``libreoffice-de-en`` reads German the same way)."""
    english_pages = sorted(path.relative_to(english_root).as_posix() for path in english_root.rglob("*.html"))
    stats["English help pages"] = len(english_pages)
    missing = 0
    for relative in english_pages:
        other = other_root / relative
        if not other.is_file():
            missing += 1
            continue
        yield (
            relative,
            (english_root / relative).read_text(encoding="utf-8"),
            other.read_text(encoding="utf-8"),
        )
    stats[f"pages missing in {other_language}"] = missing


def build(ctx: BuildContext) -> None:
    roots = [fetch_debian(package, VERSION, ctx.cache_dir) for package in PACKAGES]
    infos = [source_info(root) for root in roots]
    english_root, chinese_root = (root / HELP_DIR / lang / "text" for root, lang in zip(roots, LANG_DIRS))
    page_stats: dict[str, int] = {}
    pages = list(
        ctx.progress(iter_pages(english_root, chinese_root, page_stats), desc="read pages", unit="page")
    )
    splits, stats = make_splits(pages)
    stats = {**page_stats, **stats}
    sizes = {name: len(split) for name, split in splits.items()}
    metadata = {
        "pretty_name": "LibreOffice help paragraphs (English to Simplified Chinese)",
        "license": "mpl-2.0",
        "language": ["en", "zh"],
        "multilinguality": "translation",
        "task_categories": ["translation"],
        "source_language": "en",
        "target_language": "zh",
        "source": [{**info, "path": f"/{HELP_DIR}/{lang}/text"} for info, lang in zip(infos, LANG_DIRS)],
    }
    body = f"""
# LibreOffice help, English to Simplified Chinese

Paragraphs and headings of the LibreOffice 7.4 help, paired across English (`en-US`) and Simplified
Chinese (`zh-CN`), from the Debian packages {", ".join(f"`{i['package']}` {i['version']}" for i in infos)}
(sha256 of the .debs: {", ".join(f"`{i['sha256']}`" for i in infos)}).

{COLUMNS}

## Splits

{split_table(sizes)}

Pairs that share an English or a Chinese text (after case-folding and whitespace normalisation) form
a group; groups are assigned to splits by sha256 (`"{NAME}" + group`): {TEST} groups to test,
{VALIDATION} to validation. So no text, on either side, is in two splits. Rows are in a fixed
pseudo-random order.

## Cleaning

- Both languages' help pages are generated from the same .xhp sources, so a `<p id=...>` or `<h1-6
  id=...>` element pairs with the element of the same `id` in the same file (`text/.../*.html`) of
  the other language. Only the first element with a given id in a page is used.
- Markup is stripped (tags removed, entities decoded, whitespace normalised), and the spaces that
  removed tags leave before punctuation and between Chinese characters are closed up. Text inside
  tags that the help viewer shows only for some modules is kept.
- Kept: English of {MIN_WORDS}-{MAX_WORDS} words with letters, Chinese containing Chinese characters and
  different from the English (untranslated strings are dropped); duplicate pairs dropped.

{stats_table(stats)}

## Licence

MPL-2.0, the licence of the LibreOffice help: "Copyright 2000, 2010 Oracle and/or its affiliates.
Copyright (c) 2000, 2010 LibreOffice contributors and/or their affiliates." Some help files
incorporate Apache-2.0 material licensed to the Apache Software Foundation. The source form of this
data is the LibreOffice help (https://www.libreoffice.org/); keep this notice when redistributing.
"""
    write_dataset(ctx.out_dir, as_standard(splits, "en", "zh"), metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="translation",
    languages=("en", "zh"),
    description="English->Chinese paragraphs of the LibreOffice help, paired by element id",
    source=f"Debian {' + '.join(PACKAGES)} {VERSION}",
    license="mpl-2.0",
    build=build,
)
