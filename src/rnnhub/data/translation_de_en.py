"""`ding-de-en`: German -> English example sentences from the Ding dictionary.

Source: ``/usr/share/trans/de-en`` in the Debian package ``trans-de-en``. Each line is
``DE | DE ... :: EN | EN ...``: the ``|``-separated parts correspond one to one, and a part may list
variants separated by ``;``. Parts that are whole sentences on both sides (ending in . ! or ?) make
the corpus.
"""

from __future__ import annotations

import re
from typing import Any

from rnnhub.data.common import (
    BuildContext,
    fetch_debian,
    normalize_whitespace,
    source_info,
    split_pairs,
    split_table,
    stats_table,
    text_key,
    write_dataset,
)
from rnnhub.data.registry import Corpus

NAME = "ding-de-en"
PACKAGE, VERSION = "trans-de-en", "1.9-6"
DICT_PATH = "usr/share/trans/de-en"
VALIDATION, TEST = 1000, 1000  # groups of pairs; nearly every group is one pair
MAX_WORDS = 60
# A sentence ends in . ! or ? (maybe followed by a closing quote or bracket); "..." and "…" mark fragments
# ("published by …") and do not count.
_SENTENCE_END = re.compile(r"(?<!\.\.)[.!?][\"'“”‘’»«)]*$")
# Variants of one sense: "Wie lange...?; Seit wann...?". Only split after sentence punctuation, so a
# semicolon inside a sentence stays.
_VARIANTS = re.compile(r"(?<=[.!?])\s*;\s+")
# Ding's annotations: {f} gender, [coll.] register/domain, <spelling variant>.
_ANNOTATION = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>")


def clean_part(part: str) -> str:
    """The first variant of one dictionary part, annotations removed, whitespace normalised."""
    first = _VARIANTS.split(part.strip())[0]
    text = normalize_whitespace(_ANNOTATION.sub(" ", first))
    return re.sub(r"\s+([,.!?;:])", r"\1", text)  # removing an annotation may leave "word ."


def is_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text)) and len(text.split()) >= 2


def extract_pairs(lines: list[str], stats: dict[str, int]) -> list[tuple[str, str]]:
    """All (German, English) full-sentence pairs, in file order; counts go into `stats`."""
    pairs = []
    entries = misaligned = 0
    for line in lines:
        if line.startswith("#") or " :: " not in line:
            continue
        entries += 1
        german, _, english = line.partition(" :: ")
        de_parts, en_parts = german.split(" | "), english.split(" | ")
        if len(de_parts) != len(en_parts):
            misaligned += 1
            continue
        for de_part, en_part in zip(de_parts, en_parts):
            if _SENTENCE_END.search(_ANNOTATION.sub("", de_part).strip()) and _SENTENCE_END.search(
                _ANNOTATION.sub("", en_part).strip()
            ):
                pairs.append((clean_part(de_part), clean_part(en_part)))
    stats["dictionary entries read"] = entries
    stats["entries with unequal DE/EN part counts skipped"] = misaligned
    stats["sentence pairs found (both sides end in . ! ?)"] = len(pairs)
    return pairs


def clean_pairs(pairs: list[tuple[str, str]], stats: dict[str, int]) -> list[tuple[str, str]]:
    """Drop degenerate pairs and duplicates; counts go into `stats`."""
    good = [
        (de, en)
        for de, en in pairs
        if is_sentence(de)
        and is_sentence(en)
        and len(de.split()) <= MAX_WORDS
        and len(en.split()) <= MAX_WORDS
        and text_key(de) != text_key(en)
    ]
    stats[f"degenerate pairs dropped (one word, over {MAX_WORDS} words, or DE == EN)"] = len(pairs) - len(
        good
    )
    seen, unique = set(), []
    for de, en in good:
        key = (text_key(de), text_key(en))
        if key not in seen:
            seen.add(key)
            unique.append((de, en))
    stats["duplicate pairs dropped"] = len(good) - len(unique)
    return unique


def make_splits(lines: list[str], salt: str = NAME) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse, clean and split Ding lines; return ``({split: Dataset}, cleaning counts)``."""
    stats: dict[str, int] = {}
    pairs = clean_pairs(extract_pairs(lines, stats), stats)
    stats["pairs kept"] = len(pairs)
    return split_pairs(pairs, validation=VALIDATION, test=TEST, salt=salt), stats


def build(ctx: BuildContext) -> None:
    root = fetch_debian(PACKAGE, VERSION, ctx.cache_dir)
    info = source_info(root)
    lines = (root / DICT_PATH).read_text(encoding="utf-8").splitlines()
    splits, stats = make_splits(list(ctx.progress(lines, desc="parse", unit="line")))
    sizes = {name: len(split) for name, split in splits.items()}
    header = "\n".join(line for line in lines[:6] if line.startswith("#"))
    metadata = {
        "pretty_name": "Ding dictionary example sentences (German to English)",
        "license": "gpl-2.0-or-later",
        "language": ["de", "en"],
        "multilinguality": "translation",
        "task_categories": ["translation"],
        "source_language": "de",
        "target_language": "en",
        "source": {**info, "path": f"/{DICT_PATH}"},
    }
    body = f"""
# Ding example sentences, German to English

Sentence pairs from the example sentences of Ding, the German-English dictionary of TU Chemnitz
(Frank Richter), taken from `/{DICT_PATH}` in the Debian package `{PACKAGE}` {info["version"]}
(sha256 of the .deb `{info["sha256"]}`). Dictionary header:

```
{header}
```

Columns: `source` (German), `target` (English).

## Splits

{split_table(sizes)}

Pairs that share a German or an English sentence (after case-folding and whitespace normalisation)
form a group, and groups are assigned to splits by sha256 (`"{NAME}" + group`): {TEST} groups to test,
{VALIDATION} to validation. So no sentence, on either side, is in two splits. Rows are in a fixed
pseudo-random order.

## Cleaning

- A line's ` | `-separated parts are paired one to one; a line whose two sides have different part
  counts is skipped. A part pair is kept when both sides end in `.`, `!` or `?` (optionally
  followed by a quote or bracket); parts ending in `...` or `…` are fragments and are skipped.
- Of `;`-separated variants (only split after sentence punctuation), the first is kept.
- Ding's annotations `{{...}}`, `[...]` and `<...>` are removed; whitespace is normalised.
- Dropped: pairs with a one-word side, a side over {MAX_WORDS} words, or the same text on both sides
  (e.g. Latin sayings); duplicate pairs.

{stats_table(stats)}

## Licence

GPL-2.0-or-later, like Ding itself: "Copyright (c) Frank Richter <frank.richter@hrz.tu-chemnitz.de>
1995 - 2023. License: GPL Version 2 or later; GNU General Public License. URL:
https://dict.tu-chemnitz.de/". Redistributions of this data must keep this notice and stay under the
GPL (version 2 or any later version).
"""
    write_dataset(ctx.out_dir, splits, metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="translation",
    languages=("de", "en"),
    description="German->English example sentences from the Ding dictionary",
    source=f"Debian {PACKAGE} {VERSION}",
    license="gpl-2.0-or-later",
    build=build,
)
