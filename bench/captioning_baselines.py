"""The nearest-neighbour retrieval baseline on the captioning corpora, scored with every caption metric.

    python bench/captioning_baselines.py                      # writes docs/captioning-runs/baselines.json
    python bench/captioning_baselines.py --corpus clipart-captions --output /tmp/b.json

For each corpus the representation is chosen on ``validation``, fitted on ``train`` (the corpus' own splits, not
the captioning recipe's reduced train split) and scored on the test splits: ``emoji-captions`` test (unseen emoji)
and test_variants (unseen variants of seen emoji), ``clipart-captions`` test (also per source). Metrics:
:mod:`rnnhub.captioning.metrics` (BLEU-4, chrF, CIDEr-D x 100, exact match, content-word hit rate).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import platform
import time
from pathlib import Path

from rnnhub.captioning.baseline import corpus_baseline
from rnnhub.data import data_dir

CORPORA = ("emoji-captions", "clipart-captions")
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "captioning-runs" / "baselines.json"
METRICS = ("bleu", "chrf", "cider", "exact_match", "content_hit")


def split_digests(name: str) -> dict[str, str]:
    """sha256 of each committed parquet split, so a reader can tell which files were scored."""
    folder = data_dir() / name
    return {
        path.stem: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.glob("*.parquet"))
    }


def table(results: dict[str, dict]) -> str:
    """A markdown table: one row per corpus, split (and source, where broken down)."""
    lines = [
        "| corpus | split | rows | BLEU-4 | chrF | CIDEr-D | exact match | content-word hits |",
        "|---" * 8 + "|",
    ]

    def row(corpus: str, split: str, rows: int, scores: dict) -> str:
        cider = "n/a" if scores["cider"] is None else f"{scores['cider']:.1f}"
        return (
            f"| {corpus} | {split} | {rows:,} | {scores['bleu']:.1f} | {scores['chrf']:.1f} | {cider} | "
            f"{scores['exact_match']:.3f} | {scores['content_hit']:.3f} |"
        )

    for corpus, result in results.items():
        for split, scores in result["metrics"].items():
            lines.append(row(corpus, split, result["rows"][split], scores))
            for value, part in result.get("metrics_by", {}).get(split, {}).items():
                lines.append(row(corpus, f"{split} ({value})", part["rows"], part))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", action="append", choices=CORPORA, help="corpus to score (repeatable; default both)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write")
    args = parser.parse_args(argv)
    results = {}
    for name in args.corpus or CORPORA:
        started = time.perf_counter()
        result = corpus_baseline(name)
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["split_sha256"] = split_digests(name)
        results[name] = result
    import numpy
    import sacrebleu

    record = {
        "benchmark": "captioning_nearest_neighbour_baselines",
        "command": "python bench/captioning_baselines.py"
        + "".join(f" --corpus {c}" for c in args.corpus or ()),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "sacrebleu": sacrebleu.__version__,
        },
        "metrics": list(METRICS),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
