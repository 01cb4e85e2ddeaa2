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

from rnnhub.translation.ablation import ROWS, record_path, summary, table

RECORDS_DIR = Path("docs/translation-runs")
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
    """Train one row in its own process and record it under ``docs/translation-runs/ablation/``."""
    command = [*row_command(corpus, row, epochs, output_root), "--record-name", f"{corpus}-{row}"]
    started = time.perf_counter()
    subprocess.run([*command, "--records-dir", str(RECORDS_DIR / "ablation")], check=True)
    print(f"{row}: {time.perf_counter() - started:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ding-de-en")
    # 6 epochs left the recipe row on the unigram plateau (validation BLEU 0.3; the record is in
    # docs/translation-runs/ablation-6-epochs/): the rows need at least twice that to be told apart.
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--rows", nargs="*", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--output-root", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args(argv)
    if not args.table_only:
        for row in args.rows:
            if record_path(RECORDS_DIR, args.corpus, row).is_file():
                print(f"{row}: recorded, skipped")
                continue
            run_row(args.corpus, row, args.epochs, args.output_root)
    rows = summary(RECORDS_DIR, args.corpus)
    out = RECORDS_DIR / "ablation" / args.corpus
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(table(rows), encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
