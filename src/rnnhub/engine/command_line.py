"""The shell command that reproduces a parsed command line, for model cards and reports; and the keyword
arguments a ``rnnhub train <task>`` command passes to its recipe."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Collection, Sequence
from dataclasses import fields
from typing import Any


def reproducing_command(
    prefix: Sequence[str],
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    skip: Collection[str] = (),
) -> str:
    """``prefix`` plus every required or non-default option of ``args`` as ``parser`` defines it.

    Options in ``skip`` (how a run is shown or continued, not what it computes) are left out; a flag that was
    given (``store_true``, ``store_false``: its value differs from the default) is written bare, a float with
    ``:g``, a list as separate words where the option takes several (``nargs``), else comma-separated. The command
    parses back to the same values.
    """
    parts = list(prefix)
    for action in parser._actions:
        if not action.option_strings or action.dest == "help" or action.dest in skip:
            continue
        value, flag = getattr(args, action.dest), action.option_strings[0]
        if action.nargs == 0:  # a store_true / store_false flag
            if value != action.default:
                parts.append(flag)
        elif action.required or value != action.default:
            values = list(value) if isinstance(value, (tuple, list)) else [value]
            shown = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
            # An option taking several words (nargs "+", "*" or a number) gets them as words; any other list
            # value is one comma-separated word, which that option's type parses back.
            parts += [flag, *(shown if action.nargs not in (None, "?") else [",".join(shown)])]
    return shlex.join(parts)


# How a recipe runs (not what it computes), options every ``rnnhub train <task>`` command has.
RUN_OPTIONS = ("seed", "threads", "model_id", "progress")


def recipe_arguments(args: argparse.Namespace, command: str, settings_class: type) -> dict[str, Any]:
    """A recipe call's keyword arguments from its parsed command line: ``output_dir``, the run options, the
    reproducing ``command``, and every option named like a field of ``settings_class`` (the settings overrides;
    None where the user did not give it)."""
    overrides = {f.name: getattr(args, f.name) for f in fields(settings_class) if hasattr(args, f.name)}
    return {
        "output_dir": args.output,
        **{name: getattr(args, name) for name in RUN_OPTIONS},
        "command": command,
        **overrides,
    }
