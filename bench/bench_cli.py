"""Start-up time of the ``rnnhub`` command: ``rnnhub --help`` against a bare ``python -c pass``, same run.

What runs
    Each round starts, in fresh subprocesses and in this order: ``python -c pass`` (the interpreter's own start-up,
    the floor), the ``rnnhub`` console script with ``--help`` (the script pip wrote next to this Python, as a user
    types it), and ``python -c "import rnnhub"`` (the full import that registers the models with transformers: what
    every command paid before the console entry deferred it). Wall time from ``subprocess.run`` start to exit,
    output discarded. One warm-up round (file-system cache), then ``--rounds`` measured rounds; the median is quoted
    with min-max, and the ratio ``rnnhub --help`` / ``python -c pass`` both as a ratio of medians and per round.
    **Required: median ``rnnhub --help`` under 1 s.**

    PYTHONPATH=src python bench/bench_cli.py            # 10 rounds (~1 min: the full import is the slow part)
    PYTHONPATH=src python bench/bench_cli.py --quick    # one round, no warm-up: a smoke run
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import torch
from _common import RESULTS_DIR, check_line, environment, finish, markdown_table, spread

LIMIT_S = 1.0  # the goal for `rnnhub --help`


def candidates(console_script: Path, quick: bool) -> dict[str, list[str]]:
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "rnnhub --help": [str(console_script), "--help"],
        "python -c 'import rnnhub'": [sys.executable, "-c", "import rnnhub"],
    }
    if quick:  # a smoke run: the seconds-long full import adds nothing to it
        del commands["python -c 'import rnnhub'"]
    return commands


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--quick", action="store_true", help="one round, no warm-up (a smoke run, not a measurement)"
    )
    parser.add_argument(
        "--console-script",
        type=Path,
        default=Path(sys.executable).parent / "rnnhub",
        help="the rnnhub command to time (default: the one next to this Python)",
    )
    parser.add_argument("--device", choices=("cpu",), default="cpu", help="start-up runs on the CPU only")
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default bench/results/...)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a requirement FAILs")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = 1
    if args.output is None:
        args.output = RESULTS_DIR / ("cli_quick.json" if args.quick else "cli.json")
    if not args.console_script.is_file():
        raise SystemExit(
            f"{args.console_script} not found: install rnnhub (make install) or pass --console-script"
        )

    commands = candidates(args.console_script, args.quick)
    for command in [] if args.quick else commands.values():  # warm-up round: file-system cache, .pyc files
        wall_time(command)
    rounds = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            rounds[name].append(wall_time(command))

    bare = rounds["python -c pass"]
    results = {
        name: {
            "seconds": spread(times),
            "seconds_rounds": times,
            "ratio_of_medians_vs_bare": spread(times)["median"] / spread(bare)["median"],
            "ratio_vs_bare": spread([t / b for t, b in zip(times, bare)]),
        }
        for name, times in rounds.items()
    }
    help_median = results["rnnhub --help"]["seconds"]["median"]
    checks = [
        {
            "name": "rnnhub_help_under_1s",
            "required": True,
            "passed": help_median < LIMIT_S,
            "value": help_median,
            "threshold": LIMIT_S,
            "text": check_line(
                help_median < LIMIT_S, f"rnnhub --help median {help_median:.3f} s < {LIMIT_S} s"
            ),
        }
    ]
    rows = [
        [
            f"`{name}`",
            f"{entry['seconds']['median']:.3f}",
            f"{entry['seconds']['min']:.3f}–{entry['seconds']['max']:.3f}",
            f"{entry['ratio_of_medians_vs_bare']:.1f}",
            f"{entry['ratio_vs_bare']['min']:.1f}–{entry['ratio_vs_bare']['max']:.1f}",
        ]
        for name, entry in results.items()
    ]
    print(markdown_table(["command", "median s", "min–max s", "vs bare python", "per-round ratio"], rows))
    print()
    for check in checks:
        print(check["text"])
    output = {
        "benchmark": "cli_startup",
        "environment": environment(torch.device("cpu")),
        "settings": {"rounds": args.rounds, "quick": args.quick, "console_script": str(args.console_script)},
        "results": results,
        "checks": checks,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    raise SystemExit(main())
