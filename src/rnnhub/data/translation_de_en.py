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
from rnnhub.data.translation_layout import as_standard

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
# The card's paragraph on the columns (also what `rnnhub data convert` writes into a card of the old layout).
COLUMNS = (
    'Columns: `translation`, each pair as `{"de": German, "en": English}` (the layout of Hub translation datasets; '
    "`en` is the one translation used for training), and `references` (every correct English reading the "
    "dictionary gives: score with all of them, e.g. sacrebleu with several reference streams)."
)
# Ding's annotations: {f} gender, [coll.] register/domain, <spelling variant>.
_ANNOTATION = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>")


def _tidy(text: str) -> str:
    """Whitespace normalised, and no space before punctuation (removing an annotation may leave "word .")."""
    return re.sub(r"\s+([,.!?;:])", r"\1", normalize_whitespace(text))


def _clean_variant(variant: str) -> str:
    return _tidy(_ANNOTATION.sub(" ", variant))


def clean_part(part: str) -> str:
    """The first variant of one dictionary part, annotations removed, whitespace normalised."""
    return _clean_variant(_VARIANTS.split(part.strip())[0])


def is_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text)) and len(text.split()) >= 2


def english_variants(part: str) -> list[str]:
    """Every ``;``-separated English variant of one dictionary part, cleaned like :func:`clean_part`."""
    variants = []
    for variant in _VARIANTS.split(part.strip()):
        text = _clean_variant(variant)
        if text and text not in variants:
            variants.append(text)
    return variants


def extract_pairs(
    lines: list[str], stats: dict[str, int], variants: dict[tuple[str, str], list[str]] | None = None
) -> list[tuple[str, str]]:
    """All (German, English) full-sentence pairs, in file order; counts go into `stats`.

    ``variants``, if given, receives every English variant of each pair (its first variant is the pair's).
    """
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
                pair = (clean_part(de_part), clean_part(en_part))
                pairs.append(pair)
                if variants is not None:
                    variants.setdefault(pair, english_variants(en_part))
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


# ---------------------------------------------------------------------------------------------------------------
# Second cleaning pass (per split, after the split): real sentences only, alternatives as several references.

# Dictionary placeholders: a pair that names "sth." or "jdn." is a headword entry, not a sentence.
_PLACEHOLDER = re.compile(r"(?<![\w.])(?:sth|sb|sb's|etw|jd|jdn|jdm|jds)\.(?!\w)")
# A sentence starts with a capital, a digit, or an opening quote / bracket / Spanish-style mark.
_SENTENCE_START = re.compile(r"^[\"'„“‘‚«»(¿¡…\d]|^[^\W\d_]", re.UNICODE)
# "abates/subsides": alternatives of one word, written without spaces (letters on both sides of each slash).
_WORD_ALTERNATIVES = re.compile(r"(?<![\w/])[^\W\d_][\w’'-]*(?:/[^\W\d_][\w’'-]*)+(?![\w/])")
# "(main)": words the dictionary marks as optional.
_OPTIONAL = re.compile(r"\s*\(([^()]*)\)")
MAX_REFERENCES = 4


def _starts_like_sentence(text: str) -> bool:
    return bool(_SENTENCE_START.match(text)) and not text[:1].islower()


def is_headword_entry(source: str, target: str) -> bool:
    """Ding's headword entries ("dumpf (Schmerz, Ziehen usw.)" -> "dull; blunt (of pain etc.)") are not sentences:
    a side that starts in lower case, an English side starting "to " (an infinitive gloss), or a dictionary
    placeholder (sth. sb. etw. jdn. ...) on either side."""
    return (
        not _starts_like_sentence(source)
        or not _starts_like_sentence(target)
        or target.startswith("to ")
        or bool(_PLACEHOLDER.search(source) or _PLACEHOLDER.search(target))
    )


def expand_alternatives(text: str, limit: int = MAX_REFERENCES, drop_optional: bool = True) -> list[str]:
    """The readings of one English text: the k-th reading takes the k-th word of every "a/b" group (or its
    last), each with the optional "(...)" words kept, then (``drop_optional``) without them; duplicates dropped,
    at most ``limit``.

    >>> expand_alternatives("We’ll have to wait until the rain abates/subsides.")
    ['We’ll have to wait until the rain abates.', 'We’ll have to wait until the rain subsides.']
    >>> expand_alternatives("The (main) protagonists were France and Britain.")
    ['The main protagonists were France and Britain.', 'The protagonists were France and Britain.']
    """
    groups = [match.group(0).split("/") for match in _WORD_ALTERNATIVES.finditer(text)]
    width = max((len(group) for group in groups), default=1)
    readings: list[str] = []
    for k in range(width):
        choices = iter(group[min(k, len(group) - 1)] for group in groups)
        chosen = _WORD_ALTERNATIVES.sub(lambda _match, c=choices: next(c), text)
        options = (_OPTIONAL.sub(r" \1", chosen), _OPTIONAL.sub("", chosen))
        for reading in options if drop_optional else options[:1]:
            reading = _tidy(reading)
            if reading and reading not in readings:
                readings.append(reading)
    return readings[:limit]


def first_reading(text: str) -> str:
    """The German source as one sentence: the first of each "a/b" group, optional words kept without brackets."""
    return expand_alternatives(text, limit=1)[0]


def refine_split(
    pairs: list[tuple[str, str]],
    variants: dict[tuple[str, str], list[str]],
    stats: dict[str, int],
    split: str,
) -> list[tuple[str, str, list[str]]]:
    """(source, training target, references) rows of one split: headword entries and pairs with phrase
    alternatives (" / ", scope unknown) dropped; "a/b", "(optional)" and ";" variants become references."""
    rows = []
    headwords = phrase_alternatives = 0
    for source, target in pairs:
        if is_headword_entry(source, target):
            headwords += 1
            continue
        if " / " in source or " / " in target:
            phrase_alternatives += 1
            continue
        # The source keeps its optional words ("Es macht (keinen) Spaß." -> "Es macht keinen Spaß."), so a
        # reading without the target's optional words would then mean something else ("It's fun.").
        drop = "(" not in source
        references: list[str] = []
        for variant in variants.get((source, target), [target]):
            if " / " in variant or not _starts_like_sentence(variant):
                continue
            references += [r for r in expand_alternatives(variant, drop_optional=drop) if r not in references]
        references = references[:MAX_REFERENCES] or expand_alternatives(target, drop_optional=drop)
        rows.append((first_reading(source), references[0], references))
    stats[f"{split}: headword entries dropped"] = headwords
    stats[f"{split}: pairs with phrase alternatives (' / ') dropped"] = phrase_alternatives
    stats[f"{split}: pairs kept"] = len(rows)
    stats[f"{split}: pairs with several references"] = sum(len(r[2]) > 1 for r in rows)
    return rows


def _dataset(rows: list[tuple[str, str, list[str]]]):
    import datasets

    features = datasets.Features(
        {
            "source": datasets.Value("string"),
            "target": datasets.Value("string"),
            "references": datasets.Sequence(datasets.Value("string")),
        }
    )
    return datasets.Dataset.from_dict(
        {
            "source": [r[0] for r in rows],
            "target": [r[1] for r in rows],
            "references": [r[2] for r in rows],
        },
        features=features,
    )


def first_pass_splits(
    lines: list[str],
    stats: dict[str, int],
    variants: dict[tuple[str, str], list[str]] | None = None,
    salt: str = NAME,
) -> dict[str, Any]:
    """The first version's splits: every sentence pair cleaned and split, before the second pass."""
    pairs = clean_pairs(extract_pairs(lines, stats, variants), stats)
    stats["pairs kept by the first pass"] = len(pairs)
    return split_pairs(pairs, validation=VALIDATION, test=TEST, salt=salt)


def make_splits(lines: list[str], salt: str = NAME) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse, clean and split Ding lines; return ``({split: Dataset}, cleaning counts)``.

    The splits have ``source``/``target`` columns; :func:`build` stores them in the standard layout (one
    ``translation`` column).

    The split assignment is that of the first version of this corpus (the same groups in the same splits), so a
    model trained on the old train split never sees the new test sentences. The old test split is kept as
    ``test_v1`` (raw pairs, one reference) for before/after comparisons.
    """
    stats: dict[str, int] = {}
    variants: dict[tuple[str, str], list[str]] = {}
    first = first_pass_splits(lines, stats, variants, salt=salt)
    splits = {}
    seen: set[str] = set()  # choosing one reading can make two sentences of different splits equal
    for split in ("train", "validation", "test"):
        dataset = first[split]
        rows = refine_split(list(zip(dataset["source"], dataset["target"])), variants, stats, split)
        kept = [row for row in rows if text_key(row[0]) not in seen and text_key(row[1]) not in seen]
        if split != "train":
            stats[f"{split}: pairs dropped as equal to one of an earlier split after the cleaning"] = len(
                rows
            ) - len(kept)
        seen |= {text_key(row[0]) for row in kept} | {text_key(row[1]) for row in kept}
        splits[split] = _dataset(kept)
    old_test = first["test"]
    splits["test_v1"] = _dataset([(s, t, [t]) for s, t in zip(old_test["source"], old_test["target"])])
    return splits, stats


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

{COLUMNS}

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
- Second pass, per split after the split (so every sentence stays in the split it was in before, and a model
  trained on the first version's train split has seen none of the new test sentences):
  - headword entries are dropped: a side that starts in lower case, an English side starting "to ", or a
    dictionary placeholder (`sth.`, `sb.`, `etw.`, `jdn.`, ...) on either side ("Schutz (vor etw.)" ->
    "protection (against sth.)" is a dictionary entry, not a sentence);
  - pairs with phrase alternatives written " / " are dropped (the scope of the alternative is unknown);
  - the English side's readings become `references`: each `;` variant, each choice of word alternatives written
    "a/b" (the k-th reading takes the k-th word of every group), each with the optional "(...)" words kept and
    left out (unless the German side has optional words too); at most {MAX_REFERENCES}. `target` is the first reading; the German side keeps its first word
    alternative and its optional words (without brackets).
- `test_v1` is the first version's test split as it was (raw pairs, one reference), kept so scores before and
  after the cleaning can be compared.

{stats_table(stats)}

## Licence

GPL-2.0-or-later, like Ding itself: "Copyright (c) Frank Richter <frank.richter@hrz.tu-chemnitz.de>
1995 - 2023. License: GPL Version 2 or later; GNU General Public License. URL:
https://dict.tu-chemnitz.de/". Redistributions of this data must keep this notice and stay under the
GPL (version 2 or any later version).
"""
    write_dataset(ctx.out_dir, as_standard(splits, "de", "en"), metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="translation",
    languages=("de", "en"),
    description="German->English example sentences from the Ding dictionary",
    source=f"Debian {PACKAGE} {VERSION}",
    license="gpl-2.0-or-later",
    build=build,
)
