"""Atomic output folders: a fine-tune's model, tokenizer, card and report appear in ``OUTPUT`` all at once, or
not at all.

The run writes into a staging folder beside the output, ``.OUTPUT.partial`` (its checkpoints too, so that
``--resume`` finds them there after a kill); once everything is written, :func:`move_into_place` renames the old
output aside (``.OUTPUT.old``), renames the staging folder to ``OUTPUT`` and deletes the old one. A kill at any
point leaves either the previous folder or the new one whole, never new weights beside an old card; a kill between
the two renames leaves ``.OUTPUT.old``, which :func:`check_output` puts back on the next run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["check_output", "move_into_place", "old_dir", "staging_dir"]


def staging_dir(output: Path) -> Path:
    """Where a run into ``output`` writes until it is complete."""
    return output.parent / f".{output.name}.partial"


def old_dir(output: Path) -> Path:
    """Where the previous ``output`` waits while the new one is renamed into place."""
    return output.parent / f".{output.name}.old"


def check_output(output: Path, *, overwrite: bool, restore: bool = True) -> None:
    """Put back a previous output a kill left aside, then refuse an existing non-empty ``output`` unless
    ``overwrite`` (which replaces it only once the new model is complete). ``restore=False`` (the other
    processes of a data-parallel run) only checks.

    Raises:
        ValueError: ``output`` is a file, or a non-empty folder without ``overwrite``.
    """
    output = Path(output)
    if restore and not output.exists() and old_dir(output).is_dir():
        os.replace(old_dir(output), output)  # killed between the two renames: the old folder is still good
    if output.exists() and not output.is_dir():
        raise ValueError(f"--output {output} is a file; give a folder path.")
    if output.is_dir() and any(output.iterdir()) and not overwrite:
        shown = ", ".join(sorted(p.name for p in output.iterdir())[:6])
        raise ValueError(
            f"--output {output} already holds files ({shown}); pass --overwrite to replace it (the old folder "
            "stays until the new model is completely written), or choose another folder."
        )


def move_into_place(staging: Path, output: Path) -> None:
    """Replace ``output`` (if any) with the complete ``staging`` folder: two renames, then the old one deleted."""
    staging, output = Path(staging), Path(output)
    old = old_dir(output)
    if old.exists():
        shutil.rmtree(old)
    if output.exists():
        os.replace(output, old)
    os.replace(staging, output)
    shutil.rmtree(old, ignore_errors=True)
