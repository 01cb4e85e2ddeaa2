"""The demo's per-request figures: fixed margins (``rnnhub.figures.set_margins``) against ``tight_layout``.

What runs
    The demo's handlers that return a matplotlib figure on every request, called as gradio calls them, each
    figure then encoded as gradio encodes it for the page (``gradio.processing_utils.encode_plot_to_base64``,
    webp, ``gr.Plot``'s default):

    * ``/lab_gates`` — the English LSTM's gates on a sentence (``gate_heatmap``: four panels, four colorbars);
    * ``/lab_gradients`` — two gradient-flow plots (``plot_gradient_flow``, log axes), the flows computed;
    * ``/translate`` — German → English with beam 3 and its attention map (``attention_heatmap``).

    Two ways per request, alternating within each round: ``fixed margins`` (the code as it is) and
    ``tight_layout`` (the same figure with ``Figure.tight_layout()`` called before encoding, which is what the
    builders did before). The inputs are the memory soak's (``rnnhub.demo.soak``), a different one each round.
    Each measurement is the CPU time (``time.process_time``) of one request; the ratio is the median of
    ``fixed margins`` over the median of ``tight_layout`` in one run. **Required: fixed margins no slower
    (ratio <= 1) for every request.**

    PYTHONPATH=src python bench/bench_figures.py --threads 1       # ~2 min
    PYTHONPATH=src python bench/bench_figures.py --quick           # a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import torch
from _common import (
    RESULTS_DIR,
    add_common_arguments,
    check,
    environment,
    finish_run,
    markdown_table,
)
from gradio.processing_utils import encode_plot_to_base64
from matplotlib.figure import Figure

from rnnhub.demo import app
from rnnhub.demo.soak import request

WAYS = ("fixed margins", "tight_layout")
REQUESTS = {
    "/lab_gates": app.lab_gates_fn,
    "/lab_gradients": app.lab_gradients_fn,
    "/translate": app.translate_fn,
}


def _arguments_for(endpoint: str, k: int) -> tuple:
    """The soak's k-th input for ``endpoint`` (for ``/translate`` a German → English one: every machine has it)."""
    return request(2 * k if endpoint == "/translate" else k, (endpoint,))[1]


def _request(endpoint: str, k: int, way: str) -> float:
    """CPU seconds of one request, its figures encoded for the page."""
    start = time.process_time()
    outputs: Any = REQUESTS[endpoint](*_arguments_for(endpoint, k))
    for figure in (o for o in outputs if isinstance(o, Figure)):
        if way == "tight_layout":
            figure.tight_layout()
        encode_plot_to_base64(figure, "webp")
    return time.process_time() - start


def measure(endpoint: str, rounds: int) -> dict:
    for way in WAYS:  # warm-up: models loaded, fonts found
        _request(endpoint, 0, way)
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    for k in range(1, rounds + 1):
        for way in WAYS:
            seconds[way].append(_request(endpoint, k, way))
    medians = {way: statistics.median(values) for way, values in seconds.items()}
    return {
        "endpoint": endpoint,
        "cpu_s_per_request": medians,
        "cpu_s_rounds": seconds,
        "fixed_over_tight": medians["fixed margins"] / medians["tight_layout"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    add_common_arguments(parser, "one request each way, /lab_gradients only (no model to load): a smoke run")
    args = parser.parse_args(argv)
    if args.device == "cuda":
        raise SystemExit("The demo serves on the CPU; run this benchmark without --device cuda.")
    torch.set_num_threads(args.threads or 1)
    endpoints = ("/lab_gradients",) if args.quick else tuple(REQUESTS)
    if args.quick:
        args.rounds = 1
    if args.output is None:
        args.output = RESULTS_DIR / ("figures_quick.json" if args.quick else "figures.json")
    env = environment(torch.device("cpu"))
    results = [measure(endpoint, args.rounds) for endpoint in endpoints]
    rows, checks = [], []
    for result in results:
        name, ratio, cpu = result["endpoint"], result["fixed_over_tight"], result["cpu_s_per_request"]
        rows.append([name, *(f"{cpu[way]:.3f}" for way in WAYS), f"{ratio:.2f}"])
        text = f"{name}: fixed margins take {ratio:.2f}x tight_layout's CPU time"
        checks.append(check(f"{name}: no slower", ratio <= 1, round(ratio, 3), 1, text))
    print(markdown_table(["request", *(f"{way}, CPU s" for way in WAYS), "fixed / tight"], rows))
    return finish_run("demo_figures", env, args, results, checks)


if __name__ == "__main__":
    raise SystemExit(main())
