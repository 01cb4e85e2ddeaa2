"""The translation recipe's ablation: one row per change, read from the rows' run records.

``bench/translation_ablation.py`` trains the rows (the same small model for the same number of epochs, each row
changing one setting of the recipe) and records each under ``docs/translation-runs/ablation/<corpus>-<row>.json``;
this module turns those records into the table that the docs and the model cards show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ABLATION_DIR = "ablation"
# The reference row has every remedy of the recipe; every other row changes one thing (its command-line options).
ROWS: dict[str, tuple[str, list[str]]] = {
    "recipe": ("the recipe: LSTM, scaled Luong attention, label smoothing 0.1, word dropout 0.1", []),
    "no-attention": ("no attention (plain encoder-decoder)", ["--attention", "none"]),
    "unscaled-scores": ("Luong scores not divided by sqrt(d)", ["--attention-scaled", "false"]),
    "no-label-smoothing": ("label smoothing 0", ["--label-smoothing", "0"]),
    "no-word-dropout": ("word dropout 0", ["--word-dropout", "0"]),
    "gru": ("GRU instead of LSTM", ["--cell", "gru"]),
    "bahdanau": ("additive (Bahdanau) attention instead of Luong", ["--attention", "bahdanau"]),
}


def record_path(records_dir: Path, corpus: str, row: str) -> Path:
    return Path(records_dir) / ABLATION_DIR / f"{corpus}-{row}.json"


def _best_eval_loss(report: dict[str, Any]) -> float:
    return min(entry["eval_loss"] for entry in report["history"] if "eval_loss" in entry)


def summary(records_dir: Path, corpus: str) -> list[dict[str, Any]]:
    """One dict per recorded row of ``corpus``, in :data:`ROWS` order (rows not recorded are left out)."""
    rows = []
    for row, (change, _) in ROWS.items():
        path = record_path(records_dir, corpus, row)
        if not path.is_file():
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        metrics, attention = report["metrics"], report.get("attention") or {}
        settings = report["recipe"]["settings"]
        rows.append(
            {
                "row": row,
                "change": change,
                "validation_loss": round(_best_eval_loss(report), 3),
                "validation_bleu_greedy": round(metrics["validation"]["greedy"]["bleu"], 2),
                "validation_bleu_beam": round(metrics["validation"]["beam"]["bleu"], 2),
                "test_bleu_beam": round(metrics["test"]["beam"]["bleu"], 2),
                "everyday_bleu": round(report["everyday"]["bleu"], 2) if report.get("everyday") else None,
                "peak_on_first": attention.get("peak_on_first"),
                "entropy": attention.get("entropy"),
                "epochs": report["epochs_trained"],
                "sizes": f"{settings['embedding_size']} / {settings['hidden_size']}",
                "train_minutes": round(report["recipe"]["train_time_s"] / 60, 1),
                "hardware": report["recipe"]["hardware"],
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a markdown table (validation first: the rows were compared there)."""

    def cell(value, fmt: str = "{:.2f}") -> str:
        return "–" if value is None else fmt.format(value)

    lines = [
        "| Row | Change | Val loss | Val BLEU greedy | Val BLEU beam | Peak on first | Entropy (nats) "
        "| Everyday BLEU | Test BLEU beam | Train min |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['row']} | {r['change']} | {r['validation_loss']:.3f} | {r['validation_bleu_greedy']:.2f} "
            f"| {r['validation_bleu_beam']:.2f} | {cell(r['peak_on_first'], '{:.0%}')} | {cell(r['entropy'])} "
            f"| {cell(r['everyday_bleu'])} | {r['test_bleu_beam']:.2f} | {r['train_minutes']} |"
        )
    return "\n".join(lines) + "\n"


def section(records_dir: Path | None, corpus: str) -> str:
    """The card's ablation section for ``corpus``, or "" when no row is recorded."""
    rows = [] if records_dir is None else summary(records_dir, corpus)
    if not rows:
        return ""
    first = rows[0]
    return (
        f"One change per row against the recipe, each row the same small model (embedding / hidden "
        f"{first['sizes']}) trained for {first['epochs']:g} epochs with the learning rate decaying to zero over "
        f"them, seed 0, on {first['hardware']} (`bench/translation_ablation.py`; the published model is larger and "
        "trained longer). Compare the rows on validation; test and the everyday sentences are shown, not used to "
        "choose. One seed per row: differences of a few tenths of BLEU are within noise.\n\n" + table(rows)
    )
