"""One-change-per-row ablation of the translation recipe on a corpus' validation split.

Every row trains the same small model (embedding 128, hidden 192) for the same number of epochs with the
learning rate decaying to zero over those epochs, so the rows differ in one setting only and the machine's load
changes how long a row takes, not what it learns. Each row is its own process (one torch thread) and writes its
run record to ``docs/translation-runs/ablation/<corpus>-<row>.json``; rows already recorded are skipped, so an
interrupted run resumes. The summary table (validation loss and BLEU, attention statistics, everyday sentences,
test BLEU) goes to ``docs/translation-runs/ablation/<corpus>.md`` and ``.json``.

    python bench/translation_ablation.py --corpus ding-de-en              # every row, then the table
    python bench/translation_ablation.py --corpus ding-de-en --table-only # the table from the records
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RECORDS = Path("docs/translation-runs/ablation")
# The reference row has every remedy of the recipe; every other row changes one thing.
ROWS: dict[str, tuple[str, list[str]]] = {
    "recipe": ("the recipe: LSTM, scaled Luong attention, label smoothing 0.1, word dropout 0.1", []),
    "no-attention": ("no attention (plain encoder-decoder)", ["--attention", "none"]),
    "unscaled-scores": ("Luong scores not divided by sqrt(d)", ["--attention-scaled", "false"]),
    "no-label-smoothing": ("label smoothing 0", ["--label-smoothing", "0"]),
    "no-word-dropout": ("word dropout 0", ["--word-dropout", "0"]),
    "gru": ("GRU instead of LSTM", ["--cell", "gru"]),
    "bahdanau": ("additive (Bahdanau) attention instead of Luong", ["--attention", "bahdanau"]),
}
RNNHUB = str(Path(sys.executable).with_name("rnnhub"))
SMALL = ["--embedding-size", "128", "--hidden-size", "192", "--decoder-hidden-size", "192"]


def row_command(corpus: str, row: str, epochs: int, output_root: Path) -> list[str]:
    extra = ROWS[row][1]
    if "--cell" not in extra:
        extra = ["--cell", "lstm", *extra]
    return [
        *(RNNHUB, "train", "translation", "--corpus", corpus, *extra),
        *("--output", str(output_root / f"{corpus}-{row}")),
        *("--threads", "1", "--epochs", str(epochs), "--max-train-minutes", "600", "--patience", "100"),
        *SMALL,
    ]


def run_row(corpus: str, row: str, epochs: int, output_root: Path) -> None:
    """Train one row in its own process and record it under :data:`RECORDS`."""
    command = [*row_command(corpus, row, epochs, output_root), "--record-name", f"{corpus}-{row}"]
    started = time.perf_counter()
    subprocess.run([*command, "--records-dir", str(RECORDS)], check=True)
    print(f"{row}: {time.perf_counter() - started:.0f} s", flush=True)


def _best_eval_loss(report: dict) -> float:
    return min(entry["eval_loss"] for entry in report["history"] if "eval_loss" in entry)


def summary(corpus: str) -> list[dict]:
    rows = []
    for row, (what, _) in ROWS.items():
        path = RECORDS / f"{corpus}-{row}.json"
        if not path.is_file():
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        metrics, attention = report["metrics"], report.get("attention") or {}
        rows.append(
            {
                "row": row,
                "change": what,
                "validation_loss": round(_best_eval_loss(report), 3),
                "validation_bleu_greedy": round(metrics["validation"]["greedy"]["bleu"], 2),
                "validation_bleu_beam": round(metrics["validation"]["beam"]["bleu"], 2),
                "test_bleu_beam": round(metrics["test"]["beam"]["bleu"], 2),
                "everyday_bleu": round(report["everyday"]["bleu"], 2) if report.get("everyday") else None,
                "peak_on_first": attention.get("peak_on_first"),
                "entropy": attention.get("entropy"),
                "epochs": report["epochs_trained"],
                "train_minutes": round(report["recipe"]["train_time_s"] / 60, 1),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    def cell(value, fmt="{:.2f}"):
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ding-de-en")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--rows", nargs="*", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--output-root", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args(argv)
    if not args.table_only:
        for row in args.rows:
            if (RECORDS / f"{args.corpus}-{row}.json").is_file():
                print(f"{row}: recorded, skipped")
                continue
            run_row(args.corpus, row, args.epochs, args.output_root)
    rows = summary(args.corpus)
    (RECORDS / f"{args.corpus}.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    (RECORDS / f"{args.corpus}.md").write_text(table(rows), encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
