"""Other seeds of the captioning recipe beside a published folder: their numbers, the mean and the spread.

>>> from rnnhub.captioning.seeds import record_seeds
>>> record_seeds("model_cards/lstm-captioning-emoji", ["docs/captioning-runs/published-seed0.json", ...])

One captioner trains for 20-25 minutes on this CPU, so the recipe trains one seed per command; the seeds are run
one by one (``rnnhub train captioning --seed K``) and their ``eval_report.json`` files kept. This module reads
them, checks that they are the same recipe as the published folder (only the seed may differ), and writes an
entry into the folder's report that the card shows as a Seeds table: every seed's selection score (the greedy
BLEU-4 on validation plus validation_variants that chose its checkpoint) and its greedy BLEU-4 on each split,
with the mean and the sample standard deviation (:func:`rnnhub.captioning.card_results.seeds_section`). The
published folder's own row is read from its current report; the other seeds' rows are copied from theirs.

The command: ``rnnhub train captioning-seeds FOLDER REPORT [REPORT ...]``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rnnhub.captioning.card import read_report, write_card
from rnnhub.captioning.card_results import seed_row
from rnnhub.captioning.settings import RECIPE_KEY, SEEDS_KEY, CaptioningSettings

__all__ = ["record_seeds"]


def _settings(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report's recipe settings; a key an older report lacks had the default it has now."""
    defaults = json.loads(json.dumps(asdict(CaptioningSettings())))  # tuples as lists, as in a report
    return {**defaults, **report[RECIPE_KEY]["settings"]}


def _check_same_recipe(published: Mapping[str, Any], other: Mapping[str, Any], name: str) -> None:
    ours, theirs = _settings(published), _settings(other)
    differ = sorted(key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key))
    if differ:
        raise ValueError(
            f"{name} is another recipe than the published folder (settings that differ: {', '.join(differ)}); "
            "only other seeds of the same command belong in its Seeds table."
        )
    if other["seed"] == published["seed"]:
        raise ValueError(
            f"{name} is seed {other['seed']}, the published folder's own seed; give the other seeds."
        )


def record_seeds(folder: str | os.PathLike[str], reports: Sequence[str | os.PathLike[str]]) -> dict[str, Any]:
    """Record the seeds of ``reports`` (other runs' ``eval_report.json``) in ``folder``'s report, rewrite its card,
    and return the entry.

    Raises:
        ValueError: no reports, a folder or report not written by the recipe, a report of another recipe, the
            folder's own seed, or a seed given twice.
    """
    from rnnhub.engine.report import update_report

    folder = Path(folder)
    published = read_report(folder)
    if not reports:
        raise ValueError("Give the eval_report.json files of the other seeds (at least one).")
    rows, sources = [], []
    for path in reports:
        other = read_report(Path(path))
        _check_same_recipe(published, other, str(path))
        rows.append(seed_row(other))
        sources.append(os.fspath(path))
    seeds = [row["seed"] for row in rows]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"A seed is given twice: {seeds}.")
    entry = {"others": sorted(rows, key=lambda row: row["seed"]), "sources": sources}
    update_report(folder, **{SEEDS_KEY: entry})
    write_card(folder)
    return entry
