"""`python-stdlib`: Python source code from the standard library of the Python running the build, split by module.

Source: the ``*.py`` files under ``sysconfig.get_paths()["stdlib"]`` of this CPython (its version is recorded in
the card; another Python version gives another corpus). Kept: non-test modules (no ``test``/``tests``/``idle_test``
folder, no ``test_*.py``), not ``site-packages``, not the build's generated ``_sysconfigdata*`` and not the codec
tables that ``gencodec.py`` generates. Only licence headers are stripped: a leading comment block that mentions a
copyright, a licence or a permission (a ``#!`` or coding line stays). The committed corpus is capped
(``MAX_CHARACTERS``), chosen deterministically: modules in the order of a salted sha256 of their name, modules
over ``MAX_MODULE_CHARACTERS`` left out, taken until the cap is reached.
"""

from __future__ import annotations

import platform
import re
import shutil
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from rnnhub.data.common import BuildContext, split_table, stable_fraction, stats_table, write_dataset
from rnnhub.data.documents import facts_table, split_documents, text_facts
from rnnhub.data.registry import Corpus

NAME = "python-stdlib"
MAX_CHARACTERS = 3_000_000  # the committed corpus: about 3 MB of source text
MAX_MODULE_CHARACTERS = 100_000  # larger modules (data tables, _pydecimal, ...) are left out
VALIDATION, TEST = 0.05, 0.05  # fractions of the chosen modules
_TEST_DIRS = frozenset({"test", "tests", "idle_test", "site-packages", "__pycache__"})
_LICENCE_WORDS = re.compile(r"copyright|licen[cs]e|permission is|all rights reserved", re.IGNORECASE)
_KEEP_LINE = re.compile(r"^#!|^#.*coding[:=]")
_GENERATED_CODEC = "Python Character Mapping Codec"


def stdlib_dir() -> Path:
    """The standard library folder of the running Python."""
    return Path(sysconfig.get_paths()["stdlib"])


def python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def strip_licence_header(source: str) -> str:
    """``source`` without its leading comment blocks that mention a copyright, licence or permission.

    A block is a run of ``#`` lines ended by a blank or a code line; ``#!`` and coding lines are kept.
    """
    lines = source.split("\n")
    kept_first = []
    while lines and _KEEP_LINE.match(lines[0]):
        kept_first.append(lines.pop(0))
    while True:
        end = 0
        while end < len(lines) and lines[end].startswith("#"):
            end += 1
        block = lines[:end]
        if not block or not _LICENCE_WORDS.search("\n".join(block)):
            break
        lines = lines[end:]
        while lines and not lines[0].strip():
            lines.pop(0)
    return "\n".join(kept_first + lines)


def module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_candidate(relative: Path) -> bool:
    """Whether a ``.py`` file (relative to the stdlib folder) is a non-test, non-generated module."""
    if any(part in _TEST_DIRS or part.startswith("config-") for part in relative.parts[:-1]):
        return False
    name = relative.name
    return not (name.startswith("test_") or name.startswith("_sysconfigdata"))


def read_modules(root: Path, stats: dict[str, int]) -> Iterator[dict[str, str]]:
    """``{"text", "module", "path"}`` for every candidate module under ``root``, counting what was skipped."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if not is_candidate(relative):
            stats["test, site-packages or build files left out"] = (
                stats.get("test, site-packages or build files left out", 0) + 1
            )
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            stats["files not in UTF-8 left out"] = stats.get("files not in UTF-8 left out", 0) + 1
            continue
        if _GENERATED_CODEC in source[:2000]:
            stats["generated codec tables left out"] = stats.get("generated codec tables left out", 0) + 1
            continue
        source = source.replace("\r\n", "\n")
        text = strip_licence_header(source)
        if text != source:
            stats["modules with a licence header stripped"] = (
                stats.get("modules with a licence header stripped", 0) + 1
            )
        if not text.strip():
            stats["empty modules left out"] = stats.get("empty modules left out", 0) + 1
            continue
        yield {"text": text, "module": module_name(relative), "path": relative.as_posix()}


def choose(
    rows: list[dict[str, str]],
    stats: dict[str, int],
    max_characters: int = MAX_CHARACTERS,
    max_module_characters: int = MAX_MODULE_CHARACTERS,
    salt: str = NAME,
) -> list[dict[str, str]]:
    """The capped selection: modules in salted-hash order, those over ``max_module_characters`` skipped, until
    ``max_characters`` would be passed."""
    chosen, total = [], 0
    for row in sorted(rows, key=lambda row: (stable_fraction(row["module"], salt), row["module"])):
        if len(row["text"]) > max_module_characters:
            stats[f"modules over {max_module_characters:,} characters left out"] = (
                stats.get(f"modules over {max_module_characters:,} characters left out", 0) + 1
            )
            continue
        if total + len(row["text"]) > max_characters:
            stats["modules beyond the size cap left out"] = (
                stats.get("modules beyond the size cap left out", 0) + 1
            )
            continue
        chosen.append(row)
        total += len(row["text"])
    stats["modules kept"] = len(chosen)
    return chosen


def make_splits(rows: list[dict[str, str]], salt: str = NAME):
    return split_documents(rows, group="module", validation=VALIDATION, test=TEST, salt=salt)


def build(ctx: BuildContext) -> None:
    root = stdlib_dir()
    licence = root / "LICENSE.txt"
    stats: dict[str, int] = {}
    rows = list(ctx.progress(read_modules(root, stats), desc="modules", unit="module"))
    stats = {"modules read": len(rows), **stats}
    splits = make_splits(choose(rows, stats))
    facts = text_facts(splits, "module")
    held_out = {
        name: ", ".join(sorted(set(split["module"]))) for name, split in splits.items() if name != "train"
    }
    version = python_version()
    metadata = {
        "pretty_name": f"Python source code: the {version} standard library (capped)",
        "license": "psf-2.0",
        "language": ["code"],
        "task_categories": ["text-generation"],
        "task_ids": ["language-modeling"],
        "source": [{"program": version, "folder": "sysconfig stdlib", "licence_file": "LICENSE.txt"}],
    }
    licence_note = (
        "is in `LICENSE.txt` of the Python installation, copied next to this card as `LICENSE`"
        if licence.is_file()
        else "is at https://docs.python.org/3/license.html (this installation has no `LICENSE.txt`)"
    )
    body = f"""
# Python source code: the {version} standard library

Python modules of the standard library of {version} (the Python that ran the build; another version gives another
corpus), one row a module, source text unchanged except for licence headers. Columns: `text`, `module` (dotted
name), `path` (relative to the library folder).

## Splits

Split by module: {TEST:.0%} of the chosen modules to test, {VALIDATION:.0%} to validation (salted sha256 of the
module name), so no module is in two splits.

{split_table({name: len(split) for name, split in splits.items()})}

{facts_table(facts, "modules")}

- validation: {held_out["validation"]}
- test: {held_out["test"]}

## Cleaning

- Kept: `*.py` files outside `test`/`tests`/`idle_test`/`site-packages` folders, not named `test_*.py`, not
  the build's `_sysconfigdata*`, not the codec tables generated by `gencodec.py` ("{_GENERATED_CODEC}"), in UTF-8.
- Licence headers stripped, nothing else: a leading comment block that mentions a copyright, a licence or a
  permission notice is removed (a `#!` or coding line before it stays). Docstrings and all other comments stay.
  Windows line ends become `\\n`.
- **Capped** to keep the committed corpus small: the modules in the order of a salted sha256 of their name
  (`"{NAME}"`), each under {MAX_MODULE_CHARACTERS:,} characters, taken while the total stays under
  {MAX_CHARACTERS:,} characters. The cap (`MAX_CHARACTERS`) and the module size limit (`MAX_MODULE_CHARACTERS`, both in
  `rnnhub.data.programs_stdlib`) are why most non-test modules are missing; the choice is the same on every machine
  with the same Python version.

{stats_table(stats)}

## Licence

The Python standard library is distributed under the PSF License Agreement (Python Software Foundation License
Version 2), Copyright (c) 2001 Python Software Foundation; All Rights Reserved. Its text {licence_note}.
"""
    write_dataset(ctx.out_dir, splits, metadata, body)
    if licence.is_file():
        shutil.copyfile(licence, ctx.out_dir / "LICENSE")


CORPUS = Corpus(
    name=NAME,
    task="text-generation",
    languages=("code",),
    description="Python standard library sources (non-test modules, ~3 MB, capped), split by module",
    source=f"{python_version()} standard library (the Python running the build)",
    license="psf-2.0",
    build=build,
)
