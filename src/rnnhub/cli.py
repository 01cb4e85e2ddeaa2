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

    from rnnhub import hub

    hub.add_cli(subparsers)

    from rnnhub.data import cli as data_cli

    data_cli.add_cli(subparsers)

    from rnnhub.lab import cli as lab_cli

    lab_cli.add_cli(subparsers)

    from rnnhub import evaluation_cli

    evaluation_cli.add_cli(subparsers)

    from rnnhub import finetune_cli

    finetune_cli.add_cli(subparsers)

    from rnnhub.recipes import cli as recipes_cli

    recipes_cli.add_cli(subparsers)

    from rnnhub.recipes import lm_cli

    lm_cli.add_cli(subparsers)

    from rnnhub.demo import cli as demo_cli

    demo_cli.add_cli(subparsers)
    return parser


def _register() -> None:
    """What ``import rnnhub`` does and the console command deferred: the Auto classes and pipelines (idempotent)."""
    from rnnhub.auto import register_auto_classes
    from rnnhub.pipelines import register_pipelines

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
