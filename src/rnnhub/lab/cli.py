"""``rnnhub lab memory|gradients|gates|all``: run the memory lab and write its figures and tables.

The committed figures in ``docs/lab/`` come from ``rnnhub lab all --out docs/lab``; ``--quick`` runs the tiny
versions (seconds) into the default ``outputs/lab`` (git-ignored).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEFAULT_OUT = "outputs/lab"


def _memory(args) -> int:
    from rnnhub.lab.experiments import run_memory_experiment

    def progress(run: dict) -> None:
        print(
            f"  {run['variant']:<11} N={run['distractors']:<4} seed={run['seed']} "
            f"accuracy={run['accuracy']:.3f} ({run['seconds']:.1f}s)",
            flush=True,
        )

    results = run_memory_experiment(
        Path(args.out), args.quick, args.seeds, args.distractors, progress, args.jobs
    )
    print(
        f"memory: {len(results['runs'])} runs in {results['wall_seconds']:.0f}s -> {args.out}/memory.png, memory.md"
    )
    return 0


def _gradients(args) -> int:
    from rnnhub.lab.experiments import run_gradient_experiment

    results = run_gradient_experiment(Path(args.out), args.quick)
    for run in results["cells"] + results["radius"]:
        print(
            f"  {run['cell_type']:<4} radius={run['radius']} keep_bias={run['keep_bias']} "
            f"inputs x{run['input_scale']:g}: ||dL/dh_1|| / ||dL/dh_T|| = {run['first_over_last']:.2e}"
        )
    final = results["clipping"]["final_loss"]
    print(f"  clipping: final loss {final['unclipped']:.3f} without, {final['clipped']:.3f} with")
    print(f"gradients -> {args.out}/gradient_flow.png, gradient_radius.png, clipping.png")
    return 0


def _gates(args) -> int:
    from rnnhub.lab.experiments import run_gates_experiment

    trace = run_gates_experiment(Path(args.out), args.quick)
    print(
        f"gates: memory units {trace['units']}, trained accuracy {trace['accuracy']:.3f} -> {args.out}/gates.png"
    )
    return 0


def _all(args) -> int:
    start = time.perf_counter()
    for run in (_memory, _gradients, _gates):
        run(args)
    print(f"lab: done in {time.perf_counter() - start:.0f}s")
    return 0


def _positive_ints(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from error
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"expected non-negative integers, got {text!r}")
    return values


def add_cli(subparsers) -> None:
    """Register ``lab`` and its subcommands on an ``argparse`` subparsers object."""
    lab = subparsers.add_parser(
        "lab", help="memory lab: vanishing gradients, LSTM gates, experiments and figures"
    )
    commands = lab.add_subparsers(dest="lab_command", required=True)
    handlers = {
        "memory": (_memory, "remember-the-first-word accuracy vs distance N for rnn / gru / lstm"),
        "gradients": (_gradients, "||dL/dh_t|| back through time, spectral radius 0.9 vs 1.1, clipping"),
        "gates": (_gates, "an LSTM's input / forget / output gates and cell state, step by step"),
        "all": (_all, "all three (the committed docs/lab figures: rnnhub lab all --out docs/lab)"),
    }
    for name, (handler, help_text) in handlers.items():
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
        parser.add_argument("--quick", action="store_true", help="the tiny version (seconds), as CI runs it")
        if name in ("memory", "all"):
            parser.add_argument("--seeds", type=_positive_ints, default=None, help="e.g. 0,1,2")
            parser.add_argument(
                "--distractors", type=_positive_ints, default=None, help="N values, e.g. 10,50"
            )
            parser.add_argument("--jobs", type=int, default=1, help="memory runs trained at once (processes)")
        else:
            parser.set_defaults(seeds=None, distractors=None, jobs=1)
        parser.set_defaults(func=handler)
