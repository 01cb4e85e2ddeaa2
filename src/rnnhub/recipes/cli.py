"""``rnnhub train sentiment`` (the sentiment recipe) and ``rnnhub predict`` (classify texts from the shell)."""

from __future__ import annotations

import argparse

from rnnhub.command_line import reproducing_command
from rnnhub.recipes.sentiment import CELLS, CORPUS_SETTINGS

# Options that change how a run is shown, not what it computes: left out of the card's command.
_NOT_REPRODUCED = {"progress"}


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rnnhub train sentiment`` and ``rnnhub predict``."""
    train = subparsers.add_parser("train", help="train a published model from scratch with its recipe")
    recipes = train.add_subparsers(dest="recipe", required=True)
    from rnnhub.recipes.captioning_cli import add_cli as add_captioning_cli  # rnnhub train captioning

    add_captioning_cli(recipes)
    from rnnhub.recipes.translation_cli import add_cli as add_translation_cli  # rnnhub train translation

    add_translation_cli(recipes)
    sentiment = recipes.add_parser(
        "sentiment",
        help="train a sentiment classifier on a built-in corpus",
        description="Train the tokenizer on the corpus' train split, a fresh recurrent classifier with early "
        "stopping on validation, and write model, tokenizer, card and eval_report.json.",
    )
    sentiment.add_argument("--corpus", required=True, choices=sorted(CORPUS_SETTINGS))
    sentiment.add_argument("--cell", required=True, choices=CELLS, help="recurrent cell type")
    sentiment.add_argument("--output", required=True, help="folder to write (must not hold a model yet)")
    sentiment.add_argument("--seed", type=int, default=0, help="default: 0")
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
    sentiment.add_argument("--pooling", choices=("last", "mean", "max"), default=None)
    sentiment.add_argument("--max-length", type=int, default=None, help="truncate texts to this many tokens")
    sentiment.add_argument("--model-id", default=None, help="Hub id for the card (default: the folder name)")
    sentiment.add_argument("--progress", action="store_true", help="show Trainer's progress bar")
    sentiment.set_defaults(func=_run_train, train_parser=sentiment)

    predict = subparsers.add_parser(
        "predict",
        help="classify texts with a text-classification model",
        description="Print the predicted label and score of each TEXT (stock transformers pipeline).",
    )
    predict.add_argument("model", help="model folder, registry short name or Hub id")
    predict.add_argument("texts", nargs="+", metavar="TEXT", help="one or more texts to classify")
    predict.add_argument("--top-k", type=int, default=1, help="labels to show per text (default: 1)")
    predict.set_defaults(func=_run_predict)


def command_line(args: argparse.Namespace) -> str:
    """The ``rnnhub train sentiment`` command that reproduces ``args``: required and non-default options."""
    return reproducing_command(["rnnhub", "train", "sentiment"], args.train_parser, args, _NOT_REPRODUCED)


def _run_train(args: argparse.Namespace) -> int:
    from rnnhub.recipes.sentiment import train_sentiment

    result = train_sentiment(
        args.corpus,
        cell_type=args.cell,
        output_dir=args.output,
        seed=args.seed,
        threads=args.threads,
        model_id=args.model_id,
        command=command_line(args),
        progress=args.progress,
        epochs=args.epochs,
        patience=args.patience,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        embedding_size=args.embedding_size,
        hidden_size=args.hidden_size,
        dropout=args.dropout,
        embedding_dropout=args.embedding_dropout,
        pooling=args.pooling,
        max_length=args.max_length,
    )
    print(f"{args.cell} on {args.corpus}: {result.epochs_trained:g} epochs, {result.wall_time_s:.0f} s")
    for split, values in result.metrics.items():
        print(f"  {split:<11} accuracy {values['accuracy']:.4f}  macro-F1 {values['macro_f1']:.4f}")
    print(f"Saved model, tokenizer, README.md and eval_report.json to {args.output}")
    return 0


def predict(model: str, texts: list[str], top_k: int = 1) -> list[list[dict[str, float | str]]]:
    """The ``top_k`` labels with scores of each text, from the stock ``text-classification`` pipeline.

    Raises:
        ValueError: no texts, an empty (or blank) text, or ``top_k`` < 1.
    """
    from transformers import pipeline

    import rnnhub  # noqa: F401  (registers the rnnhub architectures with the Auto classes)
    from rnnhub.hub import resolve

    if not texts:
        raise ValueError("No text to classify; pass one or more texts.")
    blank = [i + 1 for i, text in enumerate(texts) if not text.strip()]
    if blank:
        raise ValueError(
            f"Text {', '.join(map(str, blank))} is empty; give each text some words to classify."
        )
    if top_k < 1:
        raise ValueError(f"--top-k must be at least 1, got {top_k}.")
    classifier = pipeline("text-classification", model=resolve(model))
    outputs = classifier(list(texts), top_k=top_k)
    # With top_k the pipeline returns a list of labels per text; normalise a single dict just in case.
    return [output if isinstance(output, list) else [output] for output in outputs]


def _run_predict(args: argparse.Namespace) -> int:
    results = predict(args.model, args.texts, top_k=args.top_k)
    for text, labels in zip(args.texts, results):
        shown = ", ".join(f"{item['label']} {item['score']:.3f}" for item in labels)
        print(f"{shown}\t{text}")
    return 0
