"""The "Why LSTM" tab: the memory lab's experiments at small size, live, plus its committed full-size results.

* :func:`gradient_flow_view` — ``||dL/dh_t||`` back through time for fresh rnn / gru / lstm cells and for a
  vanilla RNN whose recurrent matrix has spectral radius 0.9 or 1.1 (a fraction of a second each);
* :func:`memory_table` — the committed "remember the first word" results (``docs/lab/memory.json``, 3 seeds,
  800 steps; made by ``rnnhub lab all --out docs/lab``);
* :func:`memory_live` — a quick live run of the same task (the lab's ``QUICK`` settings, one seed, a second or
  two per cell);
* the gates on the user's own sentence come from :func:`rnnhub.demo.sentiment.classify` with the English LSTM.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnhub.demo.loaders import Progress, report
from rnnhub.models.constants import CELL_TYPES

__all__ = [
    "CELLS",
    "LAB_DIR",
    "MAX_LIVE_DISTRACTORS",
    "RADII",
    "gradient_flow_view",
    "memory_live",
    "memory_table",
]

CELLS = CELL_TYPES  # the fresh cells the tab trains
RADII = (0.9, 1.1)
KEEP_BIAS = 3.0  # the gated cells' keep-gate bias, as in the lab's committed figures
# Inputs this small keep tanh near-linear, so the spectral radius alone decides vanishing vs exploding.
RADIUS_INPUT_SCALE = 1e-3
MAX_LIVE_DISTRACTORS = 60  # keeps a live run to a few seconds on one core
MAX_STEPS = 300


def _lab_dir() -> Path:
    """The committed lab results: docs/lab in a source checkout, else the copy a wheel ships (setup.py)."""
    checkout = Path(__file__).resolve().parents[3] / "docs" / "lab"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "lab_results"


LAB_DIR = _lab_dir()


def _check_choice(values: Sequence[Any] | None, allowed: Sequence[Any], what: str) -> list[Any]:
    chosen = list(values or [])
    bad = [value for value in chosen if value not in allowed]
    if bad:
        raise ValueError(f"Unknown {what} {bad}; choose from {', '.join(map(str, allowed))}.")
    return chosen


def _check_int(value: Any, low: int, high: int, what: str) -> int:
    try:
        number = int(value)
        whole = number == value
    except (TypeError, ValueError, OverflowError):
        whole = False
    if isinstance(value, bool) or not whole or not low <= number <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {value!r}.")
    return number


def gradient_flow_view(
    cells: Sequence[str] | None = CELLS,
    radii: Sequence[float | str] | None = RADII,
    steps: Any = 100,
) -> dict[str, Any]:
    """Run :func:`rnnhub.lab.gradient_flow` for each chosen cell and each vanilla-RNN spectral radius.

    Returns ``cells_figure`` / ``radius_figure`` (matplotlib, None when nothing was chosen for them) and
    ``rows``: one dict per run with ``run``, ``first_over_last`` (how much of the end's error signal reaches
    step 1, relative to the last step) and ``decay_per_step``.
    """
    from rnnhub.lab import gradient_flow, plot_gradient_flow

    cells = _check_choice(cells, CELLS, "cell")
    try:
        radii = [float(r) for r in (radii or [])]
    except (TypeError, ValueError):
        raise ValueError(
            f"The radii must be numbers from {', '.join(map(str, RADII))}, got {radii!r}."
        ) from None
    radii = _check_choice(radii, RADII, "spectral radius")
    steps = _check_int(steps, 10, MAX_STEPS, "steps")
    if not cells and not radii:
        raise ValueError("Choose at least one cell or one spectral radius to plot.")
    cell_runs = [gradient_flow(cell, steps, keep_bias=None if cell == "rnn" else KEEP_BIAS) for cell in cells]
    radius_runs = [
        gradient_flow("rnn", steps, radius=radius, input_scale=RADIUS_INPUT_SCALE) for radius in radii
    ]
    rows = [
        {
            "run": run["cell_type"] if run["radius"] is None else f"rnn, radius {run['radius']:g}",
            "first_over_last": run["first_over_last"],
            "decay_per_step": run["decay_per_step"],
        }
        for run in cell_runs + radius_runs
    ]
    return {
        "cells_figure": plot_gradient_flow(cell_runs, "Fresh cells: ||dL/dh_t|| back through time")
        if cell_runs
        else None,
        "radius_figure": plot_gradient_flow(
            radius_runs, "Vanilla RNN: vanishing (radius 0.9) vs exploding (radius 1.1)"
        )
        if radius_runs
        else None,
        "rows": rows,
    }


def memory_table(lab_dir: Path = LAB_DIR) -> dict[str, Any]:
    """The committed remember-the-first-word results: ``figure`` (accuracy against N), ``markdown`` (the
    table), ``summary`` rows. ValueError when the results are not there (an installed package without docs/)."""
    from rnnhub.lab import plot_memory

    path = lab_dir / "memory.json"
    if not path.is_file():
        raise ValueError(
            f"The precomputed memory-lab results are not here ({path}); they ship with the source checkout. "
            "Make them with `rnnhub lab memory --out docs/lab`."
        )
    results = json.loads(path.read_text(encoding="utf-8"))
    table = lab_dir / "memory.md"
    markdown = table.read_text(encoding="utf-8") if table.is_file() else ""
    return {"figure": plot_memory(results), "markdown": markdown, "summary": results["summary"]}


def memory_live(
    distractors: Any = 25,
    variants: Sequence[str] | None = CELLS,
    *,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train each variant on "remember the first word" with ``distractors`` tokens after it (lab QUICK settings:
    150 steps, one seed) and measure held-out accuracy. Returns ``rows`` (the lab's numbers per variant),
    ``bars`` (:func:`rnnhub.demo.plots.memory_bars`: accuracy per variant and chance, for a ``gr.BarPlot``) and
    ``settings``."""
    from dataclasses import asdict

    from rnnhub.demo.plots import memory_bars
    from rnnhub.lab import QUICK, VARIANTS, train_first_word

    distractors = _check_int(distractors, 1, MAX_LIVE_DISTRACTORS, "N (distractor tokens)")
    variants = _check_choice(variants, tuple(VARIANTS), "variant")
    if not variants:
        raise ValueError(f"Choose at least one cell to train ({', '.join(VARIANTS)}).")
    rows = []
    for index, variant in enumerate(variants):
        report(progress, index / len(variants), f"training {variant} on N={distractors}")
        rows.append(train_first_word(variant, distractors, seed, QUICK)[1])
    return {
        "rows": rows,
        "bars": memory_bars(rows, rows[0]["chance"]),
        "settings": {**asdict(QUICK), "seed": seed, "distractors": distractors},
    }
