"""The captioning card's result sections, from ``eval_report.json``: where each split's scores belong (corpus and
split), the scores of every test split next to retrieval at a glance, the goals, the samples table, and the
seeds' table."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any

from rnnhub.captioning.samples import PER_KIND, RULE, SEED
from rnnhub.captioning.settings import CORPUS, RECIPE_KEY, SEEDS_KEY, SELECTION_SPLITS, TEST_SPLITS

__all__ = [
    "GOALS",
    "METRIC_NAMES",
    "dataset_split",
    "goals_text",
    "sample_rule",
    "sample_table",
    "scores_table",
    "seed_row",
    "seeds_section",
    "test_splits",
]

METRIC_NAMES = {
    "bleu": "BLEU-4",
    "chrf": "chrF",
    "cider": "CIDEr-D",
    "exact_match": "Exact match",
    "content_hit": "Content-word hit rate",
}
# What a captioner that describes should reach (issue 18): BLEU-4 on unseen emoji, and on clip art relative to
# nearest-neighbour retrieval from the clip-art train split.
GOALS = {"emoji_test_bleu": 45.0, "clipart_over_retrieval": 1.5}
CLIPART = "clipart-captions"


def dataset_split(name: str) -> tuple[str, str]:
    """``("clipart-captions", "test")`` for the report's ``"clipart-captions/test"``; the emoji corpus' own splits
    have no prefix."""
    corpus, _, split = name.rpartition("/")
    return (corpus, split) if corpus else (CORPUS, name)


def test_splits(report: dict[str, Any]) -> list[str]:
    """The report's test splits, the emoji corpus' first (the report's order)."""
    return [name for name in report["metrics"] if dataset_split(name)[1].startswith("test")]


def _cells(scores: dict[str, Any]) -> list[str]:
    cider = "n/a" if scores.get("cider") is None else f"{scores['cider']:.1f}"
    chrf = "n/a" if scores.get("chrf") is None else f"{scores['chrf']:.1f}"
    hits = "n/a" if scores.get("content_hit") is None else f"{scores['content_hit']:.3f}"
    return [f"{scores['bleu']:.1f}", chrf, cider, f"{scores['exact_match']:.3f}", hits]


def scores_table(report: dict[str, Any]) -> str:
    """Every test split: the model greedy and with beam search, retrieval, (for corpora the model did not train
    on) retrieval from the model's own training pictures; every metric."""
    beam = f"beam{report[RECIPE_KEY]['settings']['num_beams']}"
    evaluation = report["baseline"].get("evaluation_corpora", {})
    lines = [
        "| corpus | split (pictures) | captions by | BLEU-4 | chrF | CIDEr-D | exact match | content-word hits |",
        "|---" * 8 + "|",
    ]
    for name in test_splits(report):
        corpus, split = dataset_split(name)
        where = f"`{split}` ({report['rows'][name]})"
        by = [("model, greedy", report["metrics"][name]["greedy"])]
        by.append((f"model, beam {beam[4:]}", report["metrics"][name][beam]))
        if name in report["baseline"]["metrics"]:
            source = evaluation.get(corpus, {}).get("retrieves_from", "the model's train split")
            by.append((f"retrieval from {source}", report["baseline"]["metrics"][name]))
        same = evaluation.get(corpus, {}).get("from_model_training")
        if same and name in same["metrics"]:
            by.append((f"retrieval from {same['retrieves_from']}", same["metrics"][name]))
        lines += [f"| {corpus} | {where} | {label} | " + " | ".join(_cells(s)) + " |" for label, s in by]
    return "\n".join(lines)


def goals_text(report: dict[str, Any]) -> str:
    """Whether the scores reach :data:`GOALS`, said with the numbers."""
    beam = f"beam{report[RECIPE_KEY]['settings']['num_beams']}"
    metrics, baseline = report["metrics"], report["baseline"]["metrics"]
    parts = []
    if "test" in metrics:
        best = max(metrics["test"]["greedy"]["bleu"], metrics["test"][beam]["bleu"])
        met = best >= GOALS["emoji_test_bleu"]
        parts.append(
            f"- Emoji never seen in training (`test`): BLEU-4 of at least {GOALS['emoji_test_bleu']:g}. "
            f"**{'Met' if met else 'Not met'}**: {best:.1f} (the better of greedy and beam search)."
        )
    clip = f"{CLIPART}/test"
    if clip in metrics and clip in baseline:
        best = max(metrics[clip]["greedy"]["bleu"], metrics[clip][beam]["bleu"])
        target = GOALS["clipart_over_retrieval"] * baseline[clip]["bleu"]
        met = best >= target
        parts.append(
            f"- Clip art (`{clip}`): BLEU-4 at least {GOALS['clipart_over_retrieval']:g}x nearest-neighbour "
            f"retrieval's ({baseline[clip]['bleu']:.1f}), i.e. {target:.1f}. **{'Met' if met else 'Not met'}**: "
            f"{best:.1f}, {'above' if best > baseline[clip]['bleu'] else 'below'} retrieval itself."
        )
    return "\n".join(parts)


def sample_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The samples as card table rows, numbered as in ``samples.png`` (left to right, top to bottom)."""
    beam = f"beam {report[RECIPE_KEY]['settings']['num_beams']}"
    rows = []
    for number, sample in enumerate(report["samples"], start=1):
        references = sample.get("references") or [sample["reference"]]
        row = {
            "#": number,
            "split": sample["split"],
            "picture": sample["emoji"] or "(clip art)",
            "references": " / ".join(references[:3]) + (" / ..." if len(references) > 3 else ""),
            "model (greedy)": sample["greedy"],
            f"model ({beam})": sample["beam"],
        }
        if "kind" in sample:  # samples chosen by rnnhub.captioning.samples' rule
            row = {**row, "retrieval": sample.get("retrieval") or "–", "rank": sample["kind"]}
            row["CIDEr-D (greedy)"] = "n/a" if sample.get("cider") is None else f"{sample['cider']:.1f}"
        rows.append(row)
    return rows


def sample_rule(report: dict[str, Any]) -> str:
    """How the samples were chosen, in words."""
    if not report["samples"] or "kind" not in report["samples"][0]:
        return "a fixed, evenly spaced selection of each test split, not picked by quality"
    ranked_by = report[RECIPE_KEY].get("rescored", {}).get("samples_ranked_by") or _saved_decoding(report)
    decoding = "greedy" if ranked_by == "greedy" else f"beam-search ({ranked_by[4:]} beams)"
    return RULE.format(decoding=decoding, seed=SEED, per_kind=PER_KIND)


def _saved_decoding(report: dict[str, Any]) -> str:
    return (report.get("decoding") or {}).get("saved", "greedy")


# ----------------------------------------------------------------------------------------------------------------
# Seeds: other runs of the same command (recorded by rnnhub.captioning.seeds)

SEED_COLUMNS = ("selection", *SELECTION_SPLITS, *TEST_SPLITS)


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
    row.update({split: metrics[split]["greedy"]["bleu"] for split in SEED_COLUMNS[1:] if split in metrics})
    return row


def seeds_section(report: Mapping[str, Any]) -> str:
    """The card's Seeds section: a row per seed (the published one from the report's current metrics, the others
    as recorded), then the mean ± sample std of each column."""
    rows = sorted([seed_row(report), *report[SEEDS_KEY]["others"]], key=lambda row: row["seed"])
    columns = [c for c in SEED_COLUMNS if all(c in row for row in rows)]
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
