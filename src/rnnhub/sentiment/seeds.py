"""One sentiment recipe trained with several seeds: the spread, and the seed that is published.

>>> from rnnhub.sentiment.recipe import train_seeds
>>> train_seeds("rt-sentiment-en", cell_type="lstm", output_dir="model_cards/lstm-sentiment-rt-en", seeds=(0, 1, 2))

:func:`rnnhub.sentiment.recipe.train_seeds` trains the whole recipe (``train_sentiment``) once per seed into
``<output>-seeds/seed-<k>/``; the folder published at ``output_dir`` is a copy of the seed whose validation
accuracy is closest to the seeds' mean validation accuracy (ties: the lower seed). It is chosen on validation, so
the test split picks nothing; its ``eval_report.json`` gains a ``seeds`` entry (every seed's validation and test
numbers, their mean and sample standard deviation, the rule) that the card shows. One seed's accuracy on ~1,400
test texts moves by about half a point from seed to seed, so a published number is the mean of the seeds.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

SEEDS_KEY = "seeds"  # where the spread goes in eval_report.json
RULE = "the seed whose validation accuracy is closest to the mean of the seeds' validation accuracies"
_METRICS = ("accuracy", "macro_f1")


def seeds_dir(output_dir: str | os.PathLike[str]) -> Path:
    """Where the seeds of ``output_dir`` are trained: ``<output>-seeds/`` beside it."""
    output_dir = Path(output_dir)
    return output_dir.with_name(f"{output_dir.name}-seeds")


def teachers_dir(output_dir: str | os.PathLike[str]) -> Path:
    """Where the teachers of a distilled ``output_dir`` are trained: ``<output>-teachers/`` beside it."""
    output_dir = Path(output_dir)
    return output_dir.with_name(f"{output_dir.name}-teachers")


def _per_seed(reports: dict[int, dict[str, Any]]) -> dict[int, dict[str, dict[str, float]]]:
    return {
        seed: {split: {m: report["metrics"][split][m] for m in _METRICS} for split in ("validation", "test")}
        for seed, report in sorted(reports.items())
    }


def _summary(per_seed: dict[int, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """Mean and sample std (0 for a single seed) of every split's metrics."""
    summary: dict[str, Any] = {}
    for split in ("validation", "test"):
        summary[split] = {}
        for metric in _METRICS:
            values = [numbers[split][metric] for numbers in per_seed.values()]
            summary[split][metric] = {
                "mean": round(statistics.fmean(values), 4),
                "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
            }
    return summary


def spread(reports: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Per-seed validation/test metrics of ``{seed: eval_report}``, their mean and sample std, and the chosen
    seed (:data:`RULE`)."""
    if len(reports) < 2:
        raise ValueError(f"A spread needs at least 2 seeds, got {len(reports)}.")
    per_seed = _per_seed(reports)
    mean = statistics.fmean(numbers["validation"]["accuracy"] for numbers in per_seed.values())
    chosen = min(per_seed, key=lambda seed: (abs(per_seed[seed]["validation"]["accuracy"] - mean), seed))
    return {
        "seeds": list(per_seed),
        "per_seed": {str(seed): numbers for seed, numbers in per_seed.items()},
        "summary": _summary(per_seed),
        "chosen": chosen,
        "rule": RULE,
    }


def teacher_spread(reports: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The teachers' per-seed validation/test metrics and their mean ± std (a single teacher: std 0)."""
    per_seed = _per_seed(reports)
    return {
        "seeds": list(per_seed),
        "per_seed": {str(seed): numbers for seed, numbers in per_seed.items()},
        "summary": _summary(per_seed),
        # Each teacher's whole recipe call, tokenizer and evaluation included: what distillation adds to a run.
        "total_time_s": {str(seed): reports[seed].get("recipe", {}).get("total_time_s") for seed in per_seed},
    }


def spread_line(entry: dict[str, Any], split: str = "test") -> str:
    """``"0.8062 ± 0.0040 accuracy, 0.8049 ± 0.0030 macro-F1 (3 seeds)"`` for a card or a table."""
    numbers = entry["summary"][split]
    return (
        f"{numbers['accuracy']['mean']:.4f} ± {numbers['accuracy']['std']:.4f} accuracy, "
        f"{numbers['macro_f1']['mean']:.4f} ± {numbers['macro_f1']['std']:.4f} macro-F1 "
        f"({len(entry['seeds'])} seeds)"
    )


def seeds_section(entry: dict[str, Any]) -> str:
    """The card's table of the seeds: one row per seed, then the mean ± std; the published seed marked."""
    rows = [
        "| Seed | Validation accuracy | Test accuracy | Test macro-F1 |",
        "| --- | --- | --- | --- |",
    ]
    for seed in entry["seeds"]:
        numbers = entry["per_seed"][str(seed)]
        name = f"**{seed}** (published)" if seed == entry["chosen"] else str(seed)
        rows.append(
            f"| {name} | {numbers['validation']['accuracy']:.4f} | {numbers['test']['accuracy']:.4f} | "
            f"{numbers['test']['macro_f1']:.4f} |"
        )
    summary = entry["summary"]
    teachers = entry.get("teachers")
    rows.append(
        f"| mean ± std | {summary['validation']['accuracy']['mean']:.4f} ± "
        f"{summary['validation']['accuracy']['std']:.4f} | {summary['test']['accuracy']['mean']:.4f} ± "
        f"{summary['test']['accuracy']['std']:.4f} | {summary['test']['macro_f1']['mean']:.4f} ± "
        f"{summary['test']['macro_f1']['std']:.4f} |"
    )
    text = (
        f"The recipe was trained with {len(entry['seeds'])} seeds (initial weights, data order, dropout); the "
        f"headline numbers are their mean ± sample standard deviation. The published weights are seed "
        f"{entry['chosen']}: {entry['rule']} (chosen on validation, not test).\n\n" + "\n".join(rows)
    )
    if teachers:
        numbers = teachers["summary"]
        text += (
            f"\n\nEvery seed was distilled from the same {len(teachers['seeds'])} teachers: this recipe without "
            f"distillation, trained with seeds {', '.join(map(str, teachers['seeds']))} on the same machine (not "
            f"published). The teachers alone: validation accuracy {numbers['validation']['accuracy']['mean']:.4f} "
            f"± {numbers['validation']['accuracy']['std']:.4f}, test accuracy "
            f"{numbers['test']['accuracy']['mean']:.4f} ± {numbers['test']['accuracy']['std']:.4f}."
        )
        times = [t for t in teachers.get("total_time_s", {}).values() if t is not None]
        if times:
            text += (
                f" Training a teacher took {min(times):.0f}-{max(times):.0f} s, on top of the distilled seed's own "
                "time (Training)."
            )
    return text
