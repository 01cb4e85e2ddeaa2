"""``rnnhub train captioning``: train the emoji captioner (see :mod:`rnnhub.captioning.recipe`).

``add_cli(recipes)`` adds the subcommand under ``rnnhub train``; ``python -m rnnhub.captioning.cli ...``
runs it alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rnnhub.captioning.settings import TOKENIZER_KINDS, CaptioningSettings
from rnnhub.engine.command_line import recipe_arguments, reproducing_command
from rnnhub.models.constants import CELL_TYPES, ENCODER_BLOCKS, ENCODER_NORMS

_NOT_REPRODUCED = {"progress"}


def add_cli(recipes: Any) -> argparse.ArgumentParser:
    """Add ``captioning`` to the ``rnnhub train`` subparsers and return its parser."""
    defaults = CaptioningSettings()
    parser = recipes.add_parser(
        "captioning",
        help="train the image captioner on emoji (and more corpora): CNN + attention decoder",
        description="Train a word tokenizer on the emoji-captions train split, a CNN encoder + recurrent decoder "
        "with soft attention (early stopping on validation BLEU), evaluate both test splits greedy and with beam "
        "search next to a nearest-neighbour baseline, and write model, tokenizer, image processor, figures, "
        "card and eval_report.json.",
    )
    parser.add_argument("--output", required=True, help="folder to write (must not hold a model yet)")
    parser.add_argument("--cell", default="lstm", choices=CELL_TYPES, help="decoder cell (default: lstm)")
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (results depend on it)")
    parser.add_argument(
        "--epochs", type=float, default=None, help=f"most epochs (default: {defaults.epochs:g})"
    )
    parser.add_argument(
        "--patience", type=int, default=None, help=f"early stopping (default: {defaults.patience})"
    )
    parser.add_argument(
        "--learning-rate", type=float, default=None, help=f"default: {defaults.learning_rate:g}"
    )
    parser.add_argument("--batch-size", type=int, default=None, help=f"default: {defaults.batch_size}")
    parser.add_argument("--hidden-size", type=int, default=None, help=f"default: {defaults.hidden_size}")
    parser.add_argument(
        "--embedding-size", type=int, default=None, help=f"default: {defaults.embedding_size}"
    )
    parser.add_argument(
        "--encoder-channels",
        type=_channels,
        default=None,
        help="CNN block widths, comma-separated (default: "
        + ",".join(map(str, defaults.encoder_channels))
        + ")",
    )
    parser.add_argument(
        "--encoder-block", default=None, choices=ENCODER_BLOCKS, help=f"default: {defaults.encoder_block}"
    )
    parser.add_argument(
        "--encoder-norm", default=None, choices=ENCODER_NORMS, help=f"default: {defaults.encoder_norm}"
    )
    parser.add_argument(
        "--encoder-dropout",
        type=float,
        default=None,
        help=f"feature-grid channel dropout (default: {defaults.encoder_dropout:g})",
    )
    parser.add_argument(
        "--image-size",
        type=int,
        default=None,
        help=f"model input side in px (default: {defaults.image_size})",
    )
    parser.add_argument("--dropout", type=float, default=None, help=f"default: {defaults.dropout:g}")
    parser.add_argument(
        "--max-shift",
        type=int,
        default=None,
        help=f"augmentation: shift in px (default: {defaults.max_shift})",
    )
    parser.add_argument(
        "--scale", type=float, default=None, help=f"augmentation: zoom (default: {defaults.scale:g})"
    )
    parser.add_argument(
        "--colour-jitter",
        type=float,
        default=None,
        help=f"augmentation (default: {defaults.colour_jitter:g})",
    )
    parser.add_argument(
        "--background",
        type=float,
        default=None,
        help=f"augmentation: share of random background colours (default: {defaults.background:g})",
    )
    parser.add_argument(
        "--flip",
        type=float,
        default=None,
        help=f"augmentation: share of mirrored images (default: {defaults.flip:g})",
    )
    parser.add_argument(
        "--tokenizer", default=None, choices=TOKENIZER_KINDS, help=f"default: {defaults.tokenizer}"
    )
    parser.add_argument(
        "--min-frequency",
        type=int,
        default=None,
        help=f"rarer words are <unk> (default: {defaults.min_frequency})",
    )
    parser.add_argument(
        "--bpe-vocab-size",
        type=int,
        default=None,
        help=f"--tokenizer bpe (default: {defaults.bpe_vocab_size})",
    )
    parser.add_argument("--num-beams", type=int, default=None, help=f"default: {defaults.num_beams}")
    parser.add_argument(
        "--length-penalties",
        type=_floats,
        default=None,
        help="beam search length penalties to choose from on validation, comma-separated (default: "
        + ",".join(f"{v:g}" for v in defaults.length_penalties)
        + ")",
    )
    parser.add_argument(
        "--max-train-minutes", type=float, default=None, help="wall-time budget for training (default: none)"
    )
    parser.add_argument(
        "--extra-train",
        type=_names,
        default=None,
        help="more corpora to train on, comma-separated (e.g. clipart-captions); each test split scored on its own",
    )
    parser.add_argument("--model-id", default=None, help="Hub id for the card (default: the folder name)")
    parser.add_argument("--progress", action="store_true", help="show Trainer's progress bar and logs")
    parser.set_defaults(func=run, train_parser=parser)
    return parser


def _channels(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 32,64,128, got {text!r}"
        ) from error
    return values


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers such as 0,0.5,1, got {text!r}"
        ) from error


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"expected corpus names such as clipart-captions, got {text!r}")
    return names


def command_line(args: argparse.Namespace) -> str:
    """The ``rnnhub train captioning`` command that reproduces ``args``: required and non-default options."""
    return reproducing_command(["rnnhub", "train", "captioning"], args.train_parser, args, _NOT_REPRODUCED)


def run(args: argparse.Namespace) -> int:
    from rnnhub.captioning.recipe import train_captioning

    report = train_captioning(
        cell_type=args.cell, **recipe_arguments(args, command_line(args), CaptioningSettings)
    )
    print(f"{args.cell} captioner: {report['epochs_trained']:g} epochs, {report['total_time_s']:.0f} s")
    for split in report["baseline"]["metrics"]:
        model = report["metrics"][split]
        base = report["baseline"]["metrics"][split]
        shown = "  ".join(
            f"{mode} BLEU {m['bleu']:.1f} EM {m['exact_match']:.3f}" for mode, m in model.items()
        )
        print(
            f"  {split:<24} {shown}  | nearest neighbour BLEU {base['bleu']:.1f} EM {base['exact_match']:.3f}"
        )
    print(f"Saved the model folder to {args.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rnnhub train")
    add_cli(parser.add_subparsers(dest="recipe", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
