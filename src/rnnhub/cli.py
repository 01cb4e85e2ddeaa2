"""The `rnnhub` command line. Each subcommand is one library call; modules register their own subcommands.

Building the parser imports no torch, transformers or gradio (each subcommand imports what it needs when it runs),
so ``rnnhub --help`` is instant when started through the console command (see :mod:`rnnhub_cli`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnhub", description="Recurrent networks as Hugging Face models.")
    subparsers = parser.add_subparsers(dest="command", required=True)

    from rnnhub.publish import hub

    hub.add_cli(subparsers)

    from rnnhub.data import cli as data_cli

    data_cli.add_cli(subparsers)

    from rnnhub.lab import cli as lab_cli

    lab_cli.add_cli(subparsers)

    baseline = subparsers.add_parser(
        "baseline", help="non-neural baselines the published models are compared to"
    )
    baselines = baseline.add_subparsers(dest="baseline_command", required=True)
    from rnnhub.sentiment import cli as sentiment_cli

    sentiment_cli.add_baseline_cli(baselines)

    from rnnhub import finetune_cli

    finetune_cli.add_cli(subparsers)

    train = subparsers.add_parser("train", help="train a published model from scratch with its recipe")
    recipes = train.add_subparsers(dest="recipe", required=True)
    from rnnhub.captioning import cli as captioning_cli
    from rnnhub.translation import cli as translation_cli

    captioning_cli.add_cli(recipes)
    translation_cli.add_cli(recipes)
    sentiment_cli.add_train_cli(recipes)
    from rnnhub.writers import cli as writers_cli

    writers_cli.add_cli(recipes)
    sentiment_cli.add_cli(subparsers)  # rnnhub predict
    from rnnhub.captioning import caption_cli
    from rnnhub.translation import translate_cli

    translate_cli.add_cli(subparsers)
    caption_cli.add_cli(subparsers)

    from rnnhub.lm import cli as lm_cli

    lm_cli.add_cli(subparsers)

    from rnnhub.demo import cli as demo_cli

    demo_cli.add_cli(subparsers)
    return parser


def _register() -> None:
    """What ``import rnnhub`` does and the console command deferred: the Auto classes and pipelines (idempotent)."""
    from rnnhub.auto import register_auto_classes, register_pipelines

    register_auto_classes()
    register_pipelines()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _register()
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"rnnhub {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
