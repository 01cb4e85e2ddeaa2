"""reproducing_command: the command a card shows parses back to the run's options."""

import argparse
import shlex

from rnnhub.engine.command_line import reproducing_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--seeds", type=int, nargs="+")
    parser.add_argument("--extra-train", nargs="+", default=())
    parser.add_argument("--channels", type=lambda text: tuple(int(v) for v in text.split(",")), default=(8,))
    parser.add_argument("--rate", type=float, default=1e-3)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--progress", action="store_true")
    return parser


def test_the_command_parses_back_to_the_same_options():
    parser = _parser()
    given = ["--output", "out dir", "--seeds", "0", "1", "2", "--extra-train", "a", "b", "--channels", "8,16"]
    args = parser.parse_args([*given, "--rate", "0.002", "--fast", "--progress"])
    command = reproducing_command(["rnnhub", "train"], parser, args, skip=("progress",))
    # Several words for nargs options (a comma list would not parse back: "0,1,2" is no int), one comma-separated
    # word for an option whose type splits it, floats with :g, given flags bare, skipped options left out.
    assert command == (
        "rnnhub train --output 'out dir' --seeds 0 1 2 --extra-train a b --channels 8,16 --rate 0.002 --fast"
    )
    again = parser.parse_args(shlex.split(command)[2:])
    assert vars(again) == {**vars(args), "progress": False}


def test_defaults_are_left_out():
    parser = _parser()
    args = parser.parse_args(["--output", "o"])
    assert reproducing_command(["rnnhub"], parser, args) == "rnnhub --output o"
