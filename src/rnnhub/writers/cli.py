"""``rnnhub train writer``: train, measure and publish a character-level writer (see :mod:`rnnhub.writers.recipe`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rnnhub.engine.command_line import reproducing_command

# corpus -> the published folder the demo reads (model_cards/<name>)
CORPORA = ("shakespeare-plays", "python-stdlib", "abc-tunes")


def add_cli(recipes: Any) -> argparse.ArgumentParser:
    """Register ``rnnhub train writer`` under ``rnnhub train``."""
    parser = recipes.add_parser(
        "writer",
        help="train a character-level LSTM writer (plays, programs or tunes)",
        description="Train a character tokenizer and an LSTM causal LM on a writer corpus's train split within a "
        "wall-time budget (the learning rate reaches zero when it ends), report bits per character on validation "
        "and test next to a Kneser-Ney character n-gram, and the share of valid samples of both, and write a "
        "publishable folder (model, tokenizer, card, eval_report.json).",
    )
    parser.add_argument("--corpus", required=True, choices=CORPORA)
    parser.add_argument(
        "--output", required=True, help="folder to write (e.g. model_cards/lstm-writer-plays)"
    )
    parser.add_argument("--max-train-minutes", type=float, default=None, help="wall-time budget for training")
    parser.add_argument(
        "--epochs", type=float, default=50.0, help="most epochs (default: 50; the budget ends first)"
    )
    parser.add_argument("--max-steps", type=int, default=None, help="most optimizer steps (smoke runs)")
    parser.add_argument(
        "--bf16",
        action="store_true",
        help="train under bfloat16 autocast (weights stay float32; 1.3x here on AVX512-BF16)",
    )
    parser.add_argument("--embedding-size", type=int, default=64)
    parser.add_argument("--hidden-size", type=int, default=512)
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--seq-len", type=int, default=256, help="characters a training block")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--warmup-steps", type=int, default=100, help="learning-rate warm-up, in steps")
    parser.add_argument("--min-frequency", type=int, default=5, help="rarer train characters become <unk>")
    parser.add_argument("--samples", type=int, default=200, help="samples per model for the validity share")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (both models)")
    parser.add_argument("--reference-limit", type=int, default=100, help="real test texts checked for scale")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (results depend on it)")
    parser.add_argument("--model-id", default=None, help="the id the card names (default: the folder's name)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing folder once the new one is done"
    )
    parser.add_argument(
        "--evaluate-only", action="store_true", help="re-measure the model in --output; no training"
    )
    parser.add_argument("--progress", action="store_true", help="print the training loss logs")
    parser.set_defaults(func=run, parser=parser)
    return parser


def run(args: argparse.Namespace) -> int:
    import torch

    from rnnhub.writers.recipe import train_writer

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    command = reproducing_command(
        ["rnnhub", "train", "writer"], args.parser, args, skip=("progress", "overwrite", "evaluate_only")
    )
    result = train_writer(
        args.corpus,
        output_dir=args.output,
        seed=args.seed,
        embedding_size=args.embedding_size,
        hidden_size=args.hidden_size,
        num_layers=args.num_layers,
        dropout=args.dropout,
        seq_len=args.seq_len,
        batch_size=args.batch_size,
        lr=args.learning_rate,
        warmup_steps=args.warmup_steps,
        epochs=args.epochs,
        max_train_minutes=args.max_train_minutes,
        max_steps=args.max_steps,
        bf16=args.bf16,
        min_frequency=args.min_frequency,
        samples=args.samples,
        temperature=args.temperature,
        reference_limit=args.reference_limit,
        model_id=args.model_id,
        command=command,
        overwrite=args.overwrite,
        evaluate_only=args.evaluate_only,
        progress=args.progress,
    )
    summary = {
        "output_dir": str(result.output_dir),
        "bits_per_character": result.bits_per_character,
        "ngram_bits_per_character": result.ngram_bits_per_character,
        "validity": {name: round(share["share"], 3) for name, share in result.validity.items()},
    }
    print(json.dumps(summary, indent=2))
    return 0
