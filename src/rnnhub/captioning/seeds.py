"""Other seeds of the captioning recipe beside a published folder: their numbers, the mean and the spread.

>>> from rnnhub.captioning.seeds import record_seeds
>>> record_seeds("model_cards/lstm-captioning-emoji", ["docs/captioning-runs/published-seed0.json", ...])

One captioner trains for 20-25 minutes on this CPU, so the recipe trains one seed per command; the seeds are run
one by one (``rnnhub train captioning --seed K``) and their ``eval_report.json`` files kept. This module reads
them, checks that they are the same recipe as the published folder (only the seed may differ), and writes an
entry into the folder's report that the card shows as a Seeds table: every seed's selection score (the greedy
BLEU-4 on validation plus validation_variants that chose its checkpoint) and its greedy BLEU-4 on each split,
with the mean and the sample standard deviation. The published folder's own row is read from its current
report; the other seeds' rows are copied from theirs.

The command: ``rnnhub train captioning-seeds FOLDER REPORT [REPORT ...]``.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rnnhub.captioning.settings import RECIPE_KEY, SELECTION_SPLITS, TEST_SPLITS, CaptioningSettings

__all__ = ["SEEDS_KEY", "record_seeds", "seed_row", "seeds_rows", "seeds_section"]

SEEDS_KEY = "seeds"  # eval_report.json key: the other seeds' rows and where they came from
COLUMNS = ("selection", *SELECTION_SPLITS, *TEST_SPLITS)


def selection_score(report: Mapping[str, Any]) -> float:
    """The score that chose the report's checkpoint: its evaluation BLEU at ``best_step``."""
    for entry in report["history"]:
        if entry.get("step") == report["best_step"] and "eval_bleu" in entry:
            return float(entry["eval_bleu"])
    raise ValueError(f"The report of seed {report.get('seed')} has no evaluation at its best step.")


def seed_row(report: Mapping[str, Any]) -> dict[str, Any]:
    """One seed's row: its seed, selection score and greedy BLEU-4 on each split it was scored on."""
    metrics = report["metrics"]
    row: dict[str, Any] = {"seed": report["seed"], "selection": selection_score(report)}
    row.update({split: metrics[split]["greedy"]["bleu"] for split in COLUMNS[1:] if split in metrics})
    return row


def _read(path: Path) -> dict[str, Any]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable eval_report.json.") from error
    if RECIPE_KEY not in report:
        raise ValueError(f"{path} was not written by `rnnhub train captioning`.")
    return report


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
    """Record the seeds of ``reports`` (other runs' ``eval_report.json``) in ``folder``'s report and return the
    entry; :func:`rnnhub.captioning.card.write_card` then shows it (``rnnhub train captioning-seeds`` does both).

    Raises:
        ValueError: no reports, a folder or report not written by the recipe, a report of another recipe, the
            folder's own seed, or a seed given twice.
    """
    from rnnhub.engine.report import update_report

    folder = Path(folder)
    published = _read(folder / "eval_report.json")
    if not reports:
        raise ValueError("Give the eval_report.json files of the other seeds (at least one).")
    rows, sources = [], []
    for path in reports:
        other = _read(Path(path))
        _check_same_recipe(published, other, str(path))
        rows.append(seed_row(other))
        sources.append(os.fspath(path))
    seeds = [row["seed"] for row in rows]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"A seed is given twice: {seeds}.")
    entry = {"others": sorted(rows, key=lambda row: row["seed"]), "sources": sources}
    update_report(folder, **{SEEDS_KEY: entry})
    return entry


def seeds_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every seed's row, the published one (from the report's current metrics) among the recorded others."""
    rows = [seed_row(report), *report[SEEDS_KEY]["others"]]
    return sorted(rows, key=lambda row: row["seed"])


def seeds_section(report: Mapping[str, Any]) -> str:
    """The card's Seeds section: a row per seed, then the mean ± sample std of each column."""
    rows = seeds_rows(report)
    columns = [c for c in COLUMNS if all(c in row for row in rows)]
    header = "| seed | " + " | ".join(f"`{c}`" if c != "selection" else "selection" for c in columns) + " |"
    lines = [header, "|---" * (len(columns) + 1) + "|"]
    for row in rows:
        mark = " (published)" if row["seed"] == report["seed"] else ""
        lines.append(f"| {row['seed']}{mark} | " + " | ".join(f"{row[c]:.1f}" for c in columns) + " |")
    spread = []
    for column in columns:
        values = [row[column] for row in rows]
        spread.append(f"{statistics.fmean(values):.1f} ± {statistics.stdev(values):.1f}")
    lines.append(f"| mean ± std of {len(rows)} | " + " | ".join(spread) + " |")
    best = max(rows, key=lambda row: row["selection"])["seed"]
    chosen = (
        "the seed with the best selection score"
        if best == report["seed"]
        else f"seed {report['seed']} (seed {best} has the best selection score)"
    )
    return (
        f"The same command with {len(rows)} seeds (`--seed`), greedy BLEU-4. The selection score (greedy BLEU-4 "
        "on `validation` plus `validation_variants`) chose each seed's checkpoint. The published folder is "
        f"{chosen}: its test numbers are one draw, and the mean is the number to compare a recipe by.\n\n"
        + "\n".join(lines)
    )
