"""``rnnhub train-lm``: pretrain the English LSTM language model (see :mod:`rnnhub.lm.recipe`).

``add_cli(subparsers)`` adds the command to rnnhub's CLI; ``python -m rnnhub.lm.cli`` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from rnnhub.models.constants import POOLING_TYPES


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``train-lm`` to ``subparsers`` (from ``parser.add_subparsers()``) and return its parser."""
    parser = subparsers.add_parser(
        "train-lm",
        help="pretrain a word-level LSTM language model (the ULMFiT base model)",
        description="Train a lowercased word tokenizer and an LSTM causal LM on a corpus's train split, report "
        "validation/test perplexity next to add-one unigram/bigram baselines, and write a publishable folder. "
        "With --finetune-from LM_FOLDER instead: fine-tune a sentiment classifier from that language model and, "
        "identically, from scratch, and publish the former with both results in its card.",
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", required=True, help="folder to write the model, tokenizer and card to")
    parser.add_argument("--corpus", default="lm-text-en", help="built-in corpus name (default: lm-text-en)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab-size", type=int, default=10_000)
    parser.add_argument("--embedding-size", type=int, default=256)
    parser.add_argument("--hidden-size", type=int, default=256)
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument(
        "--max-steps", type=int, default=None, help="default: 1200 (pretraining), --lm-epochs (--start-from)"
    )
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32, help="blocks (pretraining) or texts per batch")
    parser.add_argument(
        "--lr", type=float, default=None, help="default: 3e-3 (pretraining), 1e-3 (--start-from)"
    )
    parser.add_argument("--model-id", default=None, help="Hub id the card names (default: the folder name)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (results depend on it)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    parser.add_argument("--progress", action="store_true", help="print the training loss logs")
    target = parser.add_argument_group("fine-tuning the language model on a target corpus (ULMFiT's stage 2)")
    target.add_argument(
        "--start-from",
        metavar="LM_FOLDER",
        help="continue training this language model (its tokenizer and weights) on --corpus's train text, e.g. "
        "--corpus rt-sentiment-en",
    )
    target.add_argument(
        "--lm-epochs",
        type=float,
        default=3.0,
        help="with --start-from: passes over the train text (default: 3)",
    )
    finetuning = parser.add_argument_group("fine-tuning comparison (with --finetune-from)")
    finetuning.add_argument("--finetune-from", metavar="LM_FOLDER", help="fine-tune from this language model")
    finetuning.add_argument("--data", default="rt-sentiment-en", help="built-in labelled corpus")
    finetuning.add_argument("--epochs", type=float, default=5.0)
    finetuning.add_argument("--finetune-lr", type=float, default=1e-3)
    finetuning.add_argument("--work-dir", help="keep the from-scratch run here (default: a temporary folder)")
    finetuning.add_argument("--pooling", choices=POOLING_TYPES, default=None, help="default: the LM's (max)")
    finetuning.add_argument(
        "--layer-lr-decay", type=float, default=None, metavar="FACTOR", help="ULMFiT: 2.6 (default: one rate)"
    )
    finetuning.add_argument(
        "--gradual-unfreezing", action="store_true", help="head first, then one more layer group per epoch"
    )
    finetuning.add_argument(
        "--scratch-run", help="reuse this finished from-scratch finetune output (checked to match) instead"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``train-lm`` with parsed ``args``; print the result as JSON."""
    import torch

    from rnnhub.lm.comparison import finetune_comparison
    from rnnhub.lm.recipe import train_lm

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    command = "rnnhub " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["train-lm"] else None
    if args.start_from and args.finetune_from:
        raise ValueError("Give --start-from (fine-tune the LM) or --finetune-from (a classifier), not both.")
    shared = {
        "output_dir": args.output,
        "seed": args.seed,
        "seq_len": args.seq_len,
        "batch_size": args.batch_size,
        "model_id": args.model_id,
        "command": command,
        "overwrite": args.overwrite,
        "progress": args.progress,
    }
    if args.start_from:
        from rnnhub.lm.recipe import finetune_lm

        lr = 1e-3 if args.lr is None else args.lr
        result = finetune_lm(
            args.start_from, args.corpus, epochs=args.lm_epochs, max_steps=args.max_steps, lr=lr, **shared
        )
    elif args.finetune_from:
        results = finetune_comparison(
            args.finetune_from,
            output_dir=args.output,
            data=args.data,
            work_dir=args.work_dir,
            seed=args.seed,
            epochs=args.epochs,
            learning_rate=args.finetune_lr,
            batch_size=args.batch_size,
            model_id=args.model_id,
            command=command,
            scratch_run=args.scratch_run,
            pooling=args.pooling,
            layer_lr_decay=args.layer_lr_decay,
            gradual_unfreezing=args.gradual_unfreezing,
        )
        print(json.dumps(results, indent=2))
        return 0
    else:
        result = train_lm(
            args.corpus,
            vocab_size=args.vocab_size,
            embedding_size=args.embedding_size,
            hidden_size=args.hidden_size,
            num_layers=args.num_layers,
            max_steps=1200 if args.max_steps is None else args.max_steps,
            lr=3e-3 if args.lr is None else args.lr,
            **shared,
        )
    print(json.dumps(_summary(result), indent=2))
    return 0


def _summary(result) -> dict[str, Any]:
    return {
        "output_dir": str(result.output_dir),
        "perplexity": result.perplexity,
        "baselines": result.baselines,
        "global_step": result.global_step,
        "wall_time_s": round(result.wall_time_s, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rnnhub")
    add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
