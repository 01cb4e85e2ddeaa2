"""One LSTM time step on the CPU, as generation runs it: torch's ``nn.LSTM`` (oneDNN) against the native cell.

What runs
    For each shape (batch, input, hidden, layers), one ``nn.LSTM`` with random weights and three ways to take one
    step from a carried state, without gradients, ``--threads`` (1) torch thread:

    * ``module`` — ``nn.LSTM(x, state)`` on a (batch, 1, input) tensor: oneDNN's LSTM where torch uses it (CPU,
      float32: ``torch.backends.mkldnn.enabled``), what a plain generation loop calls;
    * ``module, oneDNN off`` — the same call with ``torch.backends.mkldnn.enabled`` off: torch's native
      kernel;
    * ``RecurrentLayer`` — rnnhub's layer over the same weights (``rnnhub.models.recurrent``), which takes one
      unmasked step without gradients through ``torch.lstm_cell`` per layer (the path ``generate()`` now runs).

    The three must agree (max abs difference of outputs and states below 1e-5). Each measurement is the CPU
    time (``time.process_time``) of ``--steps`` consecutive steps, after a warm-up; the ways alternate within
    each round, ``--rounds`` rounds; µs per step is the median over rounds. The ratio is module / RecurrentLayer
    in one run (how many times faster rnnhub's step is). **Required: RecurrentLayer no slower than the module
    (ratio of medians >= 1) for every shape.**

    PYTHONPATH=src python bench/bench_recurrent_step.py --threads 1      # ~1 min
    PYTHONPATH=src python bench/bench_recurrent_step.py --quick          # a smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import torch
from _common import (
    RESULTS_DIR,
    add_common_arguments,
    check,
    environment,
    finish_run,
    markdown_table,
    onednn_off,
)

from rnnhub.models.recurrent import RecurrentLayer

# (batch, input, hidden, layers): a writer at batch 1, beam search over 5, the translation decoder's size.
SHAPES = ((1, 64, 512, 1), (1, 64, 256, 2), (5, 256, 384, 1), (5, 640, 384, 1))
WAYS = ("module", "module, oneDNN off", "RecurrentLayer")
AGREEMENT = 1e-5


def _step(way: str, layer: RecurrentLayer, x: torch.Tensor, state):
    if way == "RecurrentLayer":
        run = layer(x, state=state)
        return run.outputs, run.state
    if way == "module":
        return layer.rnn(x, state)
    with onednn_off():
        return layer.rnn(x, state)


def _time(way: str, layer: RecurrentLayer, x: torch.Tensor, state, steps: int) -> float:
    """CPU µs per step over ``steps`` consecutive steps, the state carried (oneDNN switched off once, outside
    the clock, for ``module, oneDNN off``)."""
    native = way == "module, oneDNN off"
    with onednn_off() if native else contextlib.nullcontext():
        start = time.process_time()
        for _ in range(steps):
            _, state = _step("module" if native else way, layer, x, state)
        return (time.process_time() - start) / steps * 1e6


@torch.no_grad()
def measure(shape: tuple[int, int, int, int], steps: int, rounds: int, seed: int) -> dict:
    batch, inputs, hidden, layers = shape
    torch.manual_seed(seed)
    layer = RecurrentLayer("lstm", inputs, hidden, num_layers=layers).eval()
    x = torch.randn(batch, 1, inputs)
    state = tuple(0.5 * torch.randn(layers, batch, hidden) for _ in range(2))
    answers = {way: _step(way, layer, x, state) for way in WAYS}
    reference = answers["module"]
    difference = max(
        max(
            (out - reference[0]).abs().max().item(),
            *((s - r).abs().max().item() for s, r in zip(st, reference[1])),
        )
        for out, st in answers.values()
    )
    for way in WAYS:  # warm-up
        _time(way, layer, x, state, max(1, steps // 4))
    per_round = {way: [] for way in WAYS}
    for _ in range(rounds):
        for way in WAYS:
            per_round[way].append(_time(way, layer, x, state, steps))
    medians = {way: statistics.median(values) for way, values in per_round.items()}
    return {
        "shape": {"batch": batch, "input": inputs, "hidden": hidden, "layers": layers},
        "us_per_step": medians,
        "us_per_step_rounds": per_round,
        "module_over_recurrent_layer": medians["module"] / medians["RecurrentLayer"],
        "max_abs_difference": difference,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    add_common_arguments(parser, "one small shape, 10 steps, 1 round: a smoke run, not a result")
    args = parser.parse_args(argv)
    if args.device == "cuda":
        raise SystemExit("This benchmark is about the CPU's LSTM kernels; run it without --device cuda.")
    torch.set_num_threads(args.threads or 1)
    shapes = ((1, 8, 16, 2),) if args.quick else SHAPES
    if args.quick:
        args.steps, args.rounds = 10, 1
    if args.output is None:
        args.output = RESULTS_DIR / ("recurrent_step_quick.json" if args.quick else "recurrent_step.json")
    env = environment(torch.device("cpu"))
    results = [measure(shape, args.steps, args.rounds, args.seed) for shape in shapes]
    rows, checks = [], []
    for result in results:
        s, us = result["shape"], result["us_per_step"]
        name = f"batch {s['batch']}, input {s['input']}, hidden {s['hidden']}, {s['layers']} layer(s)"
        rows.append(
            [name, *(f"{us[way]:.0f}" for way in WAYS), f"{result['module_over_recurrent_layer']:.2f}x"]
        )
        difference, ratio = result["max_abs_difference"], result["module_over_recurrent_layer"]
        agree = f"{name}: the three agree (max abs {difference:.1e})"
        checks.append(check(f"{name}: agree", difference < AGREEMENT, difference, AGREEMENT, agree))
        faster = f"{name}: RecurrentLayer {ratio:.2f}x the module's speed"
        checks.append(check(f"{name}: faster", ratio >= 1, round(ratio, 3), 1, faster))
    print(markdown_table(["shape", *(f"{way}, µs/step" for way in WAYS), "module / RecurrentLayer"], rows))
    return finish_run("lstm_step_cpu", env, args, results, checks)


if __name__ == "__main__":
    raise SystemExit(main())
