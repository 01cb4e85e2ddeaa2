"""``rnnhub train translation``: the translation recipe from the shell."""

from __future__ import annotations

import argparse

from rnnhub.engine.command_line import recipe_arguments, reproducing_command
from rnnhub.models.constants import CELL_TYPES
from rnnhub.translation.recipe import ATTENTIONS, CORPUS_SETTINGS

# Options that change how a run is shown, not what it computes: left out of the card's command.
_NOT_REPRODUCED = {"progress", "records_dir"}


def add_cli(recipes: argparse._SubParsersAction) -> None:
    """Register ``rnnhub train translation`` under ``rnnhub train``."""
    parser = recipes.add_parser(
        "translation",
        help="train a translation model (encoder-decoder with attention) on a built-in corpus",
        description="Train a joint BPE tokenizer on the corpus' train split, a fresh bidirectional encoder + "
        "attention decoder with Seq2SeqTrainer (early stopping on validation BLEU), score greedy and beam "
        "search on validation and test, and write model, tokenizer, generation config, card and eval_report.json.",
    )
    parser.add_argument("--corpus", required=True, choices=sorted(CORPUS_SETTINGS))
    parser.add_argument("--cell", required=True, choices=CELL_TYPES, help="recurrent cell type")
    parser.add_argument("--output", required=True, help="folder to write (must not hold a model yet)")
    parser.add_argument(
        "--attention", choices=ATTENTIONS, default=None, help="default: luong; none = plain encoder-decoder"
    )
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--epochs", type=float, default=None, help="most epochs (default: the recipe's)")
    parser.add_argument("--max-train-minutes", type=float, default=None, help="wall-time budget for training")
    parser.add_argument("--patience", type=int, default=None, help="early-stopping patience in epochs")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--vocab-size", type=int, default=None, help="joint BPE vocabulary size")
    parser.add_argument("--embedding-size", type=int, default=None)
    parser.add_argument("--hidden-size", type=int, default=None, help="encoder, per direction")
    parser.add_argument("--decoder-hidden-size", type=int, default=None)
    parser.add_argument("--dropout", type=float, default=None)
    parser.add_argument("--word-dropout", type=float, default=None, help="whole tokens -> <unk> in training")
    parser.add_argument("--label-smoothing", type=float, default=None)
    parser.add_argument(
        "--attention-scaled",
        type=lambda v: {"true": True, "false": False}[v.lower()],
        default=None,
        metavar="{true,false}",
        help="divide Luong scores by sqrt(d) (default: true)",
    )
    parser.add_argument(
        "--extra-train",
        nargs="+",
        default=None,
        metavar="CORPUS",
        help="built-in corpora of the same language pair whose train splits are added (their test splits are "
        "scored on their own), e.g. libreoffice-de-en",
    )
    parser.add_argument(
        "--bf16",
        action="store_const",
        const=True,
        default=None,
        help="train under bfloat16 autocast (weights stay float32; 1.8x here on AVX512-BF16)",
    )
    parser.add_argument("--num-beams", type=int, default=None, help="beam size of the generation config")
    parser.add_argument("--model-id", default=None, help="Hub id for the card (default: the folder name)")
    parser.add_argument(
        "--record-name",
        default=None,
        help="name of the run's record in docs/translation-runs/ (an ablation's own row; default: "
        "<corpus>-<cell>-<attention>)",
    )
    parser.add_argument(
        "--records-dir",
        default=None,
        help="folder of the run records the card's comparison table reads (default: docs/translation-runs/)",
    )
    parser.add_argument("--progress", action="store_true", help="show Trainer's progress bar")
    parser.set_defaults(func=_run, train_parser=parser)

    rescore = recipes.add_parser(
        "translation-rescore",
        help="score a trained translation folder with the current evaluation (no training)",
        description="Re-score a folder written by `rnnhub train translation` on every split its corpus has now "
        "(all references, old test split), the everyday sentences and the attention statistics; rewrite "
        "eval_report.json, the run record and the card. The training facts are kept.",
    )
    rescore.add_argument("folder", help="a folder written by `rnnhub train translation`")
    rescore.add_argument("--record-name", default=None, help="the run record's name (default: as recorded)")
    rescore.add_argument(
        "--half-precision",
        action="store_true",
        help="store the weights as float16 first (half the size), so the scores are of the stored weights",
    )
    rescore.set_defaults(func=_rescore)

    average = recipes.add_parser(
        "translation-average",
        help="average a run's checkpoints into its folder if that scores better on validation",
        description="Average the weights of several checkpoints (model.safetensors files) of the run that wrote "
        "FOLDER; keep the average only if its validation BLEU (beam search) beats the folder's own weights; then "
        "re-score the folder as translation-rescore does.",
    )
    average.add_argument("folder", help="a folder written by `rnnhub train translation`")
    average.add_argument("checkpoints", nargs="+", help="model.safetensors files of that run's checkpoints")
    average.add_argument("--record-name", default=None, help="the run record's name (default: as recorded)")
    average.add_argument("--half-precision", action="store_true", help="then store the weights as float16")
    average.set_defaults(func=_average)


def command_line(args: argparse.Namespace) -> str:
    """The ``rnnhub train translation`` command that reproduces ``args``: required and non-default options."""
    return reproducing_command(["rnnhub", "train", "translation"], args.train_parser, args, _NOT_REPRODUCED)


def _run(args: argparse.Namespace) -> int:
    from rnnhub.translation.recipe import RECORDS_DIR, TranslationSettings, train_translation

    result = train_translation(
        args.corpus,
        cell_type=args.cell,
        record_name=args.record_name,
        records_dir=args.records_dir or RECORDS_DIR,
        **recipe_arguments(args, command_line(args), TranslationSettings),
    )
    report = result.extra["report"]
    print(f"{args.cell} on {args.corpus}: {result.epochs_trained:.2f} epochs, {result.wall_time_s:.0f} s")
    for split, by_decoding in report["metrics"].items():
        for decoding, values in by_decoding.items():
            print(f"  {split:<11} {decoding:<7} BLEU {values['bleu']:.2f}  chrF {values['chrf']:.2f}")
    print(f"Saved model, tokenizer, generation config, README.md and eval_report.json to {args.output}")
    return 0


def _average(args: argparse.Namespace) -> int:
    from rnnhub.translation.recipe import average_checkpoints

    report = average_checkpoints(
        args.folder, args.checkpoints, record_name=args.record_name, half_precision=args.half_precision
    )
    averaged = report["recipe"]["averaged"]
    print(f"validation BLEU (beam): {averaged['validation_bleu_beam']}; kept: {averaged['kept']}")
    return _print_metrics(report, args.folder)


def _rescore(args: argparse.Namespace) -> int:
    from rnnhub.translation.recipe import rescore

    report = rescore(args.folder, record_name=args.record_name, half_precision=args.half_precision)
    return _print_metrics(report, args.folder)


def _print_metrics(report: dict, folder: str) -> int:
    for split, by_decoding in report["metrics"].items():
        for decoding, values in by_decoding.items():
            print(f"  {split:<11} {decoding:<7} BLEU {values['bleu']:.2f}  chrF {values['chrf']:.2f}")
    if report.get("everyday"):
        print(
            f"  everyday    beam    BLEU {report['everyday']['bleu']:.2f}  chrF {report['everyday']['chrf']:.2f}"
        )
    print(f"Rewrote eval_report.json and README.md in {folder}")
    return 0
