"""`ding-de-en-lexicon`: German -> English word and phrase entries of the Ding dictionary, a lexicon for training.

Ding's example sentences make `ding-de-en`; its ~320,000 other parts are dictionary entries ("Bahnhof {m} ::
station", "müde :: tired; weary"). A translation model trained on 17,000 sentences often gets a word wrong that
the dictionary knows ("Handy" -> "hand"), so this corpus offers the entries as extra training pairs
(``rnnhub train translation --extra-train ding-de-en-lexicon``). Kept: short entries (German 1-2 words, English
1-3) whose German words all occur at least :data:`MIN_COUNT` times in the German side of `ding-de-en`'s train
split (words the model meets in sentences; the rest of the dictionary is mostly rare technical terms). No entry
equals a sentence of `ding-de-en`'s validation or test split (without its final punctuation). Entries are
not grouped by dictionary line, as `ding-de-en`'s own split does not group its sentences by line either.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rnnhub.data import translation_de_en as ding
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

NAME = "ding-de-en-lexicon"
# The card's paragraph on the columns (also what `rnnhub data convert` writes into a card of the old layout).
COLUMNS = 'Columns: `translation`, each pair as `{"de": German, "en": English}` (the layout of Hub translation datasets).'

MIN_COUNT = 2
MAX_GERMAN_WORDS, MAX_ENGLISH_WORDS = 2, 3
VALIDATION, TEST = 300, 300
_WORD = re.compile(r"\w+")
_BRACKETS = re.compile(r"\([^()]*\)")
_ABBREVIATION = re.compile(r"/[^/\s]+/")  # "Bahnhof {m} /Bhf./"


def _cleaned(variant: str) -> str:
    text = ding._clean_variant(_ABBREVIATION.sub(" ", _BRACKETS.sub(" ", variant)))
    return text.removeprefix("to ").strip(" ,")


def _variants(part: str) -> list[str]:
    """A part's ``;`` variants (split after Ding's annotations are removed: "{drank; drunk}" is one)."""
    return [v for v in ding._ANNOTATION.sub(" ", part).split(";") if v.strip()]


def clean_entry(part: str) -> str:
    """The first ``;`` variant of an entry, annotations and "(...)" remarks removed, an English "to " dropped."""
    variants = _variants(part)
    return _cleaned(variants[0]) if variants else ""


def entry_parts(line: str) -> list[tuple[str, str]] | None:
    """The line's aligned (German, English) parts, or None for a comment or a line with unequal part counts."""
    if line.startswith("#") or " :: " not in line:
        return None
    german, _, english = line.partition(" :: ")
    de_parts, en_parts = german.split(" | "), english.split(" | ")
    return list(zip(de_parts, en_parts)) if len(de_parts) == len(en_parts) else None


def held_out_sentences(lines: list[str]) -> tuple[set[str], Any]:
    """Keys of the German sentences of `ding-de-en`'s first-pass validation and test splits (without their final
    punctuation), and its first-pass train split."""
    first = ding.first_pass_splits(lines, {})
    held_out = {text_key(s.rstrip(".!?")) for split in ("validation", "test") for s in first[split]["source"]}
    return held_out, first["train"]


def extract_entries(lines: list[str], stats: dict[str, int]) -> list[tuple[str, str]]:
    """Short (German, English) entries, one per German text, counts per reason in `stats`.

    Every German ``;`` variant of a part pairs with the part's first English variant ("Mobiltelefon; Handy ::
    mobile phone; cell phone" gives both German words). Of several senses of one German text, the one from the
    line where it is the headword (the first part) with the most parts wins, then the first in the file: Ding's
    main entry of a word lists its plural, phrases and examples ("Fenster {n} | Fenster {pl} | ... :: window |
    windows | ..."), a special sense usually stands alone ("(fest eingeblendetes) Fenster [comp.] :: box").
    """
    held_out, train = held_out_sentences(lines)
    counts = Counter(w.lower() for sentence in train["source"] for w in _WORD.findall(sentence))
    best: dict[str, tuple[tuple[bool, int, int], str, str]] = {}
    reasons: Counter[str] = Counter()
    order = 0
    for line in lines:
        parts = entry_parts(line) or []
        for index, (de_part, en_part) in enumerate(parts):
            english = clean_entry(en_part)
            for german in (_cleaned(v) for v in _variants(de_part)):
                order += 1
                reason = _drop_reason(german, english, held_out, counts)
                if reason:
                    reasons[reason] += 1
                    continue
                rank = (index > 0, -len(parts), order)
                key = text_key(german)
                if key in best:
                    reasons["other senses of a German entry dropped"] += 1
                if key not in best or rank < best[key][0]:
                    best[key] = (rank, german, english)
    stats.update(sorted(reasons.items()))
    entries = [(german, english) for _, german, english in sorted(best.values())]
    stats["entries kept"] = len(entries)
    return entries


def _drop_reason(german: str, english: str, held_out: set[str], counts: Counter) -> str | None:
    if ding.is_sentence(german) or ding.is_sentence(english):
        return "sentences (ding-de-en's) left out"
    words = _WORD.findall(german.lower())
    if not german or not english or not words:
        return "empty after cleaning dropped"
    if len(german.split()) > MAX_GERMAN_WORDS or len(english.split()) > MAX_ENGLISH_WORDS:
        return "longer entries dropped"
    if ding._PLACEHOLDER.search(german) or ding._PLACEHOLDER.search(english):
        return "entries with a placeholder (etw., sth.) dropped"
    if any(mark in german + english for mark in ("/", "…", "...")):
        return "entries with alternatives (/) or an ellipsis dropped"
    if any(counts[w] < MIN_COUNT for w in words):
        return f"German word seen fewer than {MIN_COUNT} times in ding-de-en train dropped"
    if text_key(german) == text_key(english):
        return "same text on both sides dropped"
    if text_key(german) in held_out:
        return "equal to a held-out ding-de-en sentence dropped"
    return None


def make_splits(lines: list[str], salt: str = NAME) -> tuple[dict[str, Any], dict[str, int]]:
    stats: dict[str, int] = {}
    entries = extract_entries(lines, stats)
    return split_pairs(entries, validation=VALIDATION, test=TEST, salt=salt), stats


def build(ctx: BuildContext) -> None:
    root = fetch_debian(ding.PACKAGE, ding.VERSION, ctx.cache_dir)
    info = source_info(root)
    lines = (root / ding.DICT_PATH).read_text(encoding="utf-8").splitlines()
    splits, stats = make_splits(lines)
    sizes = {name: len(split) for name, split in splits.items()}
    metadata = {
        "pretty_name": "Ding dictionary entries (German to English lexicon)",
        "license": "gpl-2.0-or-later",
        "language": ["de", "en"],
        "multilinguality": "translation",
        "task_categories": ["translation"],
        "source_language": "de",
        "target_language": "en",
        "source": [{**info, "path": f"/{ding.DICT_PATH}"}],
    }
    body = f"""
# Ding dictionary entries, German to English (a lexicon)

Short word and phrase entries of the Ding dictionary (`{info["package"]}` {info["version"]}, sha256 of the .deb
`{info["sha256"]}`), meant as extra training pairs beside `ding-de-en`'s example sentences
(`rnnhub train translation --corpus ding-de-en --extra-train {NAME}`).

{COLUMNS}

## Splits

{split_table(sizes)}

The validation and test splits ({VALIDATION} / {TEST} groups, by sha256 of `"{NAME}" + group`, no text on
either side in two splits) score word translation only; `ding-de-en`'s test split stays the measure of a model.

## Cleaning

- Each line's ` | `-separated parts are paired one to one (lines with unequal part counts skipped); parts that
  are sentences (`ding-de-en`'s) are left out.
- An entry keeps its first `;` variant; Ding's annotations (`{{f}}`, `[coll.]`, `<...>`) and "(...)" remarks are
  removed, and an English infinitive's "to " is dropped ("schlagen" -> "beat", not "to beat").
- Kept: German of 1-{MAX_GERMAN_WORDS} words, English of 1-{MAX_ENGLISH_WORDS}, no placeholder (`etw.`, `sth.`, ...),
  every German word seen at least {MIN_COUNT} times in the German side of `ding-de-en`'s (first-pass) train split,
  no "/" alternatives or ellipses. Every German `;` variant pairs with the first English one ("Mobiltelefon;
  Handy :: mobile phone; cell phone"). Of a German text's senses, the one from the line where it is the headword
  (first part) with the most parts wins, then the first in the file: Ding's main entry of a word lists plural,
  phrases and examples, a special sense usually stands alone.
- No entry equals a sentence of `ding-de-en`'s validation or test split (without its final punctuation).

{stats_table(stats)}

## Licence

GPL-2.0-or-later, the licence of the Ding dictionary (Copyright (c) Frank Richter, TU Chemnitz).
"""
    write_dataset(ctx.out_dir, as_standard(splits, "de", "en"), metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="translation",
    languages=("de", "en"),
    description="German->English word and phrase entries of the Ding dictionary (a lexicon for training)",
    source=f"Debian {ding.PACKAGE} {ding.VERSION}",
    license="gpl-2.0-or-later",
    build=build,
)
