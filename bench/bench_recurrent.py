"""Training throughput of rnnhub's ``RecurrentLayer`` against raw torch recurrent modules.

What is measured
    One training step = forward + ``outputs.mean()`` loss + backward + zeroing the gradients (no optimizer: the same
    for every candidate). Throughput is ``batch * length / seconds_per_step`` in tokens/s, counting every
    (batch, time) slot, padding included, so the rows are comparable; the padded row also reports real tokens/s.

Candidates (LSTM; GRU and vanilla RNN get the first two)
    raw            ``nn.LSTM(batch_first=True)`` called directly, no initial state
    fused          ``RecurrentLayer(..., implementation="fused")``, no attention_mask
    fused_ones     fused with an all-ones attention_mask (what a tokenizer hands over for an unpadded batch)
    fused_padded   fused with a right-padded batch (random lengths in [length/2, length]): pack_padded_sequence
    transparent    the step-by-step Python loop over the same weights

How
    All candidates share the same shapes and start from the same weights (copies of one module). They run
    interleaved in rounds (raw, fused, ..., raw, fused, ...) after warm-up rounds, so slow drift of a shared machine
    hits every candidate alike. Each measurement times ``--steps`` consecutive training steps. Reported: the median
    tokens/s per candidate over rounds, and for fused vs raw the ratio of medians plus the per-round ratios'
    median, min and max (the spread).

Requirement checked: fused LSTM tokens/s >= 0.90 x raw ``nn.LSTM`` tokens/s (ratio of medians).

    PYTHONPATH=src python bench/bench_recurrent.py                 # defaults: batch 32, length 128, 256 -> 256
    PYTHONPATH=src python bench/bench_recurrent.py --quick         # smoke run, seconds
    PYTHONPATH=src python bench/bench_recurrent.py --device cuda --threads 1
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys

import torch
from _common import (
    RESULTS_DIR,
    add_common_arguments,
    check_line,
    environment,
    finish,
    markdown_table,
    pick_device,
    spread,
    timed,
)
from torch import nn

from rnnhub.models.recurrent import RecurrentLayer

FUSED_WITHIN = 0.10  # the fused path may be at most 10% slower than raw nn.LSTM


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--input-size", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument(
        "--rounds", type=int, default=10, help="measured rounds (each runs every candidate once)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured rounds first")
    parser.add_argument("--steps", type=int, default=3, help="training steps per measurement")
    parser.add_argument("--cells", default="lstm,gru,rnn", help="comma-separated cell types")
    parser.add_argument("--no-transparent", action="store_true", help="skip the (slow) transparent loop")
    add_common_arguments(parser, "tiny sizes and 2 rounds: a smoke run, not a result")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.length, args.input_size, args.hidden = 4, 12, 16, 16
        args.rounds, args.warmup, args.steps = 2, 1, 1
        args.threads = 1 if args.threads is None else args.threads
    if args.output is None:
        args.output = RESULTS_DIR / ("recurrent_quick.json" if args.quick else "recurrent.json")
    return args


def random_lengths(batch: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """Lengths in [length/2, length], with one full-length row so the padded batch keeps its time size."""
    lengths = torch.randint(max(1, length // 2), length + 1, (batch,), generator=generator)
    lengths[0] = length
    return lengths


def make_candidates(args, device: torch.device) -> dict[str, dict]:
    """name -> {"step": callable running one training step, "cell": ..., "real_fraction": ...}."""
    generator = torch.Generator().manual_seed(args.seed)
    inputs = torch.randn(args.batch, args.length, args.input_size, generator=generator).to(device)
    lengths = random_lengths(args.batch, args.length, generator)
    padded_mask = (torch.arange(args.length)[None, :] < lengths[:, None]).long().to(device)
    ones_mask = torch.ones(args.batch, args.length, dtype=torch.long, device=device)
    real_fraction = float(lengths.sum()) / (args.batch * args.length)

    def train_step(module: nn.Module, forward) -> None:
        loss = forward().mean()
        loss.backward()
        for p in module.parameters():
            p.grad = None

    candidates: dict[str, dict] = {}
    for cell in args.cells.split(","):
        torch.manual_seed(args.seed)
        layer = RecurrentLayer(cell, args.input_size, args.hidden, num_layers=args.layers).to(device).train()
        raw = copy.deepcopy(
            layer.rnn
        )  # the same nn.LSTM/GRU/RNN module, weights included, without the wrapper

        def run_raw(raw=raw):
            train_step(raw, lambda: raw(inputs)[0])

        def run_fused(layer=layer, mask=None, implementation="fused"):
            train_step(
                layer, lambda: layer(inputs, attention_mask=mask, implementation=implementation).outputs
            )

        candidates[f"{cell}/raw"] = {"step": run_raw, "cell": cell, "real_fraction": 1.0}
        candidates[f"{cell}/fused"] = {"step": run_fused, "cell": cell, "real_fraction": 1.0}
        if cell == "lstm":
            candidates[f"{cell}/fused_ones"] = {
                "step": lambda layer=layer: run_fused(layer, ones_mask),
                "cell": cell,
                "real_fraction": 1.0,
            }
            candidates[f"{cell}/fused_padded"] = {
                "step": lambda layer=layer: run_fused(layer, padded_mask),
                "cell": cell,
                "real_fraction": real_fraction,
            }
            if not args.no_transparent:
                candidates[f"{cell}/transparent"] = {
                    "step": lambda layer=layer: run_fused(layer, None, "transparent"),
                    "cell": cell,
                    "real_fraction": 1.0,
                }
    return candidates


def measure(args, device: torch.device, candidates: dict[str, dict]) -> dict[str, list[float]]:
    """Interleaved rounds; returns name -> tokens/s of each measured round."""
    tokens_per_step = args.batch * args.length
    per_round: dict[str, list[float]] = {name: [] for name in candidates}
    for round_index in range(args.warmup + args.rounds):
        for name, candidate in candidates.items():

            def steps(candidate=candidate):
                for _ in range(args.steps):
                    candidate["step"]()

            seconds = timed(steps, device)
            if round_index >= args.warmup:
                per_round[name].append(tokens_per_step * args.steps / seconds)
        if not args.quick:
            print(f"  round {round_index + 1}/{args.warmup + args.rounds} done", file=sys.stderr, flush=True)
    return per_round


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    env = environment(device)
    settings = {
        k: getattr(args, k)
        for k in (
            "batch",
            "length",
            "input_size",
            "hidden",
            "layers",
            "rounds",
            "warmup",
            "steps",
            "quick",
            "seed",
        )
    }
    print(
        f"# bench_recurrent: {env['device_name']} ({device}), torch {env['torch_version']}, "
        f"{env['torch_threads']} threads, load {env.get('load_average_at_start')}"
    )
    print(f"# settings: {settings}")

    candidates = make_candidates(args, device)
    per_round = measure(args, device, candidates)

    results = {}
    for name, values in per_round.items():
        cell, variant = name.split("/")
        raw_values = per_round[f"{cell}/raw"]
        median = statistics.median(values)
        entry = {
            "cell": cell,
            "variant": variant,
            "tokens_per_s": spread(values),
            "tokens_per_s_rounds": values,
            "real_token_fraction": candidates[name]["real_fraction"],
            "real_tokens_per_s_median": median * candidates[name]["real_fraction"],
            # Per-round ratio against raw of the same round (both ran back to back), and the ratio of medians.
            "ratio_vs_raw": spread([v / r for v, r in zip(values, raw_values)]),
            "ratio_of_medians_vs_raw": median / statistics.median(raw_values),
        }
        results[name] = entry

    checks = []
    for cell in args.cells.split(","):
        entry = results[f"{cell}/fused"]
        ratio = entry["ratio_of_medians_vs_raw"]
        required = cell == "lstm"
        passed = ratio >= 1.0 - FUSED_WITHIN
        checks.append(
            {
                "name": f"{cell}_fused_within_10pct_of_raw",
                "required": required,
                "passed": passed,
                "value": ratio,
                "threshold": 1.0 - FUSED_WITHIN,
                "text": check_line(
                    passed,
                    f"{cell} fused/raw tokens/s = {ratio:.3f} (per-round {entry['ratio_vs_raw']['min']:.3f}-"
                    f"{entry['ratio_vs_raw']['max']:.3f}), need >= {1.0 - FUSED_WITHIN:.2f}"
                    + ("" if required else " [informational]")
                    + (" [--quick: not a measurement]" if args.quick else ""),
                ),
            }
        )

    headers = [
        "cell",
        "variant",
        "tokens/s (median)",
        "min-max",
        "vs raw (ratio of medians)",
        "per-round ratio min-max",
        "real tokens/s",
    ]
    rows = []
    for entry in results.values():
        t, r = entry["tokens_per_s"], entry["ratio_vs_raw"]
        rows.append(
            [
                entry["cell"],
                entry["variant"],
                f"{t['median']:,.0f}",
                f"{t['min']:,.0f}-{t['max']:,.0f}",
                f"{entry['ratio_of_medians_vs_raw']:.3f}",
                f"{r['min']:.3f}-{r['max']:.3f}",
                f"{entry['real_tokens_per_s_median']:,.0f}",
            ]
        )
    print()
    print(markdown_table(headers, rows))
    print()
    for check in checks:
        print(check["text"])

    output = {
        "benchmark": "recurrent_training_throughput",
        "environment": env,
        "settings": settings,
        "step": "forward + outputs.mean() + backward + grads set to None (no optimizer)",
        "results": results,
        "checks": checks,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    sys.exit(main())
