"""``rnnhub train captioning``: train the emoji captioner (see :mod:`rnnhub.captioning.recipe`);
``rnnhub train captioning-rescore FOLDER``: score a trained folder again (:mod:`rnnhub.captioning.rescore`).

``add_cli(recipes)`` adds both subcommands under ``rnnhub train``; ``python -m rnnhub.captioning.cli ...``
runs it alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rnnhub.captioning.rescore import EVALUATION_CORPORA
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
    for flag, choices in (("--encoder-block", ENCODER_BLOCKS), ("--encoder-norm", ENCODER_NORMS)):
        parser.add_argument(flag, default=None, choices=choices, help=f"default: {_default(defaults, flag)}")
    for flag, kind, text in _SETTING_OPTIONS:
        parser.add_argument(
            flag, type=kind, default=None, help=f"{text}(default: {_default(defaults, flag)})"
        )
    parser.add_argument(
        "--tokenizer", default=None, choices=TOKENIZER_KINDS, help=f"default: {defaults.tokenizer}"
    )
    parser.add_argument(
        "--length-penalties",
        type=_floats,
        default=None,
        help="beam search length penalties to choose from on validation, comma-separated (default: "
        + ",".join(f"{v:g}" for v in defaults.length_penalties)
        + ")",
    )
    parser.add_argument(
        "--extra-train",
        type=_names,
        default=None,
        help="more corpora to train on, comma-separated (e.g. clipart-captions); each test split scored on its own",
    )
    parser.add_argument(
        "--vectors",
        default=None,
        metavar="TABLE",
        help='pretrained word vectors for the decoder embeddings: glove-6b-50d (pip install "rnnhub[vectors]") '
        "or a table's path; the embedding size becomes the table's",
    )
    parser.add_argument(
        "--freeze-vectors",
        action="store_true",
        default=None,
        help="keep the pretrained vectors fixed (default: fine-tune them)",
    )
    parser.add_argument(
        "--bf16",
        action="store_true",
        default=None,
        help="train under bfloat16 autocast (weights stay float32; needs AVX512-BF16/AMX or a bf16 GPU)",
    )
    parser.add_argument("--model-id", default=None, help="Hub id for the card (default: the folder name)")
    parser.add_argument("--progress", action="store_true", help="show Trainer's progress bar and logs")
    parser.set_defaults(func=run, train_parser=parser)

    rescore = recipes.add_parser(
        "captioning-rescore",
        help="score a trained captioning folder with the current evaluation (no training)",
        description="Re-score a folder written by `rnnhub train captioning` on every split it was evaluated on "
        "(greedy and beam search; BLEU-4, chrF, CIDEr-D, exact match, content-word hit rate), plus the test "
        "splits of the evaluation corpora, next to nearest-neighbour retrieval; rewrite eval_report.json, "
        "samples.png and the card. The weights and the training facts are kept.",
    )
    rescore.add_argument("folder", help="a folder written by `rnnhub train captioning`")
    rescore.add_argument(
        "--evaluate",
        type=_names,
        default=None,
        help="corpora whose test splits are scored too, comma-separated (default: "
        + ",".join(EVALUATION_CORPORA)
        + ")",
    )
    rescore.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    rescore.set_defaults(func=_rescore)

    seeds = recipes.add_parser(
        "captioning-seeds",
        help="record other seeds of a captioning folder's recipe in its report and card (no training)",
        description="Read the eval_report.json of other runs of the same `rnnhub train captioning` command with "
        "another --seed, check they are the same recipe, and add a Seeds table (each seed's selection score and "
        "greedy BLEU-4 per split, mean ± std) to the folder's eval_report.json and card.",
    )
    seeds.add_argument("folder", help="the published folder, written by `rnnhub train captioning`")
    seeds.add_argument("reports", nargs="+", help="the other seeds' eval_report.json files")
    seeds.set_defaults(func=_record_seeds)
    return parser


def _record_seeds(args: argparse.Namespace) -> int:
    from rnnhub.captioning.seeds import record_seeds

    entry = record_seeds(args.folder, args.reports)
    seeds = ", ".join(str(row["seed"]) for row in entry["others"])
    print(f"Recorded seeds {seeds} in {args.folder}/eval_report.json and rewrote its README.md")
    return 0


# Options that set one number each: (flag, type, what it is); the setting is the flag's name with underscores.
_SETTING_OPTIONS = (
    ("--encoder-dropout", float, "feature-grid channel dropout "),
    ("--image-size", int, "model input side in px; none: the first training image's "),
    ("--dropout", float, ""),
    ("--max-shift", int, "augmentation: shift in px "),
    ("--scale", float, "augmentation: zoom by up to this share "),
    ("--colour-jitter", float, "augmentation: brightness, contrast, saturation "),
    ("--background", float, "augmentation: share of random background colours "),
    ("--flip", float, "augmentation: share of mirrored images (never with a direction word) "),
    ("--min-frequency", int, "rarer training words are <unk> "),
    ("--bpe-vocab-size", int, "with --tokenizer bpe "),
    ("--num-beams", int, ""),
    ("--max-train-minutes", float, "wall-time budget for training "),
)


def _default(defaults: CaptioningSettings, flag: str) -> str:
    value = getattr(defaults, flag[2:].replace("-", "_"))
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


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


def _rescore(args: argparse.Namespace) -> int:
    from rnnhub.captioning.rescore import rescore_captioning

    command = f"rnnhub train captioning-rescore {args.folder}" + (
        f" --evaluate {','.join(args.evaluate)}" if args.evaluate is not None else ""
    )
    report = rescore_captioning(
        args.folder,
        evaluate_corpora=EVALUATION_CORPORA if args.evaluate is None else args.evaluate,
        threads=args.threads,
        command=command + (f" --threads {args.threads}" if args.threads is not None else ""),
    )
    baseline = report["baseline"]["metrics"]
    for split, by_mode in report["metrics"].items():
        rows = [*by_mode.items(), *([("nn", baseline[split])] if split in baseline else [])]
        for mode, m in rows:
            cider = "n/a" if m["cider"] is None else f"{m['cider']:.1f}"
            print(
                f"  {split:<24} {mode:<6} BLEU {m['bleu']:5.1f} chrF {m['chrf']:5.1f} CIDEr-D {cider:>6} "
                f"EM {m['exact_match']:.3f} hits {m['content_hit']:.3f}"
            )
    print(f"Rewrote eval_report.json, samples.png and README.md in {args.folder}")
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
