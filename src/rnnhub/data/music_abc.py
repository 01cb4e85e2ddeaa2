"""`abc-tunes`: folk tunes in ABC notation from PyPI ``music21``'s corpus, one row a tune, split by tune family.

Source: ``music21/corpus/<collection>/*.abc`` in the music21 wheel. Kept collections (``COLLECTIONS``) are those
whose terms allow publishing a model trained on them: 18th/19th-century tune books (public-domain music) whose ABC
transcriptions music21 distributes with its corpus with no restriction stated beyond the corpus's own notice
(``music21/corpus/license.txt``: "distributed with the permission of the encoders ... please see the licenses
embedded in individual compositions or directories"). Left out (``LEFT_OUT``): ``essenFolksong`` (its
``license.txt``: permission "for non-commercial distribution and use ... in music21" only), ``josquin`` (GPL-2.0
encodings of polyphony, many voices), ``nottingham-dataset`` (two tunes, no terms stated).

Each tune keeps the header fields a player needs, in this order: ``X:1`` (renumbered), ``T:`` (the first title),
``M:``, ``L:`` (when the tune has one) and ``K:``, then the music lines. Comments, lyrics (``w:``/``W:``),
typesetting directives (``%%``) and information fields (``N:``, ``Z:``, ``B:``, ...) are dropped; the transcriber
(``Z:``) goes to its own column. Tunes with several voices (``V:``) or without ``M:``/``K:`` are left out.
Duplicate or transposed copies of a tune stay on one side of the split: tunes are linked when their titles match
(case, punctuation, a leading "The" and the "-- Reel" style suffix ignored) or their first notes move by the same
steps (a diatonic transposition keeps those), and linked tunes form one group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rnnhub.data.common import (
    BuildContext,
    fetch_pypi,
    link_groups,
    source_info,
    split_table,
    stats_table,
    text_key,
    write_dataset,
)
from rnnhub.data.documents import facts_table, split_documents, text_facts
from rnnhub.data.registry import Corpus

NAME = "abc-tunes"
PACKAGE, VERSION = "music21", "10.5.1"
CORPUS_DIR = "music21/corpus"
# collection folder -> (title, date of the printed source) for the card
COLLECTIONS = {
    "airdsAirs": (
        "James Aird, A Selection of Scotch, English, Irish and Foreign Airs, books 1-6",
        "1778-1803",
    ),
    "miscFolk": ("Colonial and Civil War American fife music; Northumbrian minstrelsy", "18th-19th c."),
    "oneills1850": ("Francis O'Neill, The Music of Ireland: 1850 Melodies", "1903"),
    "ryansMammoth": ("William Bradbury Ryan, Ryan's Mammoth Collection", "1883"),
}
LEFT_OUT = {
    "essenFolksong": "non-commercial permission only (its license.txt)",
    "josquin": "GPL-2.0 encodings of Renaissance polyphony (several voices, not tunes)",
    "nottingham-dataset": "two tunes, no terms stated",
}
HEADER_ORDER = ("X", "T", "M", "L", "K")
BODY_FIELDS = frozenset("KLMP")  # field lines kept inside the music: key, unit length, meter changes, parts
MELODY_NOTES = 16  # first notes compared for the transposition link
VALIDATION, TEST = 0.05, 0.05  # fractions of tune groups

_FIELD = re.compile(r"^([A-Za-z]):\s*(.*)$")
_NOTE = re.compile(r"([_^=]*)([A-Ga-g])([,']*)")
_NOT_NOTES = re.compile(r'"[^"]*"|![^!]*!|\{[^}]*\}|\[[A-Za-z]:[^\]]*\]|\+[^+]*\+')
_TITLE_SUFFIX = re.compile(r"\s+--\s+.*$")


def split_tunes(abc: str) -> Iterator[list[str]]:
    """The lines of each tune of an ABC file (from its ``X:`` line to the next one); the file header is skipped."""
    tune: list[str] | None = None
    for line in abc.replace("\r\n", "\n").split("\n"):
        if re.match(r"^X:", line):
            if tune:
                yield tune
            tune = [line]
        elif tune is not None:
            tune.append(line)
    if tune:
        yield tune


def _without_comment(line: str) -> str:
    if line.startswith("%"):
        return ""
    cut = line.find("%")
    return (line if cut < 0 else line[:cut]).rstrip()


def clean_tune(lines: list[str]) -> tuple[dict[str, str], str] | str:
    """``(fields, text)`` of one tune, or a string saying why it is left out.

    ``fields``: ``title``, ``meter``, ``key``, ``transcriber`` (possibly empty). ``text``: the cleaned tune.
    """
    header: dict[str, str] = {}
    transcriber = ""
    body: list[str] = []
    in_body = False
    for raw in lines:
        line = _without_comment(raw)
        if not line.strip():
            if in_body and body:
                break  # a blank line ends the tune
            continue
        field = _FIELD.match(line)
        if not in_body:
            if field is None:
                continue  # stray text in the header
            name, value = field.group(1), field.group(2).strip()
            if name == "V":
                return "several voices (V:)"
            if name == "Z" and not transcriber:
                transcriber = value
            if name in HEADER_ORDER and name not in header:
                header[name] = value
            if name == "K":
                in_body = True
            continue
        if field is not None and not line.startswith("|"):
            name = field.group(1)
            if name == "V":
                return "several voices (V:)"
            if name in BODY_FIELDS:
                body.append(f"{name}:{field.group(2).strip()}")
            continue  # lyrics and information fields are dropped
        body.append(line)
    if "M" not in header or "K" not in header or not header["K"]:
        return "no M: or K: field"
    if not any(_NOTE.search(_NOT_NOTES.sub("", line)) for line in body if not _FIELD.match(line)):
        return "no music"
    header["X"] = "1"
    header.setdefault("T", "")
    lines_out = [f"{name}:{header[name]}" for name in HEADER_ORDER if name in header]
    fields = {"title": header["T"], "meter": header["M"], "key": header["K"], "transcriber": transcriber}
    return fields, "\n".join(lines_out + body)


def title_key(title: str) -> str:
    """What titles are compared by: the part before " -- ", lowercased, letters and digits only, no leading "the"."""
    title = _TITLE_SUFFIX.sub("", title).casefold()
    title = re.sub(r"^the\s+", "", title)
    return re.sub(r"[\W_]+", "", title)


def melody_key(text: str, notes: int = MELODY_NOTES) -> str | None:
    """The diatonic steps between the first ``notes`` notes (``None`` for a shorter tune): the same for a copy
    transposed by a key change, whatever the key."""
    music = "\n".join(line for line in text.split("\n") if not _FIELD.match(line))
    steps = []
    for match in _NOTE.finditer(_NOT_NOTES.sub("", music)):
        letter, octave = match.group(2), match.group(3)
        step = "CDEFGAB".index(letter.upper()) + (7 if letter.islower() else 0)
        steps.append(step + 7 * octave.count("'") - 7 * octave.count(","))
        if len(steps) == notes:
            break
    if len(steps) < notes:
        return None
    return ",".join(str(b - a) for a, b in zip(steps, steps[1:]))


def read_tunes(corpus_dir: Path, stats: dict[str, int]) -> Iterator[dict[str, str]]:
    """Cleaned tunes of the kept collections, in file order, counting what is left out and why."""
    for collection in sorted(COLLECTIONS):
        for path in sorted((corpus_dir / collection).glob("*.abc")):
            abc = path.read_text(encoding="utf-8", errors="replace")
            for lines in split_tunes(abc):
                stats[f"tunes read: {collection}"] = stats.get(f"tunes read: {collection}", 0) + 1
                cleaned = clean_tune(lines)
                if isinstance(cleaned, str):
                    stats[f"left out: {cleaned}"] = stats.get(f"left out: {cleaned}", 0) + 1
                    continue
                fields, text = cleaned
                yield {"text": text, "collection": collection, "file": path.name, **fields}


def make_splits(rows: list[dict[str, str]], stats: dict[str, int], salt: str = NAME):
    """Drop exact duplicates, link copies into groups (title or melody), split by group."""
    kept, seen = [], set()
    for row in rows:
        key = text_key(row["text"].split("\n", 1)[1])  # X: is the same for all
        if key in seen:
            stats["exact duplicates dropped"] = stats.get("exact duplicates dropped", 0) + 1
            continue
        seen.add(key)
        kept.append(row)
    keys = []
    for row in kept:
        row_keys = [f"t:{title_key(row['title'])}"] if title_key(row["title"]) else []
        melody = melody_key(row["text"])
        if melody is not None:
            row_keys.append(f"m:{melody}")
        keys.append(row_keys or [f"x:{row['collection']}/{row['file']}/{len(keys)}"])
    groups = link_groups(keys)
    rows_out = [{**row, "group": group} for row, group in zip(kept, groups)]
    stats["tunes kept"] = len(rows_out)
    stats["tune groups (copies linked)"] = len(set(groups))
    return split_documents(rows_out, group="group", validation=VALIDATION, test=TEST, salt=salt)


def build(ctx: BuildContext) -> None:
    root = fetch_pypi(PACKAGE, VERSION, ctx.cache_dir, kind="wheel")
    stats: dict[str, int] = {}
    rows = list(ctx.progress(read_tunes(root / CORPUS_DIR, stats), desc="tunes", unit="tune"))
    splits = make_splits(rows, stats)
    info = source_info(root)
    facts = text_facts(splits, "group")
    by_collection = {
        name: {c: split["collection"].count(c) for c in COLLECTIONS} for name, split in splits.items()
    }
    collection_rows = "\n".join(
        f"| `{c}` | {title} ({date}) | " + " | ".join(f"{by_collection[n][c]:,}" for n in splits) + " |"
        for c, (title, date) in COLLECTIONS.items()
    )
    left_out = "\n".join(f"- `{c}`: {why}" for c, why in LEFT_OUT.items())
    metadata = {
        "pretty_name": "Folk tunes in ABC notation (music21 corpus, redistributable collections)",
        "license": "other",
        "language": ["en"],
        "task_categories": ["text-generation"],
        "task_ids": ["language-modeling"],
        "source": [{**info, "collections": sorted(COLLECTIONS)}],
    }
    body = f"""
# Folk tunes in ABC notation

Tunes from the corpus of PyPI `{PACKAGE}` {VERSION} (wheel, `{CORPUS_DIR}/<collection>/*.abc`), one row a tune,
each a playable ABC tune: `X:1`, `T:` title, `M:` meter, `L:` unit note length (when given), `K:` key, then the
music. Columns: `text`, `collection`, `file`, `title`, `meter`, `key`, `transcriber` (the first `Z:` field:
who encoded it), `group` (the tune family used for the split).

Package checksum (sha256): {info["package"]} {info["version"]} `{info["sha256"]}`.

| collection | source | {" | ".join(splits)} |
| --- | --- | {" | ".join("---:" for _ in splits)} |
{collection_rows}

Left out:
{left_out}

## Splits

Copies of a tune stay on one side: tunes whose titles match (case, punctuation, a leading "The" and a
" -- Reel" style suffix ignored) or whose first {MELODY_NOTES} notes move by the same diatonic steps (a copy
transposed to another key keeps them) are linked, and linked tunes form one group; exact duplicates are
dropped. Groups go to splits by salted sha256: {TEST:.0%} of groups to test, {VALIDATION:.0%} to validation.

{split_table({name: len(split) for name, split in splits.items()})}

{facts_table(facts, "groups")}

## Cleaning

- Header: `X:` renumbered to 1 (the numbers are positions in the source files), the first `T:`, `M:`, `L:`, `K:`
  kept in that order; other header fields (`N:`, `Z:`, `B:`, `R:`, `Q:`, `S:`, ...) dropped (`Z:` goes to the
  `transcriber` column).
- Music: comments (`%`), typesetting directives (`%%`), lyrics (`w:`, `W:`) and information fields dropped;
  field lines for key, unit length, meter and part changes (`K:`, `L:`, `M:`, `P:`) kept; a blank line ends a tune.
- Left out: tunes with several voices (`V:`), tunes without `M:` or `K:`, tunes without notes.

{stats_table(stats)}

## Licence

The music is from printed tune books of 1778-1903 and is in the public domain. The ABC encodings were made by
the volunteers named in the `transcriber` column and are distributed in music21's corpus "with the permission of
the encoders" (`music21/corpus/license.txt`); none of the kept collections carries a licence of its own or a
restriction such as the Essen collection's non-commercial clause. music21 itself is BSD-3-Clause
(Copyright Michael Scott Asato Cuthbert). Keep the `transcriber` credits with the data.
"""
    write_dataset(ctx.out_dir, splits, metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="text-generation",
    languages=("en",),
    description="folk tunes in ABC notation (O'Neill, Ryan, Aird, fife music), one a row, split by tune family",
    source=f"PyPI {PACKAGE} {VERSION}",
    license="other",
    build=build,
)
