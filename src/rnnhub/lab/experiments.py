"""The three lab experiments as runs that write their numbers (JSON, CSV, Markdown) and figures (PNG) to a folder.

These are what ``rnnhub lab ...`` calls; ``quick=True`` is the tiny version (seconds) that CI runs.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

from matplotlib.figure import Figure

from rnnhub.lab.clipping import clipping_experiment
from rnnhub.lab.gates import GATES_CONFIG, gate_trace
from rnnhub.lab.gradients import gradient_flow
from rnnhub.lab.memory import QUICK, MemoryConfig, run_memory
from rnnhub.lab.plots import plot_clipping, plot_gates, plot_gradient_flow, plot_memory
from rnnhub.models.constants import CELL_TYPES

FULL_DISTRACTORS = (10, 25, 50, 100, 200)
FULL_SEEDS = (0, 1, 2)
FULL_VARIANTS = (*CELL_TYPES, "lstm-bias1")
KEEP_BIAS = 3.0  # the gated cells' keep-gate bias in the gradient-flow plot, as in the memory experiment


def save_figure(figure: Figure, path: Path) -> None:
    # No "Software" stamp in the PNG: the file then depends only on the numbers and the matplotlib version.
    figure.savefig(path, dpi=100, metadata={"Software": None})


def write_json(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


def memory_table(summary: list[dict]) -> str:
    """The results as a Markdown table: one row per variant, one column per N, "mean ± std (min-max)"."""
    variants = list(dict.fromkeys(r["variant"] for r in summary))
    distractors = sorted({r["distractors"] for r in summary})
    cells = {(r["variant"], r["distractors"]): r for r in summary}
    header = "| model | hidden | params | " + " | ".join(f"N={n}" for n in distractors) + " |"
    lines = [header, "|" + "---|" * (3 + len(distractors))]
    for variant in variants:
        first = next(r for r in summary if r["variant"] == variant)
        row = [variant, str(first["hidden_size"]), f"{first['parameters']:,}"]
        for n in distractors:
            r = cells.get((variant, n))
            row.append(
                "" if r is None else f"{r['mean']:.2f} ± {r['std']:.2f} ({r['min']:.2f}-{r['max']:.2f})"
            )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def run_memory_experiment(
    out: Path, quick: bool = False, seeds=None, distractors=None, progress=None, jobs: int = 1
) -> dict:
    config = QUICK if quick else MemoryConfig()
    seeds = tuple(seeds or ((0,) if quick else FULL_SEEDS))
    distractors = tuple(distractors or ((5, 20) if quick else FULL_DISTRACTORS))
    variants = ("rnn", "lstm") if quick else FULL_VARIANTS
    start = time.perf_counter()
    results = run_memory(variants, distractors, seeds, config, progress=progress, jobs=jobs)
    results["wall_seconds"] = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    write_json(results, out / "memory.json")
    with (out / "memory.csv").open("w", newline="") as handle:
        fields = [
            "variant",
            "distractors",
            "hidden_size",
            "parameters",
            "mean",
            "std",
            "min",
            "max",
            "chance",
        ]
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
            for r in results["summary"]
        )
    (out / "memory.md").write_text(memory_table(results["summary"]))
    save_figure(plot_memory(results), out / "memory.png")
    return results


def run_gradient_experiment(out: Path, quick: bool = False) -> dict:
    steps = 60 if quick else 100
    cells = [
        gradient_flow("rnn", steps),
        gradient_flow("gru", steps, keep_bias=KEEP_BIAS),
        gradient_flow("lstm", steps, keep_bias=KEEP_BIAS),
        gradient_flow("lstm", steps, keep_bias=1.0),
    ]
    radii = [
        gradient_flow("rnn", steps, radius=0.9, input_scale=1e-3),
        gradient_flow("rnn", steps, radius=1.1, input_scale=1e-3),
        gradient_flow("rnn", steps, radius=1.1, input_scale=1.0),
    ]
    clipping = clipping_experiment(steps=60 if quick else 300)
    results = {"cells": cells, "radius": radii, "clipping": clipping}
    out.mkdir(parents=True, exist_ok=True)
    write_json(results, out / "gradients.json")
    save_figure(
        plot_gradient_flow(cells, "Fresh cells: ||dL/dh_t|| back through time"), out / "gradient_flow.png"
    )
    save_figure(
        plot_gradient_flow(radii, "Vanilla RNN: vanishing (radius 0.9) vs exploding (radius 1.1)"),
        out / "gradient_radius.png",
    )
    save_figure(plot_clipping(clipping), out / "clipping.png")
    return results


def run_gates_experiment(out: Path, quick: bool = False) -> dict:
    config = GATES_CONFIG if not quick else QUICK
    trace = gate_trace(distractors=10 if quick else 30, config=config)
    out.mkdir(parents=True, exist_ok=True)
    write_json(trace, out / "gates.json")
    save_figure(plot_gates(trace), out / "gates.png")
    return trace
