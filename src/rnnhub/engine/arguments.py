"""Command lines as transformers' examples (``run_glue.py``) have them: :class:`~transformers.HfArgumentParser` over
dataclasses plus a TrainingArguments class, or a single ``.json`` / ``.yaml`` file of the same arguments; what the
user actually gave (the options to pass on and to record), and the command that reproduces it.

:func:`parse_command` returns every option's value *and* the options given: a fine-tune passes on only the
TrainingArguments fields the user set, so that the engine's own choices (evaluation every epoch, the best
checkpoint kept, ...) stand wherever the user said nothing, even where transformers' default differs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, make_dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_SUFFIXES",
    "ParsedCommand",
    "build_parser",
    "config_file_arguments",
    "given_command",
    "parse_command",
    "with_defaults",
]

CONFIG_SUFFIXES = (".json", ".yaml", ".yml")
_NOT_GIVEN = object()


def with_defaults(base: type, defaults: Mapping[str, tuple[Any, Sequence[str], str]]) -> type:
    """A dataclass subclass of ``base`` (e.g. ``Seq2SeqTrainingArguments``) whose fields in ``defaults`` have another
    ``(default, aliases, help)``: the parser shows them and accepts the aliases (short names) too."""
    hints = typing.get_type_hints(base)
    changed = [
        (name, hints[name], field(default=default, metadata={"help": help, "aliases": list(aliases)}))
        for name, (default, aliases, help) in defaults.items()
    ]
    return make_dataclass(f"RnnHub{base.__name__}", changed, bases=(base,))


def build_parser(dataclass_types: Iterable[type], **kwargs: Any):
    """An :class:`~transformers.HfArgumentParser` over ``dataclass_types``, without abbreviated options: among some
    150 a prefix is easily ambiguous, and a field a new transformers adds could change what one means."""
    from transformers import HfArgumentParser

    return HfArgumentParser(list(dataclass_types), allow_abbrev=False, **kwargs)


@dataclass
class ParsedCommand:
    """A parsed command line: ``values`` holds every option (given or default), ``given`` only those the command
    line or the arguments file set, both by destination name."""

    parser: argparse.ArgumentParser
    values: dict[str, Any]
    given: dict[str, Any]

    def build(self, dataclass_type: type):
        """An instance of one of the parser's dataclasses, from ``values``."""
        return dataclass_type(**{f.name: self.values[f.name] for f in fields(dataclass_type) if f.init})


def _actions_by_option(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def _load_mapping(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    import yaml  # PyYAML comes with transformers

    return yaml.safe_load(text)


def config_file_arguments(path: Path, parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, Any]]:
    """The command-line tokens a JSON/YAML file of ``{name: value}`` stands for (so that each value is checked as
    if typed), and the values no single token can carry (a dict, as a ``--deepspeed`` config; a list for a one-value
    option), which are passed on as they are. A name may be a field name or any of its option names without
    ``--`` (``num_train_epochs``, ``epochs``, ``batch-size``); null values are left out.

    Raises:
        ValueError: a name the parser does not know, or a file that is not a mapping.
    """
    import yaml

    try:
        data = _load_mapping(path)
    except (ValueError, yaml.YAMLError) as error:
        raise ValueError(f"{path} is not valid {path.suffix[1:].upper()}: {error}") from error
    if not isinstance(data, Mapping):
        raise ValueError(
            f'{path} must hold a mapping of argument names to values (as {{"model": ..., "num_train_epochs": 3}}),'
            f" not a {type(data).__name__}."
        )
    actions = _actions_by_option(parser)
    tokens: list[str] = []
    passed_as_is: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).lstrip("-")
        candidates = (f"--{name}", f"--{name.replace('-', '_')}", f"--{name.replace('_', '-')}")
        flag = next((option for option in candidates if option in actions), None)
        if flag is None:
            raise ValueError(
                f"{path}: unknown argument {key!r}. Use the names of the command's options without the dashes "
                "(see --help; every TrainingArguments field is one)."
            )
        action = actions[flag]
        if value is None:
            continue
        if action.nargs == 0:  # a store_true / store_false flag such as no_length_buckets
            if value:
                tokens.append(flag)
        elif isinstance(value, bool):
            tokens += [flag, str(value)]
        elif isinstance(value, list) and action.nargs in ("+", "*"):
            tokens += [flag, *map(str, value)]
        elif isinstance(value, (dict, list)):
            passed_as_is[action.dest] = value
        else:
            tokens += [flag, str(value)]
    return tokens, passed_as_is


def parse_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> ParsedCommand:
    """Parse ``argv``: options, or (as ``run_glue.py args.json``) a ``.json``/``.yaml`` file of arguments first,
    optionally followed by options that override it.

    Raises:
        ValueError: see :func:`config_file_arguments`. Unknown options and bad values exit as argparse does.
    """
    argv = list(argv)
    passed_as_is: dict[str, Any] = {}
    if argv and not argv[0].startswith("-") and Path(argv[0]).suffix.lower() in CONFIG_SUFFIXES:
        tokens, passed_as_is = config_file_arguments(Path(argv[0]), parser)
        argv = tokens + argv[1:]
    dests = {action.dest for action in parser._actions if action.dest != argparse.SUPPRESS}
    # Every option starts as "not given": argparse then sets only those on the command line.
    namespace = argparse.Namespace(**dict.fromkeys(dests, _NOT_GIVEN))
    parser.parse_args(argv, namespace=namespace)
    given = {dest: value for dest, value in vars(namespace).items() if value is not _NOT_GIVEN}
    given.update(passed_as_is)
    values = {dest: parser.get_default(dest) for dest in dests}
    values.update(given)
    return ParsedCommand(parser=parser, values=values, given=given)


def _value_tokens(action: argparse.Action, value: Any) -> list[str]:
    if isinstance(value, (dict, list, tuple)) and action.nargs not in ("+", "*"):
        return [json.dumps(value)]
    values = value if isinstance(value, (list, tuple)) else [value]
    return [f"{v:g}" if isinstance(v, float) else str(v) for v in values]


def given_command(
    prefix: Sequence[str],
    parsed: ParsedCommand,
    *,
    first: Sequence[str] = (),
    skip: Collection[str] = (),
    passed_through: Collection[str] = (),
) -> str:
    """``prefix`` plus the options ``parsed`` was given, ``first`` ones first, then in the parser's order.

    Options in ``skip`` (how a run is shown or continued, not what it computes) are left out, and so are options
    given at their default value, except those ``passed_through`` (their default is transformers', not the one the
    run would have used). Short names win where an option has one (``--epochs``, ``--text-column``), except for
    options ``passed_through``, written as TrainingArguments names them (``--gradient_accumulation_steps``).
    """
    by_dest: dict[str, list[argparse.Action]] = {}
    for action in parsed.parser._actions:
        if action.option_strings and action.dest != "help":
            by_dest.setdefault(action.dest, []).append(action)
    order = list(dict.fromkeys([*first, *by_dest]))
    parts = list(prefix)
    for dest in order:
        if dest in skip or dest not in parsed.given or dest not in by_dest:
            continue
        value, default = parsed.given[dest], parsed.parser.get_default(dest)
        if dest not in passed_through and value == default:
            continue
        # A flag of its own for this value (--no-length-buckets), else the option itself.
        flags = (
            [a for a in by_dest[dest] if a.nargs == 0 and a.const == value] if isinstance(value, bool) else []
        )
        action = (flags or by_dest[dest])[0]
        flag = action.option_strings[0 if dest in passed_through else -1]
        if action.nargs == 0:
            parts.append(flag)
        elif isinstance(value, bool) and action.nargs == "?":
            parts += [flag] if value else [flag, "False"]
        else:
            parts += [flag, *_value_tokens(action, value)]
    return shlex.join(parts)
