"""oneDNN's primitive cache in a long-running process: the memory each new text length keeps, and what capping
the cache (``rnnhub.demo.native_memory``, which the served demo does) costs in time.

What runs
    The path a user calls: ``pipeline("text-classification", model="model_cards/lstm-sentiment-rt-en")`` on one
    text at a time, one torch thread, in a fresh process per cache capacity (oneDNN reads
    ``ONEDNN_PRIMITIVE_CACHE_CAPACITY`` once): oneDNN's default (1,024 entries), ``SERVER_CACHE_CAPACITY`` (the demo's)
    and 0 (no cache). In each process, after one warm-up call:

    * ``new lengths``: texts of 1, 2, ... N words, each length new: the growth of the process's RSS (MB);
    * ``hot mix``: the lengths 1-32 in turn, R rounds (fewer lengths than the capped cache has entries; whether
      they fit depends on how many entries a call keeps): median ms a call;
    * ``wide mix``: the lengths 1-128 in turn (more lengths than the capped cache has entries): median ms a call.

    Ratios are against the default capacity's process, measured in the same run, one process after another.
    **Required: the capped process keeps at most half the default's memory over the new lengths.**

    PYTHONPATH=src python bench/bench_onednn_cache.py --threads 1    # ~3 min
    PYTHONPATH=src python bench/bench_onednn_cache.py --quick        # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from _common import RESULTS_DIR, add_common_arguments, check, environment, finish_run, markdown_table

from rnnhub.demo.native_memory import ONEDNN_ENV, SERVER_CACHE_CAPACITY
from rnnhub.demo.soak import rss_bytes

MIB = 1 << 20

MODEL = Path(__file__).resolve().parents[1] / "model_cards" / "lstm-sentiment-rt-en"
WORDS = [
    "a",
    "wonderful",
    "film",
    "with",
    "brilliant",
    "performances",
    "but",
    "the",
    "plot",
    "is",
    "thin",
    "and",
    "the",
    "music",
    "is",
    "loud",
]


def text(words: int) -> str:
    return " ".join(WORDS[k % len(WORDS)] for k in range(words))


def measure(new_lengths: int, rounds: int, threads: int) -> dict:
    """One process's numbers (run in the child)."""
    from transformers import pipeline

    import rnnhub  # noqa: F401  (registers the model classes)

    torch.set_num_threads(threads)
    classify = pipeline("text-classification", model=str(MODEL), device="cpu")
    classify(text(1))
    start = rss_bytes(os.getpid()) / MIB
    for words in range(2, 2 + new_lengths):
        classify(text(words))
    growth = rss_bytes(os.getpid()) / MIB - start

    def per_call_ms(lengths: range) -> float:
        times = []
        for _ in range(rounds):
            for words in lengths:
                begin = time.perf_counter()
                classify(text(words))
                times.append(time.perf_counter() - begin)
        return statistics.median(times) * 1e3

    return {"growth_mb": growth, "hot_ms": per_call_ms(range(1, 33)), "wide_ms": per_call_ms(range(1, 129))}


def in_fresh_process(capacity: int | None, args: argparse.Namespace) -> dict:
    env = {key: value for key, value in os.environ.items() if key != ONEDNN_ENV}
    if capacity is not None:
        env[ONEDNN_ENV] = str(capacity)
    command = [
        sys.executable,
        __file__,
        "--child",
        str(args.new_lengths),
        str(args.rounds),
        str(args.threads or 1),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--child"]:
        new_lengths, rounds, threads = map(int, sys.argv[2:5])
        print(json.dumps(measure(new_lengths, rounds, threads)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, "20 new lengths, 1 round (a smoke run)")
    parser.add_argument("--new-lengths", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    if args.quick:
        args.new_lengths, args.rounds = 20, 1
    args.output = args.output or RESULTS_DIR / (
        "onednn_cache_quick.json" if args.quick else "onednn_cache.json"
    )
    env = environment(torch.device("cpu"))
    results = []
    for name, capacity in (
        ("default (1024)", None),
        (f"demo ({SERVER_CACHE_CAPACITY})", SERVER_CACHE_CAPACITY),
        ("none (0)", 0),
    ):
        row = {"capacity": name, **in_fresh_process(capacity, args)}
        results.append(row)
        print(row, flush=True)
    base = results[0]
    for row in results:
        row["growth_ratio"] = row["growth_mb"] / base["growth_mb"]
        row["hot_ratio"] = row["hot_ms"] / base["hot_ms"]
        row["wide_ratio"] = row["wide_ms"] / base["wide_ms"]
    print(
        markdown_table(
            [
                "capacity",
                f"RSS growth over {args.new_lengths} new lengths (MB)",
                "hot mix ms/call",
                "wide mix ms/call",
            ],
            [
                [
                    r["capacity"],
                    f"{r['growth_mb']:.1f} ({r['growth_ratio']:.2f}x)",
                    f"{r['hot_ms']:.2f} ({r['hot_ratio']:.2f}x)",
                    f"{r['wide_ms']:.2f} ({r['wide_ratio']:.2f}x)",
                ]
                for r in results
            ],
        )
    )
    capped = results[1]
    checks = [
        check(
            "capped_growth",
            capped["growth_ratio"] <= 0.5,
            round(capped["growth_ratio"], 3),
            0.5,
            f"the demo's cap keeps {capped['growth_mb']:.1f} MB over {args.new_lengths} new lengths, "
            f"{capped['growth_ratio']:.2f}x the default's {base['growth_mb']:.1f} MB (at most 0.5x)",
            required=not args.quick,
        )
    ]
    return finish_run("onednn_cache", env, args, results, checks)


if __name__ == "__main__":
    sys.exit(main())
